package vision

import (
	"math"

	"zhipai/internal/raster"
)

const irisSize = 64

// Iris is the Iris network's reading of one eye, in photo pixels.
type Iris struct {
	// Centre of the pupil and four points on the iris edge.
	Centre Point    `json:"centre"`
	Edge   [4]Point `json:"edge"`
	// Contour holds the 71 eye-contour and brow points.
	Contour [71]Point `json:"-"`
}

// Radius is the mean distance from the centre to the iris edge points.
func (ir *Iris) Radius() float64 {
	var r float64
	for _, p := range ir.Edge {
		r += math.Hypot(p.X-ir.Centre.X, p.Y-ir.Centre.Y)
	}
	return r / 4
}

// Irises runs the Iris network on both eyes of a mesh (the subject's right
// eye first), in one batch. The network knows right eyes only, so the left
// eye's crop is mirrored in and its points mirrored back.
func (e *Engine) Irises(img *raster.Image, m *Mesh) (right, left *Iris, err error) {
	eyes := [2]struct {
		a, b   Point
		mirror bool
	}{
		{m.At(MeshRightEyeOuter), m.At(MeshRightEyeInner), false},
		{m.At(MeshLeftEyeInner), m.At(MeshLeftEyeOuter), true},
	}
	const n = irisSize * irisSize * 3
	tensor := make([]float32, 2*n)
	var toSrc [2]raster.Affine
	for k, eye := range eyes {
		// The eye between its corners (image-left corner first), enlarged
		// 2.3 times as MediaPipe's iris ROI is.
		roi := raster.Square{
			CX:    (eye.a.X + eye.b.X) / 2,
			CY:    (eye.a.Y + eye.b.Y) / 2,
			Size:  math.Hypot(eye.b.X-eye.a.X, eye.b.Y-eye.a.Y) * 2.3,
			Angle: math.Atan2(-(eye.b.Y - eye.a.Y), eye.b.X-eye.a.X),
		}
		var crop *raster.Image
		crop, toSrc[k] = raster.Warp(img, roi, irisSize)
		dst := tensor[k*n : (k+1)*n]
		for y := 0; y < irisSize; y++ {
			for x := 0; x < irisSize; x++ {
				sx := x
				if eye.mirror {
					sx = irisSize - 1 - x
				}
				for c := 0; c < 3; c++ {
					dst[3*(y*irisSize+x)+c] = float32(crop.Pix[3*(y*irisSize+sx)+c]) / 255
				}
			}
		}
	}
	out, err := e.iris.run(tensor)
	if err != nil {
		return nil, nil, err
	}
	var res [2]*Iris
	for k, eye := range eyes {
		pts := out[0][k*228 : (k+1)*228]
		pt := func(i int) Point {
			x, y := float64(pts[3*i]), float64(pts[3*i+1])
			if eye.mirror {
				x = irisSize - x
			}
			sx, sy := toSrc[k].Apply(x, y)
			return Point{sx, sy}
		}
		ir := &Iris{Centre: pt(71)}
		for j := range ir.Edge {
			ir.Edge[j] = pt(72 + j)
		}
		for j := range ir.Contour {
			ir.Contour[j] = pt(j)
		}
		res[k] = ir
	}
	return res[0], res[1], nil
}
