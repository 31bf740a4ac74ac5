package photo_test

import (
	"context"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// A photo refused while the face and the person were being analysed still
// carries that analysis, for the compliance checks; its report stays as
// the refusal left it.
func TestRefusedPhotoKeepsItsAnalysis(t *testing.T) {
	p := testPipeline(t)
	s := spec(t, "chsi")
	an, err := p.Analyze(context.Background(), fixture(t, "astronaut.png"))
	if err != nil {
		t.Fatal(err)
	}
	enc := func(img *raster.Image) []byte {
		b, err := jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pair := raster.NewImage(1024, 512)
	for y := 0; y < 512; y++ {
		for x := 0; x < 1024; x++ {
			r, g, b := an.Image.At(x%512, y)
			pair.Set(x, y, r, g, b)
		}
	}
	cases := []struct {
		name     string
		data     []byte
		code     string
		analysed bool
		faces    int
	}{
		{"thumbnail", enc(raster.Resample(an.Image, raster.Rect{X1: 512, Y1: 512}, 100, 100, raster.Box)), photo.CodeTooSmall, true, 1},
		{"two people", enc(pair), photo.CodeManyFaces, true, 2},
		{"hat touching the top edge", fixture(t, "hopper.jpg"), photo.CodeHeadCut, true, 1},
		{"blank wall", enc(synth.Wall(800, 600, 3)), photo.CodeNoFace, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := p.Standardize(context.Background(), c.data, s)
			if pe := photo.AsError(err); pe == nil || pe.Code != c.code {
				t.Fatalf("error %v, want %s", err, c.code)
			}
			if len(res.Faces) != c.faces {
				t.Fatalf("%d faces, want %d", len(res.Faces), c.faces)
			}
			_, salvaged := res.Report.TimingsMS["salvage"]
			if !c.analysed {
				if res.Mesh != nil || res.Mask != nil || salvaged {
					t.Fatalf("analysis of a photo without a face: mesh %v, mask %v, salvage timed %v", res.Mesh != nil, res.Mask != nil, salvaged)
				}
				return
			}
			if res.Mesh == nil || res.Irises[0] == nil || res.Irises[1] == nil || res.Pose == nil || res.Mask == nil || !salvaged {
				t.Fatalf("analysis incomplete: mesh %v, irises %v, pose %v, mask %v, salvage timed %v",
					res.Mesh != nil, res.Irises, res.Pose, res.Mask != nil, salvaged)
			}
			// In input pixels, on the photo.
			in := res.Report.Input
			if b := res.Mesh.Bounds(); b.X1 < 0 || b.Y1 < 0 || b.X0 > float64(in.Width) || b.Y0 > float64(in.Height) {
				t.Fatalf("mesh %v outside the %dx%d photo", b, in.Width, in.Height)
			}
			if r := res.MaskRegion; r.W() < float64(in.Width)-1 || r.H() < float64(in.Height)-1 {
				t.Fatalf("mask over %v, want the whole %dx%d photo", r, in.Width, in.Height)
			}
			if c.code == photo.CodeTooSmall && (res.Report.Pose != nil || res.Report.Landmarks != nil || len(res.Report.Faces) != 0) {
				t.Fatalf("the report gained what the steps did not measure: %+v", res.Report)
			}
		})
	}
}
