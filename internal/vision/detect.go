package vision

import (
	"math"
	"sort"

	"zhipai/internal/raster"
)

const (
	backSize  = 256
	frontSize = 128
)

// Point is a position in the photo's pixel coordinates.
type Point struct{ X, Y float64 }

// Face is one BlazeFace detection, in the photo's pixel coordinates.
type Face struct {
	Box   raster.Rect `json:"box"`
	Score float32     `json:"score"`
	// Keypoints: the subject's right eye (left in the photo), left eye, nose
	// tip, mouth centre, right ear tragion, left ear tragion.
	Keypoints [6]Point `json:"keypoints"`
}

// Keypoint indexes of Face.Keypoints.
const (
	KeyRightEye = iota
	KeyLeftEye
	KeyNose
	KeyMouth
	KeyRightEar
	KeyLeftEar
)

type anchor struct{ x, y float64 }

// ssdAnchors lays out MediaPipe's SSD anchors (fixed size, aspect ratio 1,
// two anchors per layer and cell; layers of equal stride share a grid).
func ssdAnchors(size int, strides []int) []anchor {
	var out []anchor
	for i := 0; i < len(strides); {
		j, per := i, 0
		for j < len(strides) && strides[j] == strides[i] {
			per += 2
			j++
		}
		grid := (size + strides[i] - 1) / strides[i]
		for y := 0; y < grid; y++ {
			for x := 0; x < grid; x++ {
				for k := 0; k < per; k++ {
					out = append(out, anchor{(float64(x) + 0.5) / float64(grid), (float64(y) + 0.5) / float64(grid)})
				}
			}
		}
		i = j
	}
	return out
}

// DetectFaces finds faces with the rear-camera BlazeFace (faces at a
// distance, the product's case) and, when it finds none, with the
// front-camera model (a face that fills the frame), and last with the
// rear-camera model on the photo framed by a margin of its own edge colours
// (a face cropped so tightly that neither model recognises the framing).
// Faces are sorted by area, largest first.
func (e *Engine) DetectFaces(img *raster.Image) ([]Face, error) {
	faces, err := e.detect(img, e.detBack, backSize, e.backAnchors)
	if err != nil || len(faces) > 0 {
		return faces, err
	}
	faces, err = e.detect(img, e.detFront, frontSize, e.frontAnchors)
	if err != nil || len(faces) > 0 {
		return faces, err
	}
	const margin = 0.5 // of the photo's size, on each side
	mx, my := int(margin*float64(img.W)), int(margin*float64(img.H))
	framed := raster.Resample(img, raster.Rect{X0: float64(-mx), Y0: float64(-my), X1: float64(img.W + mx), Y1: float64(img.H + my)}, img.W+2*mx, img.H+2*my, raster.Box)
	faces, err = e.detect(framed, e.detBack, backSize, e.backAnchors)
	for i := range faces {
		f := &faces[i]
		f.Box = raster.Rect{X0: f.Box.X0 - float64(mx), Y0: f.Box.Y0 - float64(my), X1: f.Box.X1 - float64(mx), Y1: f.Box.Y1 - float64(my)}
		for k := range f.Keypoints {
			f.Keypoints[k].X -= float64(mx)
			f.Keypoints[k].Y -= float64(my)
		}
	}
	return faces, err
}

// DetectDistantFaces is DetectFaces' first pass alone, the rear-camera
// model: for a face known to be a small part of the picture (the portrait
// printed on an identity card), where the fallbacks for a face that fills
// the frame would only cost, two more passes on every card's back.
func (e *Engine) DetectDistantFaces(img *raster.Image) ([]Face, error) {
	return e.detect(img, e.detBack, backSize, e.backAnchors)
}

