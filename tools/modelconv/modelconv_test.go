package main

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestHalfToFloat(t *testing.T) {
	t.Parallel()
	cases := map[uint16]float32{0x3C00: 1, 0xC000: -2, 0x3555: 0.33325195, 0x0001: 5.9604645e-8, 0x7BFF: 65504, 0x0000: 0}
	for h, want := range cases {
		if got := halfToFloat(h); math.Abs(float64(got-want)) > 1e-9*math.Abs(float64(want))+1e-12 {
			t.Errorf("%#04x: %g, want %g", h, got, want)
		}
	}
	if !math.IsInf(float64(halfToFloat(0x7C00)), 1) {
		t.Error("0x7c00 is not +Inf")
	}
}

func TestSamePadsMatchTensorFlow(t *testing.T) {
	t.Parallel()
	// TensorFlow: out = ceil(in/stride), odd padding at the end.
	for _, c := range []struct{ in, k, s, b, e, out int64 }{
		{192, 3, 2, 0, 1, 96}, {192, 3, 1, 1, 1, 192}, {7, 5, 1, 2, 2, 7}, {8, 2, 2, 0, 0, 4}, {5, 3, 2, 1, 1, 3},
	} {
		b, e, out := samePads(c.in, c.k, c.s, 1)
		if b != c.b || e != c.e || out != c.out {
			t.Errorf("in %d k %d s %d: %d/%d/%d, want %d/%d/%d", c.in, c.k, c.s, b, e, out, c.b, c.e, c.out)
		}
	}
}

func TestModelEncodesAsProtobuf(t *testing.T) {
	t.Parallel()
	m := &modelProto{producer: "test", graph: &graphProto{
		name:    "g",
		nodes:   []*nodeProto{{name: "n", op: "Relu", inputs: []string{"x"}, outputs: []string{"y"}, attrs: []attribute{intsAttr("k", 1, 2)}}},
		inputs:  []valueInfo{{name: "x", dims: []int64{1, 3}}},
		outputs: []valueInfo{{name: "y", dims: []int64{1, 3}}},
	}}
	b := m.marshal()
	fields := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatal("bad tag")
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			t.Fatal("bad value")
		}
		b = b[n:]
		fields[num]++
	}
	// ir_version, producer, graph, opset_import.
	for _, f := range []protowire.Number{1, 2, 7, 8} {
		if fields[f] != 1 {
			t.Errorf("field %d appears %d times", f, fields[f])
		}
	}
}

// With the pinned packages in the cache (`make models` fetches them), the
// conversion reproduces the committed models byte for byte.
func TestConversionReproducesCommittedModels(t *testing.T) {
	cache := "../../.cache/npm"
	for _, p := range []npmPackage{humanModels, faceAPI, keijiroBlazeFace, mediapipeFaceMesh} {
		if _, err := os.Stat(filepath.Join(cache, p.tarball())); err != nil {
			t.Skipf("%s not in %s: run `make models` to fetch it", p.tarball(), cache)
		}
	}
	out := t.TempDir()
	if err := run(cache, out); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile("../../models/MODELS.md")
	rows := regexp.MustCompile(`(?m)^\| (\S+) \|.*\| ([0-9a-f]{64}) \|$`).FindAllStringSubmatch(string(md), -1)
	if len(rows) == 0 {
		t.Fatal("no rows in MODELS.md")
	}
	for _, r := range rows {
		b, err := os.ReadFile(filepath.Join(out, r[1]))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != r[2] {
			t.Errorf("%s: converted %s, committed %s", r[1], got, r[2])
		}
	}
}
