package raster

import (
	"errors"
	"math"
)

// Homography maps (x, y) to ((a x + b y + c) / (g x + h y + 1),
// (d x + e y + f) / (g x + h y + 1)): a perspective view of a plane.
type Homography [8]float64

// Apply maps a point.
func (h Homography) Apply(x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + 1
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

// HomographyFrom returns the homography taking src[i] to dst[i].
func HomographyFrom(src, dst [4][2]float64) (Homography, error) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	// Gaussian elimination with partial pivoting.
	for col := 0; col < 8; col++ {
		p := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		if math.Abs(a[p][col]) < 1e-12 {
			return Homography{}, errors.New("raster: degenerate quadrilateral")
		}
		a[col], a[p] = a[p], a[col]
		for r := 0; r < 8; r++ {
			if r == col {
				continue
			}
			f := a[r][col] / a[col][col]
			for c := col; c < 9; c++ {
				a[r][c] -= f * a[col][c]
			}
		}
	}
	var h Homography
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	return h, nil
}

// WarpPerspective fills a w x h image: each pixel shows the source point
// toSrc maps it to (bilinear; outside the source, edge pixels repeat).
func WarpPerspective(src *Image, toSrc Homography, w, h int) *Image {
	dst := NewImage(w, h)
	for y := 0; y < h; y++ {
		row := dst.Pix[3*y*w : 3*(y+1)*w]
		for x := 0; x < w; x++ {
			sx, sy := toSrc.Apply(float64(x)+0.5, float64(y)+0.5)
			sampleBilinear(src, sx, sy, row[3*x:3*x+3])
		}
	}
	return dst
}
