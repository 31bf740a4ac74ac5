package cli

import "io"

func photoBench(args []string, stdout, stderr io.Writer) int { return exitUsage }
