package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sync/errgroup"

	"zhipai/internal/engine"
	"zhipai/internal/photo"
)

func runPhoto(args []string, stdout, stderr io.Writer) int {
	subs := map[string]func([]string, io.Writer, io.Writer) int{
		"standardize": photoStandardize,
		"check":       photoCheck,
		"specs":       photoSpecs,
		"eval":        photoEval,
		"bench":       photoBench,
	}
	return subcommand("photo", subs, []string{"standardize", "check", "specs", "eval", "bench"}, args, stdout, stderr)
}

// photoExts are the file types directory mode picks up.
var photoExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".webp": true, ".heic": true, ".gif": true}

func photoStandardize(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai photo standardize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specName := fs.String("spec", "chsi", "spec name (see `zhipai photo specs`) or a spec JSON file")
	out := fs.String("o", "", "output JPEG (a directory when the input is one)")
	report := fs.String("report", "", "write the JSON report here (file mode; directory mode writes NAME.json beside each output)")
	minKB := fs.Int("min-kb", -1, "override the spec's minimum file size (KB)")
	maxKB := fs.Int("max-kb", -1, "override the spec's maximum file size (KB)")
	matte := fs.String("matte", "", "write the person's alpha matte at input resolution here (8-bit grey PNG; file mode)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zhipai photo standardize [--spec NAME|FILE] IN -o OUT.jpg [--report OUT.json] [--matte OUT.png]")
		fmt.Fprintln(stderr, "       zhipai photo standardize [--spec NAME|FILE] DIR -o OUTDIR")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagErr(err)
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return exitUsage
	}
	st, err := os.Stat(pos[0])
	if err != nil {
		return fail(stderr, usageError{err})
	}
	env, err := openPhotoEnv(*specName)
	if err != nil {
		return fail(stderr, err)
	}
	defer env.Close()
	spec := env.spec
	if *minKB >= 0 {
		spec.MinKB = *minKB
	}
	if *maxKB >= 0 {
		spec.MaxKB = *maxKB
	}
	if err := spec.Validate(); err != nil {
		return fail(stderr, usageError{err})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if st.IsDir() {
		return standardizeDir(ctx, env.ph, spec, pos[0], *out, env.cfg.PhotoWorkers, stdout, stderr)
	}
	res, err := standardizeFile(ctx, env.ph, spec, pos[0], *out, *report)
	if *matte != "" && res != nil {
		if werr := writeMatte(*matte, res); werr != nil {
			fmt.Fprintf(stderr, "%s: matte: %v\n", pos[0], werr)
		}
	}
	if err != nil {
		pe := photo.AsError(err)
		fmt.Fprintf(stderr, "%s: refused: %s %s\n", pos[0], pe.Code, pe.Message)
		if pe.Detail != "" {
			fmt.Fprintf(stderr, "  detail: %s\n", firstLine(pe.Detail))
		}
		printFindings(stderr, res.Report.Findings)
		return exitRefused
	}
	o := res.Report.Output
	g := res.Report.Geometry.Out
	fmt.Fprintf(stdout, "%s: %dx%d, %d bytes, quality %d; crown %.0f px, eye line %.0f px, face width %.0f px; %.0f ms\n",
		*out, o.Width, o.Height, o.Bytes, o.Quality, g.CrownPx, g.EyeLinePx, g.FaceWidthPx, res.Report.TimingsMS["total"])
	printFindings(stdout, res.Report.Findings)
	return exitOK
}

// standardizeFile processes one photo and writes the output and, if asked,
// the report (also on refusal: it says why).
func standardizeFile(ctx context.Context, p *engine.Engine, spec *photo.Spec, in, out, report string) (*photo.Result, error) {
	data, err := readLimited(in, photo.DefaultConfig().MaxBytes)
	var res *photo.Result
	if err == nil {
		res, err = p.Standardize(ctx, data, spec)
	} else {
		res = &photo.Result{Report: &photo.Report{Spec: spec.Name}}
		pe := photo.AsError(err)
		res.Report.Error = &photo.ErrorReport{Code: pe.Code, Message: pe.Message}
	}
	if report != "" {
		if werr := writeJSON(report, res.Report); werr != nil {
			return res, werr
		}
	}
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(out, res.JPEG, 0o644); err != nil {
		return res, err
	}
	return res, nil
}

