// Package testdata holds the public-domain portraits (see README.md) the
// tests read, and that the demo seed standardizes into sample submissions.
package testdata

import _ "embed"

// AstronautWebP is Eileen Collins's NASA portrait (public domain), as WebP.
//
//go:embed astronaut.webp
var AstronautWebP []byte
