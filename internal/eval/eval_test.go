package eval

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/raster"
)

func TestIJGQualityInvertsLibjpeg(t *testing.T) {
	t.Parallel()
	img := raster.NewImage(64, 64)
	for _, q := range []int{30, 60, 75, 90, 97} {
		data, err := jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: q, DPI: 300})
		if err != nil {
			t.Fatal(err)
		}
		var c OutputCheck
		if err := c.readMarkers(data); err != nil {
			t.Fatal(err)
		}
		if c.Quality < q-1 || c.Quality > q+1 || c.DPI != 300 || c.Components != 3 || len(c.Metadata) != 0 {
			t.Fatalf("quality %d read as %+v", q, c)
		}
	}
}

func TestCheckOutputCatchesViolations(t *testing.T) {
	t.Parallel()
	spec := photo.BuiltinSpecs()["chsi"]
	// Wrong size, wrong density, metadata left in (Go's encoder writes no
	// JFIF header at all), background not the spec's colour.
	img := raster.NewImage(300, 400)
	img.Fill(250, 250, 250)
	var buf bytes.Buffer
	jpeg.Encode(&buf, img.ToNRGBA(), &jpeg.Options{Quality: 50})
	c := CheckOutput(nil, buf.Bytes(), spec)
	if c.Pass() || len(c.Failures) < 4 {
		t.Fatalf("bad output passed or too few failures: %v", c.Failures)
	}
}

func TestLoadReadsManifests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pfcn_portrait"), 0o755)
	os.WriteFile(filepath.Join(dir, "MANIFEST.tsv"), []byte("file\tsource\tgt_file\tnote\n"+
		"lfw_parts/a.jpg\tx\tlfw_parts/a.parts.png\t\n"+
		"face_recognition/two.jpg\tx\t\tidentity; multiple people\n"+
		"dlib_faces/g.jpg\tx\tdlib_faces/g.faces.json\t\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pfcn_portrait", "MANIFEST.tsv"), []byte("file\tlabels\n"+
		"pfcn_portrait/1.jpg\t{\"mask_file\":\"1.mask.png\"}\n"), 0o644)
	items, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 {
		t.Fatalf("%d items", len(items))
	}
	byRel := map[string]Item{}
	for _, it := range items {
		byRel[it.Rel] = it
	}
	if !byRel["lfw_parts/a.jpg"].SingleFace() || byRel["face_recognition/two.jpg"].SingleFace() || byRel["dlib_faces/g.jpg"].SingleFace() {
		t.Fatal("single-face classification wrong")
	}
	if got := byRel["pfcn_portrait/1.jpg"].GT; got != filepath.Join(dir, "pfcn_portrait", "1.mask.png") {
		t.Fatalf("mask path %s", got)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Fatal("a directory without a manifest was accepted")
	}
}
