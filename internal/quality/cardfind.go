package quality

import (
	"math"
	"sort"

	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// findCard looks for the card's four edges: the strongest straight edges
// (a Hough transform of the gradient, each edge pixel voting along its own
// orientation) are paired into two near-parallel pairs about a right
// angle apart; each quadrilateral of the card's proportions is scored by
// how much of its outline lies on edges, and the best wins.
func findCard(img *raster.Image) ([4]vision.Point, float64, bool) {
	e, scale := cardEdges(img)
	lines := houghLines(e)
	// The frame's own borders, for a card that reaches past them: the
	// quadrilateral then has a side on the border, and the card is cut.
	lines = append(lines, cardLine{0, 0, 0}, cardLine{0, float64(e.w - 1), 0}, cardLine{math.Pi / 2, 0, 0}, cardLine{math.Pi / 2, float64(e.h - 1), 0})
	best, bestSupport := bestQuad(lines, e)
	if bestSupport < cardMinSupport {
		return best, bestSupport, false
	}
	for k := range best {
		best[k] = vision.Point{X: best[k].X / scale, Y: best[k].Y / scale}
	}
	return best, bestSupport, true
}

// edgeMap is the gradient of a photo reduced to at most 640 pixels on its
// long side: magnitudes everywhere, directions (radians) only where an
// edge may be (at least edgeSupportShare of thr), and thr, the magnitude
// an edge pixel needs to vote for a line.
type edgeMap struct {
	w, h     int
	mag, ang []float64
	thr      float64
}

// cardEdges reduces the photo, smooths its luma and takes its Sobel
// gradient; it returns the map and its scale (map pixels per photo pixel).
func cardEdges(img *raster.Image) (*edgeMap, float64) {
	long := max(img.W, img.H)
	scale := math.Min(1, 640/float64(long))
	w, h := max(1, int(float64(img.W)*scale)), max(1, int(float64(img.H)*scale))
	small := raster.Resample(img, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, w, h, raster.Box)
	g := raster.NewPlane(w, h)
	for i := range g.Pix {
		p := small.Pix[3*i : 3*i+3]
		g.Pix[i] = (0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])) / 255
	}
	g = raster.BoxMean(raster.BoxMean(g, 1), 1)
	// Gradient magnitudes everywhere; directions only where edgeSupport and
	// the Hough votes look (a strong enough gradient): Atan2 is the cost.
	mag := make([]float64, w*h)
	gxs := make([]float32, w*h)
	gys := make([]float32, w*h)
	maxMag := 0.0
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			at := func(dx, dy int) float64 { return float64(g.Pix[(y+dy)*w+x+dx]) }
			gx := at(1, -1) + 2*at(1, 0) + at(1, 1) - at(-1, -1) - 2*at(-1, 0) - at(-1, 1)
			gy := at(-1, 1) + 2*at(0, 1) + at(1, 1) - at(-1, -1) - 2*at(0, -1) - at(1, -1)
			i := y*w + x
			mag[i] = math.Sqrt(gx*gx + gy*gy)
			gxs[i], gys[i] = float32(gx), float32(gy)
			maxMag = math.Max(maxMag, mag[i])
		}
	}
	thr := math.Max(0.15, percentile(mag, maxMag, 0.9))
	ang := make([]float64, w*h)
	for i, m := range mag {
		if m >= edgeSupportShare*thr {
			ang[i] = math.Atan2(float64(gys[i]), float64(gxs[i]))
		}
	}
	return &edgeMap{w: w, h: h, mag: mag, ang: ang, thr: thr}, scale
}

// cardLine is a straight line in edge-map pixels, x cos(theta) + y
// sin(theta) = rho, with the gradient it collected (0 for the frame's
// borders).
type cardLine struct{ theta, rho, votes float64 }