func (e *Engine) detect(img *raster.Image, s *session, size int, anchors []anchor) ([]Face, error) {
	// Letterbox: fit the photo in the square, centred, padding black.
	side := float64(max(img.W, img.H))
	r := raster.Rect{X0: (float64(img.W) - side) / 2, Y0: (float64(img.H) - side) / 2}
	r.X1, r.Y1 = r.X0+side, r.Y0+side
	k := raster.Box // shrinking: average
	if side < float64(size) {
		k = raster.Triangle // enlarging: interpolate, not blocks
	}
	in := raster.Resample(img, r, size, size, k)
	// Blank the padding (Resample repeats edges; the model was trained on
	// black bars).
	padX := int(math.Round(-r.X0 / side * float64(size)))
	padY := int(math.Round(-r.Y0 / side * float64(size)))
	tensor := make([]float32, 3*size*size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			i := 3 * (y*size + x)
			if x < padX || x >= size-padX || y < padY || y >= size-padY {
				tensor[i], tensor[i+1], tensor[i+2] = -1, -1, -1
				continue
			}
			tensor[i] = float32(in.Pix[i])/127.5 - 1
			tensor[i+1] = float32(in.Pix[i+1])/127.5 - 1
			tensor[i+2] = float32(in.Pix[i+2])/127.5 - 1
		}
	}
	out, err := s.run(tensor)
	if err != nil {
		return nil, err
	}
	scores := append(out[0], out[1]...)
	boxes := append(out[2], out[3]...)
	var cands []Face
	fs := float64(size)
	for i, a := range anchors {
		sc := sigmoid(scores[i])
		if sc < e.cfg.MinFaceScore {
			continue
		}
		b := boxes[16*i : 16*i+16]
		cx := a.x + float64(b[0])/fs
		cy := a.y + float64(b[1])/fs
		w := float64(b[2]) / fs
		h := float64(b[3]) / fs
		toImg := func(u, v float64) Point { return Point{r.X0 + u*side, r.Y0 + v*side} }
		f := Face{Score: sc}
		p0, p1 := toImg(cx-w/2, cy-h/2), toImg(cx+w/2, cy+h/2)
		f.Box = raster.Rect{X0: p0.X, Y0: p0.Y, X1: p1.X, Y1: p1.Y}
		for k := range f.Keypoints {
			f.Keypoints[k] = toImg(a.x+float64(b[4+2*k])/fs, a.y+float64(b[5+2*k])/fs)
		}
		cands = append(cands, f)
	}
	faces := weightedNMS(cands, e.cfg.NMSOverlap)
	sort.SliceStable(faces, func(i, j int) bool { return faces[i].Box.Area() > faces[j].Box.Area() })
	return faces, nil
}

func sigmoid(v float32) float32 {
	v = min(max(v, -100), 100)
	return float32(1 / (1 + math.Exp(-float64(v))))
}

// weightedNMS merges overlapping detections into their score-weighted mean,
// as MediaPipe does: steadier boxes than keeping only the best one.
func weightedNMS(c []Face, overlap float64) []Face {
	sort.Slice(c, func(i, j int) bool { return c[i].Score > c[j].Score })
	used := make([]bool, len(c))
	var out []Face
	for i := range c {
		if used[i] {
			continue
		}
		var sum float64
		var acc Face
		for j := i; j < len(c); j++ {
			if used[j] || c[i].Box.IoU(c[j].Box) < overlap {
				continue
			}
			used[j] = true
			w := float64(c[j].Score)
			sum += w
			acc.Box.X0 += w * c[j].Box.X0
			acc.Box.Y0 += w * c[j].Box.Y0
			acc.Box.X1 += w * c[j].Box.X1
			acc.Box.Y1 += w * c[j].Box.Y1
			for k := range acc.Keypoints {
				acc.Keypoints[k].X += w * c[j].Keypoints[k].X
				acc.Keypoints[k].Y += w * c[j].Keypoints[k].Y
			}
		}
		acc.Box = acc.Box.Scale(1 / sum)
		for k := range acc.Keypoints {
			acc.Keypoints[k].X /= sum
			acc.Keypoints[k].Y /= sum
		}
		acc.Score = c[i].Score
		out = append(out, acc)
	}
	return out
}
