package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"

	"zhipai/internal/eval"
)

func photoEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai photo eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specName := fs.String("spec", "chsi", "spec the portraits are standardized to")
	sheet := fs.String("sheet", "out/eval-sheet.png", "contact sheet PNG (input, matte, output); empty for none")
	limit := fs.Int("sheet-rows", 64, "photos on the contact sheet")
	verbose := fs.Bool("v", false, "with --checks: list the photos each check got wrong")
	checks := fs.Bool("checks", false, "score the compliance checks instead: precision and recall per labelled check, false alarms on clean portraits, cost")
	only := fs.String("only", "", "only these folders (comma-separated), e.g. sunglasses,celeba_wild")
	measuresOut := fs.String("measures", "", "with --checks: write every photo's measurements and labels as TSV to this file (for choosing thresholds)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zhipai photo eval [--spec NAME] [--sheet FILE.png] DIR")
		fmt.Fprintln(stderr, "       zhipai photo eval --checks [--spec NAME] DIR")
		fmt.Fprintln(stderr, "DIR is laid out as ../shared/data/photos (MANIFEST.tsv and ground truth beside the photos).")
		fs.PrintDefaults()
	}
	arg, exit, ok := oneArg(fs, args)
	if !ok {
		return exit
	}
	items, err := eval.Load(arg)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	if *only != "" {
		keep := map[string]bool{}
		for _, f := range strings.Split(*only, ",") {
			keep[strings.TrimSpace(f)] = true
		}
		items = slices.DeleteFunc(items, func(it eval.Item) bool { return !keep[it.Folder] })
		if len(items) == 0 {
			return fail(stderr, usageError{fmt.Errorf("no photos in the folders %s", *only)})
		}
	}
	env, err := openPhotoEnv(*specName)
	if err != nil {
		return fail(stderr, err)
	}
	defer env.Close()
	spec := env.spec
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newProgress(len(items), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("evaluating"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	opts := eval.Options{Spec: spec, Workers: env.cfg.PhotoWorkers, SheetLimit: *limit, Progress: func(int, int) { bar.Add(1) }}
	if *sheet == "" {
		opts.SheetLimit = 0
	}
	if *checks {
		cr, err := eval.RunChecks(ctx, env.ph.Pipeline, env.ph.Checker, items, opts)
		bar.Finish()
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "zhipai photo eval --checks %s (%d photos, spec %s)\n\n", arg, len(items), spec.Name)
		cr.Print(stdout, *verbose)
		if *measuresOut != "" {
			f, err := os.Create(*measuresOut)
			if err != nil {
				return fail(stderr, err)
			}
			werr := cr.WriteMeasures(f)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return fail(stderr, werr)
			}
			fmt.Fprintf(stdout, "\nmeasurements and labels: %s\n", *measuresOut)
		}
		return exitOK
	}
	res, err := eval.Run(ctx, env.ph.Pipeline, env.ph.Vision, items, opts)
	bar.Finish()
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "zhipai photo eval %s (%d photos, spec %s)\n\n", arg, len(items), spec.Name)
	res.Print(stdout)
	if *sheet != "" {
		if err := res.WriteSheet(*sheet); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "\ncontact sheet: %s\n", *sheet)
		lp := strings.TrimSuffix(*sheet, filepath.Ext(*sheet)) + "-leftover.png"
		if lp, err := res.WriteLeftoverSheet(lp); err != nil {
			return fail(stderr, err)
		} else if lp != "" {
			fmt.Fprintf(stdout, "worst ten by leftover background (red: leftover wall, yellow: bitten person): %s\n", lp)
		}
	}
	return exitOK
}
