package cli

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"

	"zhipai/internal/benchflow"
)

func runBench(args []string, stdout, stderr io.Writer) int {
	return subcommand("bench", map[string]func([]string, io.Writer, io.Writer) int{"flow": benchFlow}, []string{"flow"}, args, stdout, stderr)
}

// benchFlow sends simulated students through the whole path of a Zhipai
// on loopback (package benchflow) and prints its report.
func benchFlow(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai bench flow", flag.ContinueOnError)
	fs.SetOutput(stderr)
	students := fs.Int("students", 200, "simulated students, all at once")
	database := fs.String("database", "sqlite", "sqlite (a temporary file), postgres (a temporary schema on "+benchflow.DefaultPostgres+"), or a postgres:// URL of a database to fill")
	photoPath := fs.String("photo", "testdata/astronaut.png", "the portrait every student uploads")
	portrait := fs.String("card-portrait", "testdata/astronaut.png", "PNG portrait for the specimen ID cards")
	think := fs.Duration("think", 0, "a student's pause before each step (uniformly 0.5-1.5 times this); 0: every request at once, the worst case")
	blobStore := fs.String("blob", "file", "where photos are kept: file (a directory) or s3 (a local S3 server, bin/versitygw from tools/setup/s3.sh)")
	instances := fs.Int("instances", 1, "run this many `zhipai serve` processes on one PostgreSQL and one blob store, behind a small balancer (needs --database postgres)")
	killOne := fs.Bool("kill-one", false, "SIGKILL one instance when a quarter of the photos are done (with --instances 2 or more)")
	syncCards := fs.Bool("sync-cards", false, "check the ID-card photos in the upload request (the first clients' way) instead of as queued jobs with a long-polled answer")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (the bench's own process)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fail(stderr, usageError{err})
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	photoBytes, err := os.ReadFile(*photoPath)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	cardImg, err := readPNG(*portrait)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(stderr, err)
	}
	ok, err := benchflow.Run(benchflow.Options{Students: *students, Database: *database, Photo: photoBytes, PhotoName: filepath.Base(*photoPath),
		Card: cardImg, Think: *think, Blob: *blobStore, Instances: *instances, KillOne: *killOne, SyncCards: *syncCards, Exe: exe}, stdout)
	var ue benchflow.UsageError
	switch {
	case errors.As(err, &ue):
		return fail(stderr, usageError{ue.Err})
	case err != nil:
		return fail(stderr, err)
	case !ok:
		return exitRefused
	}
	return exitOK
}