// houghLines returns the 24 strongest lines: each edge pixel votes, with
// its gradient, for the lines through it within 3 degrees of its own
// orientation (the accumulator has 1-degree angles); after each peak its
// neighbourhood is cleared.
func houghLines(e *edgeMap) []cardLine {
	w, h, mag, ang := e.w, e.h, e.mag, e.ang
	const nTheta = 180
	diag := math.Hypot(float64(w), float64(h))
	nRho := int(2*diag) + 1
	acc := make([]float64, nTheta*nRho)
	cosT, sinT := make([]float64, nTheta), make([]float64, nTheta)
	for t := 0; t < nTheta; t++ {
		cosT[t], sinT[t] = math.Cos(float64(t)*math.Pi/180), math.Sin(float64(t)*math.Pi/180)
	}
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			if mag[i] < e.thr {
				continue
			}
			t0 := int(math.Round(ang[i]*180/math.Pi)) % 180
			if t0 < 0 {
				t0 += 180
			}
			for dt := -3; dt <= 3; dt++ {
				t := (t0 + dt + nTheta) % nTheta
				rho := float64(x)*cosT[t] + float64(y)*sinT[t]
				acc[t*nRho+int(rho+diag)] += mag[i]
			}
		}
	}
	var lines []cardLine
	for len(lines) < 24 {
		best, bi := 0.0, -1
		for i, v := range acc {
			if v > best {
				best, bi = v, i
			}
		}
		if bi < 0 || best <= 0 {
			break
		}
		t, r := bi/nRho, bi%nRho
		lines = append(lines, cardLine{float64(t) * math.Pi / 180, float64(r) - diag, best})
		// Suppress the neighbourhood (angles wrap with a flipped rho).
		for dt := -6; dt <= 6; dt++ {
			tt, flip := t+dt, false
			if tt < 0 {
				tt, flip = tt+nTheta, true
			} else if tt >= nTheta {
				tt, flip = tt-nTheta, true
			}
			rr := r
			if flip {
				rr = int(2*diag) - r
			}
			for dr := -12; dr <= 12; dr++ {
				if k := rr + dr; k >= 0 && k < nRho {
					acc[tt*nRho+k] = 0
				}
			}
		}
	}
	return lines
}

// bestQuad pairs the lines into near-parallel pairs (within 20 degrees),
// crosses every two pairs at least 60 degrees apart into a quadrilateral,
// and returns the plausible card whose outline is best supported by edges
// (weighted by the root of its area), with that support.
func bestQuad(lines []cardLine, e *edgeMap) ([4]vision.Point, float64) {
	type pair struct{ a, b cardLine }
	var pairs []pair
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if angleDiff(lines[i].theta, lines[j].theta) < 20*math.Pi/180 {
				pairs = append(pairs, pair{lines[i], lines[j]})
			}
		}
	}
	var best [4]vision.Point
	bestScore, bestSupport := 0.0, 0.0
	frame := float64(e.w * e.h)
	for i := range pairs {
		for j := i + 1; j < len(pairs); j++ {
			p, q := pairs[i], pairs[j]
			d := angleDiff(p.a.theta, q.a.theta)
			if d < 60*math.Pi/180 {
				continue
			}
			// At most one side on the frame's border (votes 0): more is the
			// frame itself, not a card.
			border := 0
			for _, l := range []cardLine{p.a, p.b, q.a, q.b} {
				if l.votes == 0 {
					border++
				}
			}
			if border > 1 {
				continue
			}
			var corners [4]vision.Point
			ok := true
			for k, ls := range [4][2]cardLine{{p.a, q.a}, {q.a, p.b}, {p.b, q.b}, {q.b, p.a}} {
				if corners[k], ok = intersect(ls[0], ls[1]); !ok {
					break
				}
			}
			if !ok {
				continue
			}
			quad := orderQuad(corners)
			area := quadArea(quad)
			if area < 0.03*frame || !plausibleCard(quad, float64(e.w), float64(e.h)) {
				continue
			}
			support := edgeSupport(quad, e.mag, e.ang, e.w, e.h, e.thr)
			score := support * math.Sqrt(area/frame)
			if score > bestScore {
				best, bestScore, bestSupport = quad, score, support
			}
		}
	}
	return best, bestSupport
}

// intersect crosses two lines; false when they are parallel.
func intersect(a, b cardLine) (vision.Point, bool) {
	ca, sa, cb, sb := math.Cos(a.theta), math.Sin(a.theta), math.Cos(b.theta), math.Sin(b.theta)
	det := ca*sb - sa*cb
	if math.Abs(det) < 1e-6 {
		return vision.Point{}, false
	}
	return vision.Point{X: (a.rho*sb - b.rho*sa) / det, Y: (ca*b.rho - cb*a.rho) / det}, true
}

// angleDiff is the angle between two line directions, in [0, pi/2].
func angleDiff(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), math.Pi)
	return math.Min(d, math.Pi-d)
}

