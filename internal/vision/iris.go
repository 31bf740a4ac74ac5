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
// eye first). The network knows right eyes only, so the left eye's crop is
// mirrored in and its points mirrored back.
func (e *Engine) Irises(img *raster.Image, m *Mesh) (right, left *Iris, err error) {
	right, err = e.iris1(img, m.At(MeshRightEyeOuter), m.At(MeshRightEyeInner), false)
	if err != nil {
		return nil, nil, err
	}
	left, err = e.iris1(img, m.At(MeshLeftEyeInner), m.At(MeshLeftEyeOuter), true)
	return right, left, err
}

// iris1 crops the eye between two corners (image-left corner first),
// enlarged 2.3 times as MediaPipe's iris ROI is.
func (e *Engine) iris1(img *raster.Image, a, b Point, mirror bool) (*Iris, error) {
	roi := raster.Square{
		CX:    (a.X + b.X) / 2,
		CY:    (a.Y + b.Y) / 2,
		Size:  math.Hypot(b.X-a.X, b.Y-a.Y) * 2.3,
		Angle: math.Atan2(-(b.Y - a.Y), b.X-a.X),
	}
	crop, toSrc := raster.Warp(img, roi, irisSize)
	tensor := make([]float32, len(crop.Pix))
	for y := 0; y < irisSize; y++ {
		for x := 0; x < irisSize; x++ {
			sx := x
			if mirror {
				sx = irisSize - 1 - x
			}
			for c := 0; c < 3; c++ {
				tensor[3*(y*irisSize+x)+c] = float32(crop.Pix[3*(y*irisSize+sx)+c]) / 255
			}
		}
	}
	out, err := e.iris.run(tensor)
	if err != nil {
		return nil, err
	}
	pt := func(i int) Point {
		x, y := float64(out[0][3*i]), float64(out[0][3*i+1])
		if mirror {
			x = irisSize - x
		}
		sx, sy := toSrc.Apply(x, y)
		return Point{sx, sy}
	}
	ir := &Iris{Centre: pt(71)}
	for k := range ir.Edge {
		ir.Edge[k] = pt(72 + k)
	}
	for k := range ir.Contour {
		ir.Contour[k] = pt(k)
	}
	return ir, nil
}
