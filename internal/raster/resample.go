package raster

import "math"

// Kernel is a resampling filter.
type Kernel int

const (
	// Box averages the source area under each output pixel: cheap and
	// alias-free for downscaling, what the detectors' inputs need.
	Box Kernel = iota
	// Triangle is bilinear interpolation widened by the scale factor when
	// shrinking (antialiased bilinear).
	Triangle
	// CatmullRom is the cubic convolution kernel (a = -0.5): sharper edges
	// for the final photo.
	CatmullRom
)

func (k Kernel) support() float64 {
	switch k {
	case Triangle:
		return 1
	case CatmullRom:
		return 2
	}
	return 0.5
}

func (k Kernel) weight(x float64) float64 {
	x = math.Abs(x)
	switch k {
	case Triangle:
		if x < 1 {
			return 1 - x
		}
		return 0
	case CatmullRom:
		switch {
		case x < 1:
			return (1.5*x-2.5)*x*x + 1
		case x < 2:
			return ((-0.5*x+2.5)*x-4)*x + 2
		}
		return 0
	}
	if x < 0.5 {
		return 1
	}
	if x == 0.5 {
		return 0.5
	}
	return 0
}

// taps lists, for each output index along one axis, the first source index
// and the fixed-point weights (sum 1<<fixBits) of the source samples.
type taps struct {
	first   []int
	weights [][]int32
	// idx holds, per output index, the source indexes of its weights,
	// clamped to the source (edges repeat).
	idx    [][]int32
	lo, hi int // source range touched (before clamping)
}

const fixBits = 14

func makeTaps(k Kernel, srcLen int, start, length float64, dstLen int) taps {
	scale := length / float64(dstLen)
	widen := math.Max(scale, 1)
	support := k.support() * widen
	t := taps{first: make([]int, dstLen), weights: make([][]int32, dstLen), idx: make([][]int32, dstLen), lo: math.MaxInt, hi: math.MinInt}
	ws := make([]float64, 0, int(2*support)+3)
	for i := 0; i < dstLen; i++ {
		center := start + (float64(i)+0.5)*scale
		j0 := int(math.Floor(center - support))
		j1 := int(math.Ceil(center + support))
		ws = ws[:0]
		sum := 0.0
		for j := j0; j <= j1; j++ {
			w := k.weight((float64(j) + 0.5 - center) / widen)
			ws = append(ws, w)
			sum += w
		}
		// Trim zero weights at both ends.
		a, b := 0, len(ws)-1
		for a < b && ws[a] == 0 {
			a++
		}
		for b > a && ws[b] == 0 {
			b--
		}
		fixed := make([]int32, b-a+1)
		var total int32
		for n := range fixed {
			fixed[n] = int32(math.Round(ws[a+n] / sum * (1 << fixBits)))
			total += fixed[n]
		}
		fixed[len(fixed)/2] += (1 << fixBits) - total // exact unit gain
		t.first[i] = j0 + a
		t.weights[i] = fixed
		t.idx[i] = make([]int32, len(fixed))
		for n := range fixed {
			t.idx[i][n] = int32(clampInt(j0+a+n, 0, srcLen-1))
		}
		t.lo = min(t.lo, j0+a)
		t.hi = max(t.hi, j0+b)
	}
	return t
}

func clamp8(v int32) uint8 {
	v = (v + (1 << (fixBits - 1))) >> fixBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Resample maps the source rectangle r (which may reach past the edges; the
// edge pixels are repeated) onto a new dw x dh image.
func Resample(src *Image, r Rect, dw, dh int, k Kernel) *Image {
	tx := makeTaps(k, src.W, r.X0, r.W(), dw)
	ty := makeTaps(k, src.H, r.Y0, r.H(), dh)
	rows := ty.hi - ty.lo + 1
	// Horizontal pass over the source rows the vertical pass will read.
	mid := make([]uint8, 3*dw*rows)
	for ry := 0; ry < rows; ry++ {
		sy := clampInt(ty.lo+ry, 0, src.H-1)
		srow := src.Pix[3*sy*src.W : 3*(sy+1)*src.W]
		drow := mid[3*dw*ry : 3*dw*(ry+1)]
		for x := 0; x < dw; x++ {
			var cr, cg, cb int32
			idx := tx.idx[x]
			for n, w := range tx.weights[x] {
				p := srow[3*idx[n]:]
				p = p[:3]
				cr += w * int32(p[0])
				cg += w * int32(p[1])
				cb += w * int32(p[2])
			}
			d := drow[3*x : 3*x+3]
			d[0], d[1], d[2] = clamp8(cr), clamp8(cg), clamp8(cb)
		}
	}
	dst := NewImage(dw, dh)
	stride := 3 * dw
	acc := make([]int32, stride)
	for y := 0; y < dh; y++ {
		clear(acc)
		first := ty.first[y] - ty.lo
		for n, w := range ty.weights[y] {
			row := mid[stride*(first+n) : stride*(first+n+1)]
			for i, v := range row {
				acc[i] += w * int32(v)
			}
		}
		out := dst.Pix[stride*y : stride*(y+1)]
		for i, v := range acc {
			out[i] = clamp8(v)
		}
	}
	return dst
}

// ResamplePlane is Resample for a float plane (no clamping of values).
func ResamplePlane(src *Plane, r Rect, dw, dh int, k Kernel) *Plane {
	tx := makeTaps(k, src.W, r.X0, r.W(), dw)
	ty := makeTaps(k, src.H, r.Y0, r.H(), dh)
	rows := ty.hi - ty.lo + 1
	mid := make([]float32, dw*rows)
	const unit = 1.0 / (1 << fixBits)
	for ry := 0; ry < rows; ry++ {
		sy := clampInt(ty.lo+ry, 0, src.H-1)
		srow := src.Pix[sy*src.W : (sy+1)*src.W]
		for x := 0; x < dw; x++ {
			var acc float32
			idx := tx.idx[x]
			for n, w := range tx.weights[x] {
				acc += float32(w) * srow[idx[n]]
			}
			mid[dw*ry+x] = acc * unit
		}
	}
	dst := NewPlane(dw, dh)
	for y := 0; y < dh; y++ {
		out := dst.Pix[dw*y : dw*(y+1)]
		first := ty.first[y] - ty.lo
		for n, w := range ty.weights[y] {
			fw := float32(w) * unit
			row := mid[dw*(first+n) : dw*(first+n+1)]
			for i, v := range row {
				out[i] += fw * v
			}
		}
	}
	return dst
}
