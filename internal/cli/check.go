package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
)

// photoCheck runs the compliance checks on a photo and prints the
// findings: what a student would be told right after uploading.
func photoCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai photo check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specName := fs.String("spec", "chsi", "spec name or spec JSON file")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zhipai photo check [--spec NAME|FILE] [--json] IN")
		fmt.Fprintln(stderr, "Exit status: 0 no blocking finding, 1 a blocking finding (the photo cannot be submitted), 2 usage.")
		fs.PrintDefaults()
	}
	arg, exit, ok := oneArg(fs, args)
	if !ok {
		return exit
	}
	data, err := readLimited(arg, photo.DefaultConfig().MaxBytes)
	if err != nil {
		if _, ok := err.(*photo.Error); !ok {
			return fail(stderr, usageError{err})
		}
	}
	env, err2 := openPhotoEnv(*specName)
	if err2 != nil {
		return fail(stderr, err2)
	}
	defer env.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var findings []photo.Finding
	if err != nil {
		findings = env.ph.Checker.Check(nil, env.spec, err)
	} else {
		res, _ := env.ph.Standardize(ctx, data, env.spec)
		findings = res.Report.Findings
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"file": arg, "spec": env.spec.Name, "findings": findings}); err != nil {
			return fail(stderr, err)
		}
	} else {
		fmt.Fprintf(stdout, "%s (spec %s):\n", arg, env.spec.Name)
		if len(findings) == 0 {
			fmt.Fprintln(stdout, "  no findings: the photo meets every check")
		}
		printFindings(stdout, findings)
	}
	for _, f := range findings {
		if f.Severity == domain.SeverityBlock {
			return exitRefused
		}
	}
	return exitOK
}

// printFindings lists findings a line each.
func printFindings(w io.Writer, fs []photo.Finding) {
	labels := map[domain.Severity]string{domain.SeverityBlock: "不可提交", domain.SeverityWarn: "需审核", domain.SeverityInfo: "提示"}
	for _, f := range fs {
		measured := ""
		if f.Threshold != 0 || f.Value != 0 {
			measured = fmt.Sprintf(" (measured %.3g, threshold %.3g)", f.Value, f.Threshold)
		}
		fmt.Fprintf(w, "  [%s] %s %s %s: %s%s\n", labels[f.Severity], f.Reason, f.Reason.Title(), f.Code, f.Message, measured)
	}
}
