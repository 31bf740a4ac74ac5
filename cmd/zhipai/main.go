// Command zhipai is the whole product: see `zhipai help`.
package main

import (
	"os"

	"zhipai/internal/cli"
	"zhipai/internal/ocr"
)

func main() {
	ocr.OneThreadPerRead()
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
