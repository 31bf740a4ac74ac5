package photo

import "math"

// composeStep puts the person on the spec's background. With the wall's
// colour B known behind every edge pixel, the photo's pixel is
// I = aF + (1-a)B, so the same person on the new colour N is
// aF + (1-a)N = I + (1-a)(N - B): the old wall's tint is taken out of every
// hair strand instead of being blended along (no white or grey halo). The
// arithmetic is in linear light, where light actually mixes.
func (p *Pipeline) composeStep(st *state) error {
	compose(st)
	// Know when the matte cannot be trusted: on a busy wall, or one too
	// close in colour to the hair and clothes, the edge cannot be matted
	// against the wall, and the output would carry the old background.
	if conf := st.bgLocal.knownShare; conf < p.cfg.MinMatteConfidence {
		return fail(CodeBackground, nil, "matte confidence %.2f below %.2f (wall noise %.1f)", conf, p.cfg.MinMatteConfidence, st.bgLocal.wallNoise)
	}
	if n := st.bgLocal.edgeNoise; n > p.cfg.MaxEdgeWallNoise {
		return fail(CodeBackground, nil, "wall along the edge varies by %.1f, above %.1f", n, p.cfg.MaxEdgeWallNoise)
	}
	return nil
}

func compose(st *state) {
	img, alpha, bg := st.out, st.alpha, st.bgLocal
	nc := st.spec.Background
	lut := srgbLinearLUT()
	enc := linearEncodeLUT()
	newLin := [3]float32{lut[nc.R], lut[nc.G], lut[nc.B]}
	n := float32(len(enc) - 1)
	for i, a := range alpha.Pix {
		px := img.Pix[3*i : 3*i+3]
		switch {
		case a <= 0:
			px[0], px[1], px[2] = nc.R, nc.G, nc.B
		case a >= 1:
		default:
			b := bg.at(i%alpha.W, i/alpha.W)
			for k := 0; k < 3; k++ {
				v := lut[px[k]] + (1-a)*(newLin[k]-b[k])
				switch {
				case v <= 0:
					px[k] = 0
				case v >= 1:
					px[k] = 255
				default:
					px[k] = enc[int(v*n+0.5)]
				}
			}
		}
	}
	st.report.Background = &BackgroundRep{
		Wall: bg.wall, WallNoise: round2(bg.wallNoise), KnownBackgroundShare: round2(bg.knownShare), Output: nc,
		EdgeWallNoise: round2(bg.edgeNoise),
	}
}

// linearEncodeLUT maps linear light (4096 steps) to 8-bit sRGB.
func linearEncodeLUT() *[4096]uint8 {
	var t [4096]uint8
	for i := range t {
		t[i] = uint8(math.Round(255 * linearToSRGB(float64(i)/4095)))
	}
	return &t
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
