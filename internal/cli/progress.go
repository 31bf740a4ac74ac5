package cli

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress returns a progress bar on a terminal and a silent one
// otherwise (logs and CI want results, not carriage returns).
func newProgress(n int, opts ...progressbar.Option) *progressbar.ProgressBar {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return progressbar.NewOptions(n, progressbar.OptionSetWriter(io.Discard))
	}
	return progressbar.NewOptions(n, opts...)
}
