package photo

import (
	"math"

	"zhipai/internal/raster"
)

// The guided filter and the small helpers of the matte: colour space
// conversion and smooth ramps.

// guidedCoefficients runs He, Sun and Tang's guided filter of the coarse
// mask by the photo's luma at half resolution (the "fast guided filter"):
// locally mask ~ a*luma + b, and a, b are smooth enough to be sampled
// bilinearly at full resolution.
func guidedCoefficients(img *raster.Image, coarse *raster.Plane, r int, eps float32) (*raster.Plane, *raster.Plane) {
	// Quarter resolution: average 2x2 blocks of the half-resolution mask
	// and 4x4 blocks of the photo's luma.
	qw, qh := (coarse.W+1)/2, (coarse.H+1)/2
	luma, p := raster.NewPlane(qw, qh), raster.NewPlane(qw, qh)
	for y := 0; y < qh; y++ {
		for x := 0; x < qw; x++ {
			var l, m float32
			for dy := 0; dy < 4; dy++ {
				sy := min(4*y+dy, img.H-1)
				row := img.Pix[3*sy*img.W:]
				for dx := 0; dx < 4; dx++ {
					sx := min(4*x+dx, img.W-1)
					px := row[3*sx : 3*sx+3]
					l += 0.299*float32(px[0]) + 0.587*float32(px[1]) + 0.114*float32(px[2])
				}
			}
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					m += coarse.Pix[min(2*y+dy, coarse.H-1)*coarse.W+min(2*x+dx, coarse.W-1)]
				}
			}
			luma.Pix[y*qw+x], p.Pix[y*qw+x] = l/(16*255), m/4
		}
	}
	return guidedFilter(luma, p, max(1, r/4), eps)
}

// guidedFilter is He, Sun and Tang's edge-preserving filter of p by the
// guide i (grey): locally p ~ a*i + b. It returns the window means of a and
// b; the filtered value at a pixel is a*i + b.
func guidedFilter(i, p *raster.Plane, r int, eps float32) (*raster.Plane, *raster.Plane) {
	n := len(i.Pix)
	ip := raster.NewPlane(i.W, i.H)
	ii := raster.NewPlane(i.W, i.H)
	for k := 0; k < n; k++ {
		ip.Pix[k] = i.Pix[k] * p.Pix[k]
		ii.Pix[k] = i.Pix[k] * i.Pix[k]
	}
	mi, mp := raster.BoxMean(i, r), raster.BoxMean(p, r)
	mip, mii := raster.BoxMean(ip, r), raster.BoxMean(ii, r)
	a, b := ip, ii // reuse buffers
	for k := 0; k < n; k++ {
		cov := mip.Pix[k] - mi.Pix[k]*mp.Pix[k]
		v := mii.Pix[k] - mi.Pix[k]*mi.Pix[k]
		a.Pix[k] = cov / (v + eps)
		b.Pix[k] = mp.Pix[k] - a.Pix[k]*mi.Pix[k]
	}
	return raster.BoxMean(a, r), raster.BoxMean(b, r)
}

func smoothstep(x, lo, hi float64) float64 {
	t := (x - lo) / (hi - lo)
	if t <= 0 {
		return 0
	}
	if t >= 1 {
		return 1
	}
	return t * t * (3 - 2*t)
}

func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// srgbLinearLUT maps 8-bit sRGB to linear light.
func srgbLinearLUT() *[256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = float32(srgbToLinear(float64(i) / 255))
	}
	return &t
}

func linearTo8(v float32) uint8 {
	return uint8(math.Round(255 * linearToSRGB(math.Min(1, math.Max(0, float64(v))))))
}
