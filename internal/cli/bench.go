package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"zhipai/internal/engine"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/procstat"
	"zhipai/internal/raster"
)

// photoBench times the pipeline per stage on one core: a 12-megapixel
// phone JPEG (synthetic, see benchPhotos) and a 512x512 photo; model
// loading and peak memory are measured in a fresh child process.
func photoBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai photo bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 25, "timed runs per photo (after 3 warm-up runs)")
	portrait := fs.String("portrait", "testdata/astronaut.png", "the public-domain portrait the synthetic phone photo is made from")
	cache := fs.String("cache", "out/bench", "where the generated photos are kept")
	specName := fs.String("spec", "chsi", "output spec")
	probe := fs.String("probe", "", "internal: load the models, standardize this file once, print load time and peak RSS as JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	if *probe != "" {
		return benchProbe(*specName, *probe, stdout, stderr)
	}
	// One core: the pipeline single-threaded (ONNX Runtime intra-op 1) and
	// the Go scheduler on one thread.
	runtime.GOMAXPROCS(1)
	env, err := openPhotoEnv(*specName)
	if err != nil {
		return fail(stderr, err)
	}
	defer env.Close()
	spec, ph := env.spec, env.ph
	photos, err := benchPhotos(ph, *portrait, *cache)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "zhipai photo bench: spec %s, %d runs each, GOMAXPROCS=1, ONNX Runtime 1 thread, %s\n\n", spec.Name, *runs, cpuModel())
	for _, p := range photos {
		data, err := os.ReadFile(p.path)
		if err != nil {
			return fail(stderr, err)
		}
		timings := map[string][]float64{}
		for i := 0; i < *runs+3; i++ {
			res, err := ph.Pipeline.Standardize(context.Background(), data, spec)
			if err != nil {
				fmt.Fprintf(stderr, "zhipai: %s: %v\n", p.name, err)
				return exitRefused
			}
			t := time.Now()
			ph.Checker.Check(res, spec, nil)
			checks := float64(time.Since(t).Microseconds()) / 1000
			if i < 3 {
				continue
			}
			for k, v := range res.Report.TimingsMS {
				timings[k] = append(timings[k], v)
			}
			timings["checks"] = append(timings["checks"], checks)
			timings["total+checks"] = append(timings["total+checks"], res.Report.TimingsMS["total"]+checks)
		}
		fmt.Fprintf(stdout, "%s (%s, %d bytes)\n", p.name, p.about, len(data))
		for _, k := range []string{"decode", "detect", "landmarks", "segment", "crop", "matte", "compose", "verify", "encode", "total", "checks", "total+checks"} {
			v := timings[k]
			sort.Float64s(v)
			fmt.Fprintf(stdout, "  %-10s median %7.1f ms   p90 %7.1f ms\n", k, v[len(v)/2], v[len(v)*9/10])
		}
		fmt.Fprintln(stdout)
	}
	// Load time and memory in a fresh process.
	exe, err := os.Executable()
	if err != nil {
		return fail(stderr, err)
	}
	out, err := exec.Command(exe, "photo", "bench", "--spec", spec.Name, "--probe", photos[0].path).Output()
	if err != nil {
		fmt.Fprintln(stderr, "zhipai: probe:", err)
		return exitRefused
	}
	var pr probeResult
	if err := json.Unmarshal(out, &pr); err != nil {
		fmt.Fprintln(stderr, "zhipai: probe:", err)
		return exitRefused
	}
	fmt.Fprintf(stdout, "fresh process: models loaded in %.1f ms; peak RSS %.1f MB after one %s (RSS %.1f MB before it)\n",
		pr.LoadMS, pr.PeakRSSMB, photos[0].name, pr.LoadedRSSMB)
	return exitOK
}

type benchPhoto struct{ name, about, path string }

// benchPhotos returns the benchmark photos, generating them on first use:
//   - a 12 MP (4032x3024) phone JPEG: a white wall with light falloff and
//     noise, the portrait cut out (by the pipeline's own matte) and
//     enlarged so the face is about 700 px wide, sensor noise, quality 92
//     4:2:0, stored on its side with EXIF orientation 6 as phones do;
//   - the portrait itself as a 512x512 JPEG (quality 92).
func benchPhotos(ph *engine.Engine, portrait, dir string) ([]benchPhoto, error) {
	const version = "v2"
	big := filepath.Join(dir, "phone-12mp-"+version+".jpg")
	small := filepath.Join(dir, "portrait-512-"+version+".jpg")
	photos := []benchPhoto{
		{"12 MP phone JPEG", "4032x3024, EXIF orientation 6, synthetic white-wall portrait", big},
		{"512x512 JPEG", "the astronaut portrait", small},
	}
	if fileExists(big) && fileExists(small) {
		return photos, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(portrait)
	if err != nil {
		return nil, fmt.Errorf("bench: %w (run from the source tree or pass --portrait)", err)
	}
	an, err := ph.Pipeline.Analyze(context.Background(), data)
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", portrait, err)
	}
	person := an.Image
	// Upright 3024x4032, face about 700 px wide, head in the upper third.
	const W, H = 3024, 4032
	wall := synth.Wall(W, H, 7)
	rc, lc := an.Mesh.At(33), an.Mesh.At(263)
	faceW := 2.3 * (lc.X - rc.X) // outer eye corners to cheek width, roughly
	scale := 700 / faceW
	pw, ph2 := float64(person.W)*scale, float64(person.H)*scale
	rect := raster.Rect{X0: (W - pw) / 2, Y0: H - ph2, X1: (W + pw) / 2, Y1: H}
	synth.Composite(wall, person, an.Alpha, rect, 4, 11)
	stored := synth.Rotate(wall, 6)
	jpg, err := jpegturbo.Encode(stored, jpegturbo.EncodeOptions{Quality: 95, DPI: 72})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(big, synth.WithEXIFOrientation(jpg, 6), 0o644); err != nil {
		return nil, err
	}
	sm, err := jpegturbo.Encode(person, jpegturbo.EncodeOptions{Quality: 92, DPI: 72})
	if err != nil {
		return nil, err
	}
	return photos, os.WriteFile(small, sm, 0o644)
}

type probeResult struct {
	LoadMS      float64 `json:"load_ms"`
	LoadedRSSMB float64 `json:"loaded_rss_mb"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
}

func benchProbe(specName, file string, stdout, stderr io.Writer) int {
	start := time.Now()
	env, err := openPhotoEnv(specName)
	if err != nil {
		return fail(stderr, err)
	}
	defer env.Close()
	spec, ph := env.spec, env.ph
	load := time.Since(start)
	loaded := procstat.MB("VmRSS")
	data, err := os.ReadFile(file)
	if err != nil {
		return fail(stderr, err)
	}
	if _, err := ph.Pipeline.Standardize(context.Background(), data, spec); err != nil {
		return fail(stderr, err)
	}
	b, _ := json.Marshal(probeResult{LoadMS: float64(load.Microseconds()) / 1000, LoadedRSSMB: loaded, PeakRSSMB: procstat.MB("VmHWM")})
	fmt.Fprintln(stdout, string(b))
	return exitOK
}

// procStatusMB reads a memory figure (kB) from /proc/self/status.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
