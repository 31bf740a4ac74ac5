package cli

import "io"

func photoEval(args []string, stdout, stderr io.Writer) int { return exitUsage }
