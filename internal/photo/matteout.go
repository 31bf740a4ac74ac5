package photo

import "image"

// InputMatte returns the person's alpha at the input photo's resolution
// (after EXIF orientation), for comparing mattes with other tools: the
// refined matte inside the crop, the network's mask elsewhere in the
// segmented region, and 0 beyond. Nil when the photo got no matte.
func (r *Result) InputMatte() *image.Gray {
	rep := r.Report
	if r.Alpha == nil || rep == nil || rep.Geometry == nil || rep.Input.Width <= 0 || rep.Input.Height <= 0 {
		return nil
	}
	w, h := rep.Input.Width, rep.Input.Height
	g := rep.Geometry
	crop, s := g.Crop, g.Scale
	m := image.NewGray(image.Rect(0, 0, w, h))
	reg := r.MaskRegion
	for y := 0; y < h; y++ {
		fy := float64(y) + 0.5
		for x := 0; x < w; x++ {
			fx := float64(x) + 0.5
			var a float32
			switch {
			case fx >= crop.X0 && fx < crop.X1 && fy >= crop.Y0 && fy < crop.Y1:
				a = r.Alpha.Bilinear((fx-crop.X0)*s, (fy-crop.Y0)*s)
			case r.Mask != nil && fx >= reg.X0 && fx < reg.X1 && fy >= reg.Y0 && fy < reg.Y1:
				a = r.Mask.Bilinear((fx-reg.X0)/reg.W()*float64(r.Mask.W), (fy-reg.Y0)/reg.H()*float64(r.Mask.H))
			}
			m.Pix[y*m.Stride+x] = uint8(255*clamp01(a) + 0.5)
		}
	}
	return m
}
