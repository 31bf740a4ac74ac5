package vision

import (
	"zhipai/internal/raster"
)

const segSize = 256

// Segment runs the person segmentation on a region of the photo (stretched
// to the network's square input, as MediaPipe feeds whole frames) and
// returns the soft person mask over that region, segSize x segSize, values
// in [0,1].
func (e *Engine) Segment(img *raster.Image, region raster.Rect) (*raster.Plane, error) {
	in := raster.Resample(img, region, segSize, segSize, raster.Box)
	tensor := make([]float32, len(in.Pix))
	for i, v := range in.Pix {
		tensor[i] = float32(v) / 255
	}
	out, err := e.segment.run(tensor)
	if err != nil {
		return nil, err
	}
	return &raster.Plane{W: segSize, H: segSize, Pix: out[0]}, nil
}
