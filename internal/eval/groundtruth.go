package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"strings"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// The scores against each folder's ground truth: face boxes, landmarks,
// hair and skin parts, person masks.

// boxRecall counts the labelled faces a detected box matches at IoU 0.5
// (each detection matching at most one).
func boxRecall(gtPath string, faces []vision.Face) (hit, total int) {
	b, err := os.ReadFile(gtPath)
	if err != nil {
		return 0, 0
	}
	var gt struct {
		Faces []struct{ Top, Left, Width, Height float64 } `json:"faces"`
	}
	if json.Unmarshal(b, &gt) != nil {
		return 0, 0
	}
	used := make([]bool, len(faces))
	for _, g := range gt.Faces {
		r := raster.Rect{X0: g.Left, Y0: g.Top, X1: g.Left + g.Width, Y1: g.Top + g.Height}
		best, bi := 0.0, -1
		for i, f := range faces {
			if iou := r.IoU(f.Box); !used[i] && iou > best {
				best, bi = iou, i
			}
		}
		total++
		if best >= 0.5 {
			hit++
			used[bi] = true
		}
	}
	return hit, total
}

// ibugToMesh maps the 51 inner iBUG 300-W points (17-67: brows, nose,
// eyes, mouth) to FaceMesh vertices.
var ibugToMesh = [51]int{
	70, 63, 105, 66, 107, 336, 296, 334, 293, 300, // brows
	168, 197, 5, 4, 75, 97, 2, 326, 305, // nose
	33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380, // eyes
	61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, // outer lips
	78, 82, 13, 312, 308, 317, 14, 87, // inner lips
}

// landmarkNME places the mesh on the detected face that best covers the
// labelled points and returns the mean error of the 51 inner points over
// the distance between the outer eye corners.
func landmarkNME(v *vision.Engine, img *raster.Image, scale float64, faces []vision.Face, ptsPath string) float64 {
	pts, err := readPTS(ptsPath)
	if err != nil || len(pts) != 68 || len(faces) == 0 {
		return math.NaN()
	}
	gt := raster.Rect{X0: math.Inf(1), Y0: math.Inf(1), X1: math.Inf(-1), Y1: math.Inf(-1)}
	for _, p := range pts {
		gt.X0, gt.Y0 = min(gt.X0, p.X), min(gt.Y0, p.Y)
		gt.X1, gt.Y1 = max(gt.X1, p.X), max(gt.Y1, p.Y)
	}
	best := faces[0]
	for _, f := range faces {
		if f.Box.IoU(gt) > best.Box.IoU(gt) {
			best = f
		}
	}
	best.Box = best.Box.Scale(scale)
	for k := range best.Keypoints {
		best.Keypoints[k] = vision.Point{X: best.Keypoints[k].X * scale, Y: best.Keypoints[k].Y * scale}
	}
	m, err := v.FaceMesh(img, best)
	if err != nil {
		return math.NaN()
	}
	iod := math.Hypot(pts[45].X-pts[36].X, pts[45].Y-pts[36].Y)
	var sum float64
	for k, mi := range ibugToMesh {
		g := pts[17+k]
		q := m.At(mi)
		sum += math.Hypot(q.X/scale-g.X, q.Y/scale-g.Y)
	}
	return sum / float64(len(ibugToMesh)) / iod
}

func readPTS(path string) ([]vision.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pts []vision.Point
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "{":
			in = true
		case line == "}":
			in = false
		case in:
			var p vision.Point
			if _, err := fmt.Sscan(line, &p.X, &p.Y); err == nil {
				// .pts coordinates are 1-based pixel centres.
				pts = append(pts, vision.Point{X: p.X - 0.5, Y: p.Y - 0.5})
			}
		}
	}
	return pts, sc.Err()
}

// partsScore counts, against the LFW part labels, hair and skin pixels the
// matte keeps and background pixels above the chin it wrongly keeps:
// {hair hit, hair total, skin hit, skin total, bg false positives, bg
// total}, and the image's hair+skin recall.
func partsScore(gtPath string, an *photo.Analysis) ([6]int, float64) {
	var s [6]int
	gt, err := readPNG(gtPath)
	if err != nil {
		return s, math.NaN()
	}
	a := an.Alpha
	if gt.W != a.W || gt.H != a.H {
		return s, math.NaN()
	}
	chin := an.Mesh.At(vision.MeshChin).Y * an.Scale
	for y := 0; y < gt.H; y++ {
		for x := 0; x < gt.W; x++ {
			r, g, b := gt.At(x, y)
			keep := a.Pix[y*a.W+x] >= 0.5
			switch {
			case r > 128 && g < 128 && b < 128: // hair
				s[1]++
				if keep {
					s[0]++
				}
			case g > 128 && r < 128 && b < 128: // skin
				s[3]++
				if keep {
					s[2]++
				}
			case b > 128 && r < 128 && g < 128 && float64(y) < chin:
				s[5]++
				if keep {
					s[4]++
				}
			}
		}
	}
	if s[1]+s[3] == 0 {
		return s, math.NaN()
	}
	return s, float64(s[0]+s[2]) / float64(s[1]+s[3])
}

// maskScore compares the matte with a person mask inside the segmented
// region: IoU, and pixel accuracy within 6 px of the true edge.
func maskScore(gtPath string, an *photo.Analysis) (float64, float64) {
	gt, err := readPNG(gtPath)
	if err != nil || gt.W != an.Alpha.W || gt.H != an.Alpha.H {
		return math.NaN(), math.NaN()
	}
	person := raster.NewPlane(gt.W, gt.H)
	for i := range person.Pix {
		if gt.Pix[3*i] > 127 {
			person.Pix[i] = 1
		}
	}
	const band = 6
	near := raster.BoxMean(person, band)
	reg := an.Region.Scale(an.Scale)
	var inter, union, edgeOK, edgeN int
	for y := 0; y < gt.H; y++ {
		for x := 0; x < gt.W; x++ {
			if float64(x) < reg.X0 || float64(x) >= reg.X1 || float64(y) < reg.Y0 || float64(y) >= reg.Y1 {
				continue
			}
			i := y*gt.W + x
			g := person.Pix[i] == 1
			m := an.Alpha.Pix[i] >= 0.5
			if g && m {
				inter++
			}
			if g || m {
				union++
			}
			if n := near.Pix[i]; n > 0 && n < 1 {
				edgeN++
				if g == m {
					edgeOK++
				}
			}
		}
	}
	if union == 0 {
		return math.NaN(), math.NaN()
	}
	acc := math.NaN()
	if edgeN > 0 {
		acc = float64(edgeOK) / float64(edgeN)
	}
	return float64(inter) / float64(union), acc
}

func readPNG(path string) (*raster.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		return nil, err
	}
	return raster.FromImage(m), nil
}
