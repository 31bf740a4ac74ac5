// Command zhipai is the whole product: see `zhipai help`.
package main

import (
	"os"

	"zhipai/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
