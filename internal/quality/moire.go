package quality

import "math"

// A photo of a screen or of a print: moire in the face's fine detail.

// moire looks for a screen or print pattern: strong isolated peaks in the
// spectrum of the face's fine detail. It returns the largest peak's energy
// over the median energy of the high frequencies.
func moire(s *subject) float64 {
	const n = 128
	iod := float64(alignedIOD)
	cx, cy := (s.iris[0].X+s.iris[1].X)/2, (s.iris[0].Y+s.iris[1].Y)/2+0.6*iod
	// A 128x128 window on the face (Hann-windowed luma).
	re := make([]float64, n*n)
	im := make([]float64, n*n)
	x0, y0 := int(cx)-n/2, int(cy)-n/2
	var mean float64
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			mean += float64(s.luma[clampIdx(y0+y)*alignedSize+clampIdx(x0+x)])
		}
	}
	mean /= n * n
	for y := 0; y < n; y++ {
		wy := 0.5 - 0.5*math.Cos(2*math.Pi*float64(y)/(n-1))
		for x := 0; x < n; x++ {
			wx := 0.5 - 0.5*math.Cos(2*math.Pi*float64(x)/(n-1))
			re[y*n+x] = (float64(s.luma[clampIdx(y0+y)*alignedSize+clampIdx(x0+x)]) - mean) * wx * wy
		}
	}
	fft2(re, im, n)
	power := make([]float64, n*n)
	for i := range power {
		power[i] = re[i]*re[i] + im[i]*im[i]
	}
	// A screen or a print adds sharp, isolated peaks to the spectrum of
	// fine detail; a face's spectrum is smooth there. Prominence: a bin's
	// power over the mean of its neighbours (radius 3, itself excluded).
	// JPEG's 8x8 blocks put peaks on multiples of n/8: those bins are left
	// out.
	best := 0.0
	for v := 0; v < n; v++ {
		for u := 0; u < n; u++ {
			fu, fv := u, v
			if fu > n/2 {
				fu -= n
			}
			if fv > n/2 {
				fv -= n
			}
			if math.Hypot(float64(fu), float64(fv)) < n/8 || u%(n/8) == 0 || v%(n/8) == 0 {
				continue
			}
			var sum float64
			var cnt int
			for dv := -3; dv <= 3; dv++ {
				for du := -3; du <= 3; du++ {
					if du == 0 && dv == 0 {
						continue
					}
					sum += power[((v+dv+n)%n)*n+(u+du+n)%n]
					cnt++
				}
			}
			if sum > 0 {
				best = math.Max(best, power[v*n+u]/(sum/float64(cnt)))
			}
		}
	}
	return best
}

// fft2 is an in-place radix-2 2-D FFT of an n x n array (n a power of two).
func fft2(re, im []float64, n int) {
	rowRe, rowIm := make([]float64, n), make([]float64, n)
	for y := 0; y < n; y++ {
		copy(rowRe, re[y*n:(y+1)*n])
		copy(rowIm, im[y*n:(y+1)*n])
		fft(rowRe, rowIm)
		copy(re[y*n:], rowRe)
		copy(im[y*n:], rowIm)
	}
	for x := 0; x < n; x++ {
		for y := 0; y < n; y++ {
			rowRe[y], rowIm[y] = re[y*n+x], im[y*n+x]
		}
		fft(rowRe, rowIm)
		for y := 0; y < n; y++ {
			re[y*n+x], im[y*n+x] = rowRe[y], rowIm[y]
		}
	}
}

func fft(re, im []float64) {
	n := len(re)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		ang := -2 * math.Pi / float64(size)
		wr, wi := math.Cos(ang), math.Sin(ang)
		for start := 0; start < n; start += size {
			cr, ci := 1.0, 0.0
			for k := 0; k < size/2; k++ {
				a, b := start+k, start+k+size/2
				tr := re[b]*cr - im[b]*ci
				ti := re[b]*ci + im[b]*cr
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
				cr, ci = cr*wr-ci*wi, cr*wi+ci*wr
			}
		}
	}
}
