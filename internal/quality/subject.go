package quality

import (
	"math"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// The aligned face crop the checks measure on: eyes level, a fixed
// distance between the pupils, the whole head and the neck inside.
const (
	alignedIOD  = 48             // pixels between the pupils
	alignedSize = 6 * alignedIOD // the crop is 6 pupil distances wide
	eyeLineAt   = 0.45           // the eye line's height in the crop
)

// subject is the student's face prepared once for every check.
type subject struct {
	res        *photo.Result
	img        *raster.Image // aligned crop, alignedSize square
	mask       *raster.Plane // person mask over the crop (0 outside the segmented region)
	pts        [468]vision.Point
	iris       [2]vision.Point // pupil centres (subject's right, left)
	irisRadius float64         // mean iris radius, crop px
	toInput    raster.Affine   // crop px -> input px
	iodInput   float64         // pupil distance in input px
	scale      float64         // work px per input px
	luma       []float32       // crop luma, 0-1
	skin       skinModel
}

// newSubject builds the aligned crop; nil when the photo has no measured
// face.
func newSubject(res *photo.Result) *subject {
	if res == nil || res.Work == nil || res.Mesh == nil || res.Irises[0] == nil || res.Irises[1] == nil {
		return nil
	}
	re, le := res.Irises[0].Centre, res.Irises[1].Centre
	iod := math.Hypot(le.X-re.X, le.Y-re.Y)
	if iod < 4 {
		return nil
	}
	angle := math.Atan2(-(le.Y - re.Y), le.X-re.X)
	size := float64(alignedSize) / alignedIOD * iod // input px
	down := (0.5 - eyeLineAt) * size
	cx := (re.X+le.X)/2 + down*math.Sin(angle)
	cy := (re.Y+le.Y)/2 + down*math.Cos(angle)
	s := res.Scale
	img, toWork := raster.Warp(res.Work, raster.Square{CX: cx * s, CY: cy * s, Size: size * s, Angle: angle}, alignedSize)
	toInput := toWork
	toInput.A, toInput.B, toInput.C = toWork.A/s, toWork.B/s, toWork.C/s
	toInput.D, toInput.E, toInput.F = toWork.D/s, toWork.E/s, toWork.F/s
	toCrop := toInput.Invert()
	sub := &subject{res: res, img: img, toInput: toInput, iodInput: iod, scale: s}
	for i, p := range res.Mesh.Points {
		x, y := toCrop.Apply(p.X, p.Y)
		sub.pts[i] = vision.Point{X: x, Y: y}
	}
	for k, ir := range res.Irises {
		x, y := toCrop.Apply(ir.Centre.X, ir.Centre.Y)
		sub.iris[k] = vision.Point{X: x, Y: y}
		sub.irisRadius += ir.Radius() / iod * alignedIOD / 2
	}
	sub.luma = make([]float32, alignedSize*alignedSize)
	for i := range sub.luma {
		p := img.Pix[3*i : 3*i+3]
		sub.luma[i] = (0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])) / 255
	}
	sub.mask = raster.NewPlane(alignedSize, alignedSize)
	if res.Mask != nil {
		reg := res.MaskRegion
		for y := 0; y < alignedSize; y++ {
			for x := 0; x < alignedSize; x++ {
				ix, iy := toInput.Apply(float64(x)+0.5, float64(y)+0.5)
				if ix < reg.X0 || ix >= reg.X1 || iy < reg.Y0 || iy >= reg.Y1 {
					continue
				}
				sub.mask.Pix[y*alignedSize+x] = res.Mask.Bilinear((ix-reg.X0)/reg.W()*float64(res.Mask.W), (iy-reg.Y0)/reg.H()*float64(res.Mask.H))
			}
		}
	}
	sub.skin = fitSkin(sub)
	return sub
}

// at returns the crop pixel (clamped) as 0-255 values.
func (s *subject) at(x, y int) (r, g, b float64) {
	rr, gg, bb := s.img.At(x, y)
	return float64(rr), float64(gg), float64(bb)
}

// pt is a mesh point in crop coordinates.
func (s *subject) pt(i int) vision.Point { return s.pts[i] }

// polygon returns the crop pixels inside the polygon through mesh points.
func (s *subject) polygon(idx []int) []int {
	poly := make([]vision.Point, len(idx))
	for k, i := range idx {
		poly[k] = s.pts[i]
	}
	return fillPolygon(poly, alignedSize, alignedSize)
}

// rect returns the crop pixels of an axis-aligned box, clipped.
func (s *subject) rect(x0, y0, x1, y1 float64) []int {
	var out []int
	for y := max(0, int(math.Floor(y0))); y < min(alignedSize, int(math.Ceil(y1))); y++ {
		for x := max(0, int(math.Floor(x0))); x < min(alignedSize, int(math.Ceil(x1))); x++ {
			out = append(out, y*alignedSize+x)
		}
	}
	return out
}

// fillPolygon lists the pixel indexes whose centres lie inside the polygon
// (even-odd rule, scanline by scanline).
func fillPolygon(poly []vision.Point, w, h int) []int {
	if len(poly) < 3 {
		return nil
	}
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, p := range poly {
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	var out []int
	xs := make([]float64, 0, 8)
	for y := max(0, int(math.Floor(minY))); y <= min(h-1, int(math.Ceil(maxY))); y++ {
		cy := float64(y) + 0.5
		xs = xs[:0]
		for i := range poly {
			a, b := poly[i], poly[(i+1)%len(poly)]
			if (a.Y <= cy) != (b.Y <= cy) {
				xs = append(xs, a.X+(cy-a.Y)/(b.Y-a.Y)*(b.X-a.X))
			}
		}
		sortFloats(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			for x := max(0, int(math.Ceil(xs[i]-0.5))); x <= min(w-1, int(math.Floor(xs[i+1]-0.5))); x++ {
				out = append(out, y*w+x)
			}
		}
	}
	return out
}

func sortFloats(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// MediaPipe FaceMesh regions (the mesh's own topology).
var (
	faceOval = []int{10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
		152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109}
	lipsOuter = []int{61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185}
	lipsInner = []int{78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191}
	rightEye  = []int{33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246}
	leftEye   = []int{263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466}
	rightBrow = []int{70, 63, 105, 66, 107, 55, 65, 52, 53, 46}
	leftBrow  = []int{300, 293, 334, 296, 336, 285, 295, 282, 283, 276}
)
