// Package cli holds zhipai's subcommands.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"zhipai/internal/config"
	"zhipai/internal/engine"
	"zhipai/internal/photo"
)

// Exit codes.
const (
	exitOK      = 0
	exitRefused = 1 // the command ran; some input was refused or failed
	exitUsage   = 2
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the server: student pages, API and photo workers", runServe},
		{"migrate", "apply the database migrations", runMigrate},
		{"demo", "seed a demo school, campaign and roster", runDemo},
		{"roster", "import a campaign's roster (xlsx or csv)", runRoster},
		{"review", "approve, reject or claim a submission", runReview},
		{"export", "write a campaign's approved photos as a ZIP with index and checksums", runExport},
		{"user", "create a staff account (the first platform admin)", runUser},
		{"audit", "verify the audit log's hash chains", runAudit},
		{"blob", "move the photo store between a directory and S3 (blob migrate)", runBlob},
		{"bench", "load-test the student path (bench flow)", runBench},
		{"photo", "standardize, check and evaluate ID photos", runPhoto},
		{"idcard", "check photos of identity cards", runIDCard},
	}
}

// gcPercent is the garbage collector's target unless GOGC says otherwise:
// a photo allocates about 20 MB of short-lived buffers against a small live
// Go heap (the models live in ONNX Runtime's memory), so collecting at
// twice the default growth saves a few milliseconds per photo for a few
// tens of megabytes.
const gcPercent = 200

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "zhipai: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: zhipai <command> [arguments]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (`standardize IN -o OUT` as well as `-o OUT IN`).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// subcommand dispatches to the named function of a group.
func subcommand(group string, subs map[string]func([]string, io.Writer, io.Writer) int, order []string, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stderr, "usage: zhipai %s <%s> [arguments]\n", group, strings.Join(order, "|"))
		return exitUsage
	}
	run, ok := subs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "zhipai %s: unknown subcommand %q (want %s)\n", group, args[0], strings.Join(order, ", "))
		return exitUsage
	}
	return run(args[1:], stdout, stderr)
}

// oneArg parses a command that takes exactly one argument besides its
// flags; exit is the code to return when ok is false (usage printed).
func oneArg(fs *flag.FlagSet, args []string) (arg string, exit int, ok bool) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", flagErr(err), false
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", exitUsage, false
	}
	return pos[0], exitOK, true
}

func flagErr(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// usageError marks an error the user can fix on the command line (exit 2);
// other errors exit 1.
type usageError struct{ error }

// fail prints an error and returns its exit code.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "zhipai:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitRefused
}

// photoEnv is what the photo commands share: the spec, the configuration
// and the loaded models.
type photoEnv struct {
	spec *photo.Spec
	cfg  config.Config
	ph   *engine.Engine
}

// openPhotoEnv resolves the spec and the configuration and loads the
// models; Close releases them.
func openPhotoEnv(specName string) (*photoEnv, error) {
	spec, err := photo.LookupSpec(specName)
	if err != nil {
		return nil, usageError{err}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, usageError{err}
	}
	ph, err := engine.Open(engine.Config{LibraryPath: cfg.ONNXRuntimeLib, TessdataDir: cfg.TessdataDir, Slots: cfg.PhotoWorkers})
	if err != nil {
		return nil, err
	}
	return &photoEnv{spec: spec, cfg: cfg, ph: ph}, nil
}

func (e *photoEnv) Close() error { return e.ph.Close() }