// readLimited reads a file, refusing one over the limit without reading it
// all.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return nil, &photo.Error{Code: photo.CodeTooLarge, Message: photo.Message(photo.CodeTooLarge), Detail: fmt.Sprintf("%d bytes", st.Size())}
	}
	return io.ReadAll(io.LimitReader(f, limit+1))
}

func standardizeDir(ctx context.Context, p *engine.Engine, spec *photo.Spec, dir, outDir string, workers int, stdout, stderr io.Writer) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && photoExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, e.Name())
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fail(stderr, usageError{err})
	}
	bar := newProgress(len(files),
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("standardizing"),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
	)
	type failure struct{ file, code, msg string }
	var (
		mu       sync.Mutex
		failures []failure
		g        errgroup.Group
	)
	g.SetLimit(max(1, workers))
	for _, name := range files {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			base := strings.TrimSuffix(name, filepath.Ext(name))
			_, err := standardizeFile(ctx, p, spec, filepath.Join(dir, name), filepath.Join(outDir, base+".jpg"), filepath.Join(outDir, base+".json"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				pe := photo.AsError(err)
				failures = append(failures, failure{name, pe.Code, pe.Message})
			}
			bar.Add(1)
			return nil
		})
	}
	g.Wait()
	bar.Finish()
	sort.Slice(failures, func(i, j int) bool { return failures[i].file < failures[j].file })
	for _, f := range failures {
		fmt.Fprintf(stderr, "%s: refused: %s %s\n", f.file, f.code, f.msg)
	}
	fmt.Fprintf(stdout, "%d photos: %d standardized into %s, %d refused\n", len(files), len(files)-len(failures), outDir, len(failures))
	if len(failures) > 0 || ctx.Err() != nil {
		return exitRefused
	}
	return exitOK
}

func photoSpecs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai photo specs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the specs as JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	specs := photo.BuiltinSpecs()
	names := photo.SpecNames()
	if *asJSON {
		list := make([]*photo.Spec, 0, len(names))
		for _, n := range names {
			list = append(list, specs[n])
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return exitRefused
		}
		return exitOK
	}
	fmt.Fprintf(stdout, "%-12s %-16s %-9s %-4s %-8s %-9s %-5s %-7s %-7s %s\n", "NAME", "TITLE", "SIZE", "DPI", "COLOUR", "KB", "Q>=", "CROWN", "EYES", "FACE WIDTH")
	for _, n := range names {
		s := specs[n]
		kb := "any"
		if s.MaxKB > 0 || s.MinKB > 0 {
			kb = fmt.Sprintf("%d-%d", s.MinKB, s.MaxKB)
		}
		fmt.Fprintf(stdout, "%-12s %s %-9s %-4d %-8s %-9s %-5d %-7s %-7s %s\n", s.Name, padCJK(s.Title, 16), fmt.Sprintf("%dx%d", s.Width, s.Height),
			s.DPI, s.Background, kb, s.MinQuality, s.Crown, s.EyeLine, s.FaceWidth)
	}
	fmt.Fprintln(stdout, "\nCustom specs: pass a JSON file to --spec (fields as in `zhipai photo specs --json`).")
	return exitOK
}

// padCJK pads a string with CJK characters (two columns each) to width.
func padCJK(s string, width int) string {
	w := 0
	for _, r := range s {
		if r > 0x2e80 {
			w += 2
		} else {
			w++
		}
	}
	if w >= width {
		return s
	}
	return s + strings.Repeat(" ", width-w)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

var errNoData = errors.New("no evaluation data")

// writeMatte writes the alpha matte at input resolution as a grey PNG.
func writeMatte(path string, res *photo.Result) error {
	m := res.InputMatte()
	if m == nil {
		return errors.New("no matte (the photo was refused before the background was replaced)")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, m); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
