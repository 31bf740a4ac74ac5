package vision

import (
	"errors"
	"math"

	"zhipai/internal/raster"
)

const (
	embedSize = 150
	// EmbeddingDims is the length of a face embedding.
	EmbeddingDims = 128
)

// embedPadding is dlib's face-chip padding: the share of the mean face's
// size added on every side of it in the aligned crop (dlib trains and
// describes its chips with 0.25; on celeba_wild 0.18 and 0.32 each did
// better on one kind of pair and worse on the other).
const embedPadding = 0.25

// Where the aligned crop puts the eyes' centres, the nose tip and the
// mouth's centre: dlib's mean face shape (its face chips are aligned to
// it; the points are the means of its eye landmarks 36-41 and 42-47, the
// nose tip 30 and the middle of the lips 62 and 66, in the unit square of
// the face), padded by embedPadding and scaled to the network's input.
func embedTemplate() [4][2]float64 {
	t := [4][2]float64{{0.224160, 0.215990}, {0.754761, 0.215990}, {0.490127, 0.515625}, {0.490127, 0.808573}}
	k := float64(embedSize) / (1 + 2*embedPadding)
	for i := range t {
		t[i][0] = (t[i][0] + embedPadding) * k
		t[i][1] = (t[i][1] + embedPadding) * k
	}
	return t
}

// Embed is a face's embedding: the face aligned by its eyes, nose and
// mouth (a similarity: no shear) to the network's crop, described and
// normalized to unit length, so that the dot product of two embeddings is
// their cosine similarity. It is computed when asked and never kept: an
// embedding is biometric data.
func (e *Engine) Embed(img *raster.Image, f Face) ([]float32, error) {
	pts := [4]Point{f.Keypoints[KeyRightEye], f.Keypoints[KeyLeftEye], f.Keypoints[KeyNose], f.Keypoints[KeyMouth]}
	toImg, ok := similarity(embedTemplate(), pts)
	if !ok {
		return nil, errors.New("vision: the face's keypoints do not span a face")
	}
	crop := raster.WarpPerspective(img, toImg, embedSize, embedSize)
	tensor := make([]float32, len(crop.Pix))
	for i, v := range crop.Pix {
		tensor[i] = float32(v) // the network takes off the mean colour itself
	}
	out, err := e.embed.run(tensor)
	if err != nil {
		return nil, err
	}
	v := out[0]
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil, errors.New("vision: empty embedding")
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
	return v, nil
}

// Similarity is the cosine similarity of two embeddings (-1 to 1).
func Similarity(a, b []float32) float64 {
	var s float64
	for i := range min(len(a), len(b)) {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// similarity fits, by least squares, the rotation, uniform scale and shift
// taking the template's points to the face's, as a homography.
func similarity(src [4][2]float64, dst [4]Point) (raster.Homography, bool) {
	var ms, md [2]float64
	for i := range src {
		ms[0], ms[1] = ms[0]+src[i][0]/4, ms[1]+src[i][1]/4
		md[0], md[1] = md[0]+dst[i].X/4, md[1]+dst[i].Y/4
	}
	var ss, a, b float64
	for i := range src {
		sx, sy := src[i][0]-ms[0], src[i][1]-ms[1]
		dx, dy := dst[i].X-md[0], dst[i].Y-md[1]
		ss += sx*sx + sy*sy
		a += sx*dx + sy*dy
		b += sx*dy - sy*dx
	}
	if ss == 0 || a == 0 && b == 0 {
		return raster.Homography{}, false
	}
	a, b = a/ss, b/ss
	tx := md[0] - (a*ms[0] - b*ms[1])
	ty := md[1] - (b*ms[0] + a*ms[1])
	return raster.Homography{a, -b, tx, b, a, ty, 0, 0}, true
}
