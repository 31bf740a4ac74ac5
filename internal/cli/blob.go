package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"zhipai/internal/app"
	"zhipai/internal/blob"
	"zhipai/internal/config"
)

func runBlob(args []string, stdout, stderr io.Writer) int {
	return subcommand("blob", map[string]func([]string, io.Writer, io.Writer) int{"migrate": blobMigrate}, []string{"migrate"}, args, stdout, stderr)
}

// blobMigrate copies every blob from one store to another under the same
// keys, as sealed (no decryption): moving an installation from its local
// directory to S3, or back. Resumable: what the target has is skipped.
func blobMigrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai blob migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the store to copy from: file:///dir or s3://bucket/prefix?endpoint=host:port")
	to := fs.String("to", "", "the store to copy to")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	if *from == "" || *to == "" || *from == *to {
		fmt.Fprintln(stderr, "usage: zhipai blob migrate --from file:///var/lib/zhipai/blobs --to 's3://bucket/prefix?endpoint=host:port'")
		fmt.Fprintln(stderr, "       (S3 credentials from ZHIPAI_S3_ACCESS_KEY and ZHIPAI_S3_SECRET_KEY or their _FILE; the same master key as the server)")
		return exitUsage
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return fail(stderr, usageError{err})
	}
	keys, err := app.LoadKeys(cfg)
	if err != nil {
		return fail(stderr, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := blob.Open(ctx, *from, cfg.S3AccessKey, cfg.S3SecretKey, keys)
	if err != nil {
		return fail(stderr, err)
	}
	dst, err := blob.Open(ctx, *to, cfg.S3AccessKey, cfg.S3SecretKey, keys)
	if err != nil {
		return fail(stderr, err)
	}
	n := 0
	m, err := blob.Migrate(ctx, src, dst, func(string, bool) {
		if n++; n%1000 == 0 {
			fmt.Fprintf(stderr, "  %d blobs...\n", n)
		}
	})
	fmt.Fprintf(stdout, "copied %d, already there %d\n", m.Copied, m.Present)
	if err != nil {
		fmt.Fprintln(stderr, "stopped (run the same command again to resume):")
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, "done: set ZHIPAI_BLOB_URL to the new store and restart; the old one is left as it was")
	return exitOK
}
