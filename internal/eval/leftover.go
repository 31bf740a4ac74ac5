package eval

import (
	"math"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
)

// Background replacement scored against a hand-drawn person mask: every
// pixel of the composed output is mapped back to the input through the
// report's crop box and compared with the mask there. The boundary band is
// left out, since a hand-drawn edge is a few pixels off and hair strands
// are soft.
const (
	// edgeBand is how far (input pixels) from the mask's edge a pixel must
	// lie to be scored as certainly wall or certainly person.
	edgeBand = 10
	// haloNear and haloFar bound the band just outside the person where
	// the halo is measured (input pixels from the mask's edge).
	haloNear, haloFar = 3, 10
	// bgTolerance is the largest channel difference (0-255) at which an
	// output pixel still counts as the spec's background colour. The
	// composed image is scored (before JPEG), so only matting shows.
	bgTolerance = 8
)

// BackgroundScore is one photo's background replacement against its mask.
type BackgroundScore struct {
	File string
	// Leftover is the share of wall pixels (at least edgeBand from the
	// mask's edge) whose output colour is not the spec's.
	Leftover float64
	// Bitten is the share of person pixels (at least edgeBand inside the
	// mask's edge) that came out in the background colour.
	Bitten float64
	// Halo is the mean colour distance (largest channel difference, 0-255)
	// from the spec colour in the band just outside the person, and
	// HaloShare the share of that band off by more than bgTolerance.
	Halo, HaloShare float64
	// Counts, for pooled totals.
	WallN, LeftN, PersonN, BitN, HaloN, HaloOffN int
	HaloSum                                      float64
	// WallNoise, EdgeNoise and KnownShare are the pipeline's own report on
	// the wall.
	WallNoise, EdgeNoise, KnownShare float64
	// marks is the output with leftover pixels red and bitten ones yellow.
	marks *raster.Image
}

// scoreBackground compares a produced photo with the person mask of its
// input (gtPath, at input resolution). ok is false when the mask cannot be
// used.
func scoreBackground(gtPath string, res *photo.Result, bg photo.RGB) (BackgroundScore, bool) {
	var s BackgroundScore
	if res == nil || res.Output == nil || res.Report == nil || res.Report.Geometry == nil {
		return s, false
	}
	gt, err := readPNG(gtPath)
	if err != nil {
		return s, false
	}
	in := res.Report.Input
	if in.Width > 0 && (gt.W != in.Width || gt.H != in.Height) {
		return s, false
	}
	person := raster.NewPlane(gt.W, gt.H)
	wall := raster.NewPlane(gt.W, gt.H)
	for i := range person.Pix {
		if gt.Pix[3*i] > 127 {
			person.Pix[i] = 1
		} else {
			wall.Pix[i] = 1
		}
	}
	deepPerson := raster.Erode(person, edgeBand)
	farWall := raster.Erode(wall, edgeBand)
	haloIn := raster.Erode(wall, haloNear)
	haloOut := raster.Erode(wall, haloFar)
	g := res.Report.Geometry
	out := res.Output
	s.marks = out.Clone()
	for oy := 0; oy < out.H; oy++ {
		y := int(math.Floor(g.Crop.Y0 + (float64(oy)+0.5)/g.Scale))
		if y < 0 || y >= gt.H {
			continue
		}
		for ox := 0; ox < out.W; ox++ {
			x := int(math.Floor(g.Crop.X0 + (float64(ox)+0.5)/g.Scale))
			if x < 0 || x >= gt.W {
				continue
			}
			j := y*gt.W + x
			o := 3 * (oy*out.W + ox)
			d := max(absd(out.Pix[o], bg.R), absd(out.Pix[o+1], bg.G), absd(out.Pix[o+2], bg.B))
			isBg := d <= bgTolerance
			switch {
			case farWall.Pix[j] == 1:
				s.WallN++
				if !isBg {
					s.LeftN++
					s.marks.Pix[o], s.marks.Pix[o+1], s.marks.Pix[o+2] = 255, 0, 0
				}
			case deepPerson.Pix[j] == 1:
				s.PersonN++
				if isBg {
					s.BitN++
					s.marks.Pix[o], s.marks.Pix[o+1], s.marks.Pix[o+2] = 255, 255, 0
				}
			case haloIn.Pix[j] == 1 && haloOut.Pix[j] == 0:
				s.HaloN++
				s.HaloSum += float64(d)
				if !isBg {
					s.HaloOffN++
				}
			}
		}
	}
	if b := res.Report.Background; b != nil {
		s.WallNoise, s.EdgeNoise, s.KnownShare = b.WallNoise, b.EdgeWallNoise, b.KnownBackgroundShare
	}
	if s.WallN == 0 || s.PersonN == 0 {
		return s, false
	}
	s.Leftover = float64(s.LeftN) / float64(s.WallN)
	s.Bitten = float64(s.BitN) / float64(s.PersonN)
	if s.HaloN > 0 {
		s.Halo = s.HaloSum / float64(s.HaloN)
		s.HaloShare = float64(s.HaloOffN) / float64(s.HaloN)
	}
	return s, true
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
