package raster

import "testing"

func BenchmarkResampleShrink(b *testing.B) {
	src := NewImage(2016, 1512)
	for i := range src.Pix {
		src.Pix[i] = uint8(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Resample(src, Rect{X1: 2016, Y1: 1512}, 256, 192, Box)
	}
}

func BenchmarkResampleCrop(b *testing.B) {
	src := NewImage(2016, 1512)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Resample(src, Rect{X0: 500, Y0: 200, X1: 1400, Y1: 1400}, 480, 640, CatmullRom)
	}
}
