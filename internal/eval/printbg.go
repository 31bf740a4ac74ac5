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

// marginNeed is how far inside a geometric limit an output must sit: 10 px,
// or a tenth of the range when that is narrower.
func marginNeed(r photo.Range) float64 { return math.Min(10, 0.1*(r.Max-r.Min)) }

// outputMargin is the output's smallest slack (px) beyond the margin asked
// for at any geometric limit, as the output check measured it (negative:
// closer to a limit than asked), and the measurements.
func outputMargin(c *OutputCheck, s *photo.Spec) (float64, string) {
	if c == nil || c.FaceWidthPx == 0 || math.IsNaN(c.CrownPx) {
		return math.NaN(), "not measured"
	}
	slack := math.Inf(1)
	var parts []string
	for _, m := range []struct {
		name string
		r    photo.Range
		v    float64
	}{{"crown", s.Crown, c.CrownPx}, {"eye", s.EyeLine, c.EyeLinePx}, {"face", s.FaceWidth, c.FaceWidthPx}} {
		d := math.Min(m.v-m.r.Min, m.r.Max-m.v) - marginNeed(m.r)
		slack = math.Min(slack, d)
		parts = append(parts, fmt.Sprintf("%s %.0f", m.name, m.v))
	}
	return slack, strings.Join(parts, ", ")
}

// printBackground writes the background-replacement and margin figures.
func (r *Result) printBackground(w io.Writer) {
	b := r.Background
	if len(b) > 0 {
		var left, bit, halo, haloShare []float64
		var wn, ln, pn, bn, hn int
		var hs float64
		over2, over05 := 0, 0
		for _, s := range b {
			left = append(left, s.Leftover)
			bit = append(bit, s.Bitten)
			halo = append(halo, s.Halo)
			haloShare = append(haloShare, s.HaloShare)
			wn, ln, pn, bn, hn, hs = wn+s.WallN, ln+s.LeftN, pn+s.PersonN, bn+s.BitN, hn+s.HaloN, hs+s.HaloSum
			if s.Leftover > 0.02 {
				over2++
			}
			if s.Leftover > 0.005 {
				over05++
			}
		}
		fmt.Fprintf(w, "\nBackground replacement on pfcn_portrait (%d produced photos, person masks, %d px edge band excluded; colour within %d of the spec's):\n", len(b), edgeBand, bgTolerance)
		fmt.Fprintf(w, "  leftover background: pooled %.2f%%; per photo %s; above 0.5%%: %d, above 2%%: %d\n", 100*float64(ln)/float64(max(1, wn)), pctStats(left), over05, over2)
		fmt.Fprintf(w, "  bitten person:       pooled %.2f%%; per photo %s\n", 100*float64(bn)/float64(max(1, pn)), pctStats(bit))
		fmt.Fprintf(w, "  halo (%d-%d px outside the person): mean distance from the spec colour %.1f (0-255), pooled; per photo %s; share off colour per photo %s\n",
			haloNear, haloFar, hs/float64(max(1, hn)), stats(halo, 1), pctStats(haloShare))
		idx := make([]int, len(b))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(i, j int) bool { return b[idx[i]].Leftover > b[idx[j]].Leftover })
		fmt.Fprintf(w, "  per photo, most leftover first (leftover %% / bitten %% / halo / wall noise / along the edge / known-background share):\n")
		var line []string
		for n, i := range idx {
			s := b[i]
			line = append(line, fmt.Sprintf("%s %.2f/%.2f/%.0f/%.1f/%.0f/%.2f", strings.TrimSuffix(filepath.Base(s.File), ".jpg"), 100*s.Leftover, 100*s.Bitten, s.Halo, s.WallNoise, s.EdgeNoise, s.KnownShare))
			if len(line) == 4 || n == len(idx)-1 {
				fmt.Fprintf(w, "    %s\n", strings.Join(line, "  "))
				line = line[:0]
			}
		}
		sort.Slice(idx, func(i, j int) bool { return b[idx[i]].Bitten > b[idx[j]].Bitten })
		var worst []string
		for _, i := range idx[:min(5, len(idx))] {
			worst = append(worst, fmt.Sprintf("%s %.2f%%", filepath.Base(b[i].File), 100*b[i].Bitten))
		}
		fmt.Fprintf(w, "  most bitten: %s\n", strings.Join(worst, ", "))
	}
	if len(r.Margins) > 0 {
		ok, measured := 0, 0
		var slacks []float64
		var bad []string
		for i, m := range r.Margins {
			if math.IsNaN(m) {
				continue
			}
			measured++
			slacks = append(slacks, m)
			if m >= 0 {
				ok++
			} else {
				bad = append(bad, fmt.Sprintf("%s (%s)", r.MarginFiles[i], r.MarginDetail[i]))
			}
		}
		fmt.Fprintf(w, "  outputs with margin (at least 10 px, or 10%% of a narrower range, inside every geometric limit, measured by the output check): %d/%d; slack (px) %s\n", ok, measured, stats(slacks, 1))
		for _, s := range bad {
			fmt.Fprintf(w, "    NO MARGIN %s\n", s)
		}
	}
}

func pctStats(v []float64) string {
	p := make([]float64, len(v))
	for i, x := range v {
		p[i] = 100 * x
	}
	return strings.Replace(stats(p, 2), "(n=", "% (n=", 1)
}
