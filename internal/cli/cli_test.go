package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zhipai/internal/photo"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestParseArgsInterleaved(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o := fs.String("o", "", "")
	spec := fs.String("spec", "", "")
	pos, err := parseArgs(fs, []string{"--spec", "chsi", "in.jpg", "-o", "out.jpg", "--", "-odd"})
	if err != nil || *o != "out.jpg" || *spec != "chsi" || len(pos) != 2 || pos[0] != "in.jpg" || pos[1] != "-odd" {
		t.Fatalf("parsed %v %q %q %v", pos, *o, *spec, err)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"nonsense"}, {"photo"}, {"photo", "nonsense"}, {"photo", "standardize"},
		{"photo", "standardize", "--spec", "nope", "x.jpg", "-o", "y.jpg"}, {"photo", "standardize", "/no/such/file.jpg", "-o", "y.jpg"}} {
		if code, _, _ := run(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestSpecsLists(t *testing.T) {
	t.Parallel()
	code, out, _ := run("photo", "specs")
	if code != 0 || !strings.Contains(out, "chsi") || !strings.Contains(out, "学信网") || !strings.Contains(out, "480x640") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = run("photo", "specs", "--json")
	var specs []photo.Spec
	if code != 0 || json.Unmarshal([]byte(out), &specs) != nil || len(specs) != len(photo.SpecNames()) {
		t.Fatalf("json: exit %d, %d specs", code, len(specs))
	}
}

func TestStandardizeFileAndDirectory(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jpg")
	report := filepath.Join(dir, "out.json")
	code, stdout, stderr := run("photo", "standardize", "--spec", "chsi", "../../testdata/astronaut.png", "-o", out, "--report", report)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "480x640") {
		t.Fatalf("stdout %q", stdout)
	}
	var r photo.Report
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &r); err != nil || r.Output == nil || r.Output.Bytes == 0 {
		t.Fatalf("report: %v %+v", err, r.Output)
	}
	if st, err := os.Stat(out); err != nil || st.Size() != int64(r.Output.Bytes) {
		t.Fatalf("output file: %v", err)
	}

	// A refused photo: exit 1, the reason on stderr and in the report.
	code, _, stderr = run("photo", "standardize", "../../testdata/hopper.jpg", "-o", filepath.Join(dir, "h.jpg"), "--report", filepath.Join(dir, "h.json"))
	if code != exitRefused || !strings.Contains(stderr, photo.CodeHeadCut) {
		t.Fatalf("hopper: exit %d, %s", code, stderr)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "h.json"))
	if !strings.Contains(string(b), photo.CodeHeadCut) {
		t.Fatalf("refusal not in the report: %s", b)
	}

	// A directory: every photo processed, exit 1 because one is refused.
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	for _, f := range []string{"astronaut.png", "astronaut.webp", "hopper.jpg"} {
		b, _ := os.ReadFile("../../testdata/" + f)
		os.WriteFile(filepath.Join(in, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("not a photo"), 0o644)
	outDir := filepath.Join(dir, "outdir")
	code, stdout, stderr = run("photo", "standardize", in, "-o", outDir)
	if code != exitRefused {
		t.Fatalf("directory: exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "3 photos: 2 standardized") || !strings.Contains(stderr, "hopper.jpg") {
		t.Fatalf("directory summary: %s / %s", stdout, stderr)
	}
	for _, f := range []string{"astronaut.jpg", "astronaut.json", "hopper.json"} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
			t.Errorf("%s missing", f)
		}
	}
}
