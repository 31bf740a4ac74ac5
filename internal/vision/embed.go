package vision

import (
	"errors"
	"math"

	"zhipai/internal/raster"
)

const (
	embedSize = 224
	// EmbeddingDims is the length of a face embedding.
	EmbeddingDims = 1024
)

// embedZoom widens the aligned crop around the face's centre (1: the
// tight 112x112 face-recognition template scaled up). 1.2 matched best on
// 400 CelebA photos (true match rate at a 1% false match rate: 0.80 at
// 0.85, 0.85 at 1.0, 0.86 at 1.2, 0.74 at 1.5).
const embedZoom = 1.2

// Where the aligned crop puts the eyes, the nose tip and the mouth centre:
// the usual template of 112x112 face-recognition crops (the eye line at 46%
// of the height), scaled to the network's input and widened by embedZoom.
func embedTemplate() [4][2]float64 {
	t := [4][2]float64{{38.29, 51.70}, {73.53, 51.50}, {56.03, 71.74}, {56.14, 92.28}}
	k := float64(embedSize) / 112
	for i := range t {
		t[i][0] = (56 + (t[i][0]-56)/embedZoom) * k
		t[i][1] = (56 + (t[i][1]-56)/embedZoom) * k
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
		tensor[i] = float32(v) // FaceRes takes pixel values as they are
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
