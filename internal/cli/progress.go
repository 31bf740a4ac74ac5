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
	visible := false
	for _, f := range []*os.File{os.Stderr} {
		visible = term.IsTerminal(int(f.Fd()))
	}
	if !visible {
		return progressbar.NewOptions(n, progressbar.OptionSetWriter(io.Discard))
	}
	return progressbar.NewOptions(n, opts...)
}