// orderQuad puts the corners in order around the quadrilateral, starting at
// the top-left end of a long side, so the card reads as landscape.
func orderQuad(c [4]vision.Point) [4]vision.Point {
	var cx, cy float64
	for _, p := range c {
		cx, cy = cx+p.X/4, cy+p.Y/4
	}
	sort.Slice(c[:], func(i, j int) bool {
		return math.Atan2(c[i].Y-cy, c[i].X-cx) < math.Atan2(c[j].Y-cy, c[j].X-cx)
	})
	// Clockwise in image coordinates from the top-left-most corner.
	start := 0
	for i := range c {
		if c[i].X+c[i].Y < c[start].X+c[start].Y {
			start = i
		}
	}
	var o [4]vision.Point
	for i := range o {
		o[i] = c[(start+i)%4]
	}
	// Long side first.
	if dist(o[0], o[1])+dist(o[2], o[3]) < dist(o[1], o[2])+dist(o[3], o[0]) {
		o = [4]vision.Point{o[1], o[2], o[3], o[0]}
	}
	return o
}

func quadArea(q [4]vision.Point) float64 {
	var a float64
	for i := range q {
		j := (i + 1) % 4
		a += q[i].X*q[j].Y - q[j].X*q[i].Y
	}
	return math.Abs(a) / 2
}

// plausibleCard accepts a convex quadrilateral of about the card's
// proportions, seen with some perspective, mostly inside the frame.
func plausibleCard(q [4]vision.Point, w, h float64) bool {
	sign := 0.0
	for i := range q {
		a, b, c := q[i], q[(i+1)%4], q[(i+2)%4]
		cr := (b.X-a.X)*(c.Y-b.Y) - (b.Y-a.Y)*(c.X-b.X)
		if sign == 0 {
			sign = math.Copysign(1, cr)
		} else if math.Copysign(1, cr) != sign {
			return false
		}
	}
	long := (dist(q[0], q[1]) + dist(q[2], q[3])) / 2
	short := (dist(q[1], q[2]) + dist(q[3], q[0])) / 2
	if short <= 0 {
		return false
	}
	if r := long / short; r < 0.8*cardAspect || r > 1.25*cardAspect {
		return false
	}
	for _, ratio := range []float64{dist(q[0], q[1]) / dist(q[2], q[3]), dist(q[1], q[2]) / dist(q[3], q[0])} {
		if ratio < 0.6 || ratio > 1.67 {
			return false
		}
	}
	for _, p := range q {
		if p.X < -0.15*w || p.Y < -0.15*h || p.X > 1.15*w || p.Y > 1.15*h {
			return false
		}
	}
	return true
}

// edgeSupport is the share of points along the outline (away from the
// rounded corners) that lie on an edge running the outline's way.
func edgeSupport(q [4]vision.Point, mag, ang []float64, w, h int, thr float64) float64 {
	var on, n float64
	onBorder := func(p vision.Point) bool {
		return p.X < 2 || p.Y < 2 || p.X > float64(w)-3 || p.Y > float64(h)-3
	}
	for i := range q {
		a, b := q[i], q[(i+1)%4]
		if onBorder(a) && onBorder(b) && (math.Abs(a.X-b.X) < 2 || math.Abs(a.Y-b.Y) < 2) {
			// A side on the frame's border shows no edge; count it half, so
			// a card cut by the frame still wins over a smaller rectangle
			// printed on it.
			on += 0.5 * 39
			n += 39
			continue
		}
		nx, ny := -(b.Y - a.Y), b.X-a.X
		l := math.Hypot(nx, ny)
		nx, ny = nx/l, ny/l
		normal := math.Atan2(ny, nx)
		for k := 1; k < 40; k++ {
			f := 0.1 + 0.8*float64(k)/40
			px, py := a.X+f*(b.X-a.X), a.Y+f*(b.Y-a.Y)
			n++
			for d := -2.0; d <= 2; d++ {
				x, y := int(px+d*nx), int(py+d*ny)
				if x < 1 || y < 1 || x >= w-1 || y >= h-1 {
					continue
				}
				i := y*w + x
				if mag[i] < edgeSupportShare*thr {
					continue
				}
				if da := math.Mod(math.Abs(ang[i]-normal), math.Pi); math.Min(da, math.Pi-da) < 15*math.Pi/180 {
					on++
					break
				}
			}
		}
	}
	return on / n
}

// percentile returns about the p-quantile of values in [0, top] from a
// 4096-bin histogram: exact to top/4096, without sorting a photo's worth
// of gradients.
func percentile(values []float64, top, p float64) float64 {
	const bins = 4096
	if top <= 0 || len(values) == 0 {
		return 0
	}
	var hist [bins]int
	for _, v := range values {
		hist[min(bins-1, int(v/top*bins))]++
	}
	want := int(p * float64(len(values)))
	seen := 0
	for b, n := range hist {
		seen += n
		if seen > want {
			return (float64(b) + 0.5) * top / bins
		}
	}
	return top
}
