package quality

import (
	"math"
	"sort"
	"strings"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Measure names: each check reads one of these.
const (
	mSharpness    = "sharpness"
	mUpscale      = "upscale"
	mFaceLuma     = "face_luma"
	mClipped      = "face_clipped"
	mLightBalance = "light_balance"
	mHighlights   = "highlights"
	mYaw          = "yaw"
	mPitch        = "pitch"
	mRoll         = "roll"
	mEyeTilt      = "eye_tilt"
	mForehead     = "forehead_covered"
	mEars         = "ears_visible"
	mEyesOpen     = "eyes_open"
	mIrisVisible  = "iris_visible"
	mMouthOpen    = "mouth_open"
	mTeeth        = "teeth"
	mGlasses      = "glasses"
	mTinted       = "lens_darkness"
	mGlare        = "lens_glare"
	mEarrings     = "earrings"
	mNecklace     = "necklace"
	mHeadOrnament = "head_ornament"
	mHeadCover    = "head_covering"
	mClothesLike  = "clothes_like_background"
	mClothesBlue  = "clothes_blue"
	mClothesSkin  = "clothes_skin"
	mBackground   = "background_clutter"
	mWallNoise    = "wall_noise"
	mOtherFaces   = "other_faces"
	mSkinTexture  = "skin_texture"
	mLipColour    = "lip_chroma"
	mRetouchApp   = "retouch_app"
	mMoire        = "moire"
	mDistance     = "camera_distance_cm"
	mFaceRatio    = "face_width_ratio"
)

// measures holds what could be measured; a check whose measure is missing
// does not run.
type measures map[string]float64

func (m measures) set(name string, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		m[name] = v
	}
}

// measure takes every measurement the checks need from a pipeline result.
func measure(res *photo.Result, spec *photo.Spec) measures {
	m := measures{}
	if res == nil || res.Report == nil {
		return m
	}
	r := res.Report
	if r.Geometry != nil && r.Geometry.Scale > 0 {
		m.set(mUpscale, r.Geometry.Scale)
	}
	if r.Pose != nil {
		m.set(mYaw, math.Abs(r.Pose.Yaw))
		m.set(mPitch, r.Pose.Pitch)
		m.set(mRoll, math.Abs(r.Pose.Roll))
	}
	if r.Background != nil {
		m.set(mWallNoise, r.Background.WallNoise)
	}
	if len(res.Faces) > 0 {
		m.set(mOtherFaces, float64(len(res.Faces)-1))
	}
	m.set(mRetouchApp, retouchApp(r.Input.Software))
	s := newSubject(res)
	if s == nil {
		return m
	}
	faceMeasures(s, m)
	if res.Work != nil && res.Mask != nil {
		m.set(mBackground, backgroundClutter(res))
	}
	if res.Output != nil && res.Alpha != nil && r.Geometry != nil {
		clothesMeasures(s, res, spec, m)
	}
	if f := r.Input.FocalLength35mm; f > 0 && s.irisRadius > 0 {
		m.set(mDistance, cameraDistance(res, f))
	}
	rc, lc := res.Mesh.At(vision.MeshRightCheek), res.Mesh.At(vision.MeshLeftCheek)
	m.set(mFaceRatio, math.Hypot(lc.X-rc.X, lc.Y-rc.Y)/s.iodInput)
	return m
}

// faceMeasures measures the aligned face.
func faceMeasures(s *subject, m measures) {
	iod := float64(alignedIOD)
	// Inner face: the face oval without eyes, brows and lips.
	inner := s.polygon(faceOval)
	excl := map[int]bool{}
	for _, region := range [][]int{rightEye, leftEye, rightBrow, leftBrow, lipsOuter} {
		for _, i := range s.polygon(region) {
			excl[i] = true
		}
	}
	// Skin pixels of the inner face, kept away from the oval's edge.
	cx := (s.pt(234).X + s.pt(454).X) / 2
	half := (s.pt(454).X - s.pt(234).X) / 2
	var skin []int
	for _, i := range inner {
		x, y := float64(i%alignedSize), float64(i/alignedSize)
		if excl[i] || math.Abs(x-cx) > 0.85*half || y < s.pt(10).Y+0.1*iod {
			continue
		}
		skin = append(skin, i)
	}
	m.set(mSharpness, sharpness(s, inner))
	var sum, clipped float64
	for _, i := range skin {
		l := float64(s.luma[i])
		sum += l
		if l > 0.98 || l < 0.02 {
			clipped++
		}
	}
	if len(skin) > 0 {
		m.set(mFaceLuma, sum/float64(len(skin)))
		m.set(mClipped, clipped/float64(len(skin)))
	}
	m.set(mLightBalance, lightBalance(s))
	var hi float64
	for _, i := range skin {
		_, sat, v := hsv(s.at(i%alignedSize, i/alignedSize))
		if v > 0.93 && sat < 0.18 {
			hi++
		}
	}
	if len(skin) > 0 {
		m.set(mHighlights, hi/float64(len(skin)))
	}
	re, le := s.res.Irises[0].Centre, s.res.Irises[1].Centre
	m.set(mEyeTilt, math.Abs(math.Atan2(le.Y-re.Y, le.X-re.X)*180/math.Pi))
	m.set(mEyesOpen, eyesOpen(s))
	m.set(mIrisVisible, irisVisible(s))
	// The mouth's opening in units of where it starts to count: the lips'
	// inner area (0.09 of the mouth width squared) or the dark inside's
	// height (0.11 of the mouth width), whichever says more. The mesh alone
	// closes the lips over an O-shaped mouth; the dark inside alone takes
	// a beard's shadow for a mouth.
	m.set(mMouthOpen, math.Max(mouthOpen(s)/0.09, mouthCavity(s)/0.11))
	m.set(mTeeth, teeth(s))
	m.set(mForehead, foreheadCovered(s))
	m.set(mEars, earsVisible(s))
	glasses, darkness, glare := lenses(s)
	m.set(mGlasses, glasses)
	m.set(mTinted, darkness)
	m.set(mGlare, glare)
	m.set(mEarrings, earrings(s))
	m.set(mNecklace, necklace(s))
	orn, cover := headTop(s)
	m.set(mHeadOrnament, orn)
	m.set(mHeadCover, cover)
	m.set(mSkinTexture, skinTexture(s))
	m.set(mLipColour, lipChroma(s))
	m.set(mMoire, moire(s))
}

func dist(a, b vision.Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// sharpness is the spread of the luma's Laplacian over the inner face
// relative to the luma's own spread: blur removes fine detail faster than
// contrast. Measured on the aligned crop, where the face always has the
// same size, so a photo enlarged from too few pixels reads as blurred too.
func sharpness(s *subject, idx []int) float64 {
	var lap, l1, l2, n float64
	for _, i := range idx {
		x, y := i%alignedSize, i/alignedSize
		if x < 1 || y < 1 || x >= alignedSize-1 || y >= alignedSize-1 {
			continue
		}
		c := float64(s.luma[i])
		v := 4*c - float64(s.luma[i-1]) - float64(s.luma[i+1]) - float64(s.luma[i-alignedSize]) - float64(s.luma[i+alignedSize])
		lap += v * v
		l1 += c
		l2 += c * c
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	variance := l2/n - (l1/n)*(l1/n)
	return math.Sqrt(lap/n) / math.Sqrt(variance+1e-4)
}

// lightBalance compares the two halves of the face (cheek and temple
// patches on each side, as OFIQ's illumination uniformity uses the
// cheeks): darker half's mean luma over the brighter half's, 1 when even.
func lightBalance(s *subject) float64 {
	iod := float64(alignedIOD)
	side := func(cheek, temple int) float64 {
		var sum, n float64
		for _, c := range []int{cheek, temple} {
			p := s.pt(c)
			// Plain luma: on a half-lit face the dark side's skin no longer
			// looks like the skin model, which is learnt on both cheeks.
			for _, i := range s.rect(p.X-0.2*iod, p.Y-0.2*iod, p.X+0.2*iod, p.Y+0.2*iod) {
				sum += float64(s.luma[i])
				n++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		return sum / n
	}
	a, b := side(205, 116), side(425, 345)
	if math.IsNaN(a) || math.IsNaN(b) || math.Max(a, b) <= 0 {
		return math.NaN()
	}
	return math.Min(a, b) / math.Max(a, b)
}

// eyesOpen is the smaller of the two eyes' openings: the lid gap over the
// eye's width, read on the Iris network's eye contour (finer on the lids
// than the face mesh), which lists the contour in the mesh's order: outer
// corner first, lower lid, inner corner, upper lid.
func eyesOpen(s *subject) float64 {
	open := math.Inf(1)
	for _, ir := range s.res.Irises {
		c := ir.Contour
		w := dist(c[0], c[8])
		if w <= 0 {
			return math.NaN()
		}
		open = math.Min(open, dist(c[12], c[4])/w)
	}
	return open
}

// irisVisible is, for the less visible eye, the share of the iris disc
// that does not look like skin: an open eye shows a dark or coloured iris
// there, a closed one the eyelid.
func irisVisible(s *subject) float64 {
	lo := 1.0
	for k := range s.iris {
		c := s.iris[k]
		r := math.Max(2, 0.8*s.irisRadius)
		idx := s.rect(c.X-r, c.Y-r, c.X+r, c.Y+r)
		var not, n float64
		for _, i := range idx {
			x, y := float64(i%alignedSize)+0.5, float64(i/alignedSize)+0.5
			if math.Hypot(x-c.X, y-c.Y) > r {
				continue
			}
			n++
			if !s.skin.isSkin(s.at(i%alignedSize, i/alignedSize)) {
				not++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		lo = math.Min(lo, not/n)
	}
	return lo
}

// mouthOpen is the inner lips' opening: the area between them over the
// square of the mouth's width (several lip points, not one pair).
func mouthOpen(s *subject) float64 {
	var area float64
	for i := range lipsInner {
		a, b := s.pt(lipsInner[i]), s.pt(lipsInner[(i+1)%len(lipsInner)])
		area += a.X*b.Y - b.X*a.Y
	}
	w := dist(s.pt(61), s.pt(291))
	if w <= 0 {
		return math.NaN()
	}
	return math.Abs(area) / 2 / (w * w)
}

// mouthCavity looks for the mouth's dark inside without trusting the
// mesh's lips (which close over an O-shaped mouth): in the middle columns
// of a box around the mouth, the longest run of pixels much darker than
// the box's median, over the mouth's width.
func mouthCavity(s *subject) float64 {
	l, r := s.pt(61), s.pt(291)
	w := dist(l, r)
	top, bot := s.pt(0).Y, s.pt(17).Y
	h := bot - top
	if w <= 0 || h <= 0 {
		return math.NaN()
	}
	y0, y1 := int(top-0.3*h), int(bot+0.3*h)
	var lum []float64
	for y := y0; y <= y1; y++ {
		for x := int(l.X); x <= int(r.X); x++ {
			lum = append(lum, float64(s.luma[clampIdx(y)*alignedSize+clampIdx(x)]))
		}
	}
	if len(lum) < 10 {
		return math.NaN()
	}
	sort.Float64s(lum)
	dark := 0.45 * lum[len(lum)/2]
	var runs []float64
	for k := 0; k < 9; k++ {
		x := clampIdx(int(l.X + (0.3+0.4*float64(k)/8)*(r.X-l.X)))
		longest, cur := 0, 0
		for y := y0; y <= y1; y++ {
			if float64(s.luma[clampIdx(y)*alignedSize+x]) < dark {
				cur++
				longest = max(longest, cur)
			} else {
				cur = 0
			}
		}
		runs = append(runs, float64(longest))
	}
	sort.Float64s(runs)
	return runs[len(runs)/2] / w
}

// teeth is the share of the inner-lip opening that is bright and grey
// (teeth), relative to the mouth's area.
func teeth(s *subject) float64 {
	in := s.polygon(lipsInner)
	all := s.polygon(lipsOuter)
	if len(all) == 0 {
		return math.NaN()
	}
	var t float64
	for _, i := range in {
		_, sat, v := hsv(s.at(i%alignedSize, i/alignedSize))
		if v > 0.5 && sat < 0.35 {
			t++
		}
	}
	return t / float64(len(all))
}

// foreheadCovered is the share of non-skin pixels in the strip just above
// the eyebrows, across both brows: hair there covers the forehead or the
// brows.
func foreheadCovered(s *subject) float64 {
	iod := float64(alignedIOD)
	top := math.Min(s.pt(105).Y, s.pt(334).Y)
	x0, x1 := s.pt(70).X, s.pt(300).X
	idx := s.rect(x0, top-0.35*iod, x1, top-0.05*iod)
	if len(idx) == 0 {
		return math.NaN()
	}
	var not float64
	for _, i := range idx {
		if !s.skin.isSkin(s.at(i%alignedSize, i/alignedSize)) {
			not++
		}
	}
	return not / float64(len(idx))
}

// earsVisible is the skin share, on the less visible side, of a box beside
// the face contour at ear height: hair over the ears leaves little skin.
func earsVisible(s *subject) float64 {
	iod := float64(alignedIOD)
	y0 := (s.iris[0].Y + s.iris[1].Y) / 2
	y1 := s.pt(2).Y // under the nose
	boxes := [][4]float64{
		{s.pt(234).X - 0.45*iod, y0, s.pt(234).X - 0.05*iod, y1},
		{s.pt(454).X + 0.05*iod, y0, s.pt(454).X + 0.45*iod, y1},
	}
	lo := 1.0
	for _, b := range boxes {
		idx := s.rect(b[0], b[1], b[2], b[3])
		if len(idx) == 0 {
			return math.NaN()
		}
		var skin float64
		for _, i := range idx {
			if s.skin.isSkin(s.at(i%alignedSize, i/alignedSize)) {
				skin++
			}
		}
		lo = math.Min(lo, skin/float64(len(idx)))
	}
	return lo
}

// lenses looks at the eye sockets: glasses are a frame bar across the nose
// bridge (strong horizontal edges there); tinted lenses darken the whole
// socket against the cheeks; glare is the larger share, over the two
// sockets, of blown-out pixels off the pupil.
func lenses(s *subject) (glasses, darkness, glare float64) {
	iod := float64(alignedIOD)
	// Bridge: between the inner eye corners, from the brows to the eye line.
	bx := (s.pt(133).X + s.pt(362).X) / 2
	by := (s.pt(168).Y + s.pt(6).Y) / 2
	var edge, n float64
	for _, i := range s.rect(bx-0.12*iod, by-0.25*iod, bx+0.12*iod, by+0.25*iod) {
		x, y := i%alignedSize, i/alignedSize
		if y < 1 || y >= alignedSize-1 || x < 1 || x >= alignedSize-1 {
			continue
		}
		edge += math.Abs(float64(s.luma[i+alignedSize] - s.luma[i-alignedSize]))
		n++
	}
	if n > 0 {
		glasses = edge / n / 2
	}
	// Sockets: around each eye, inside the brow-to-cheek band, excluding
	// the eye itself.
	eyeSet := map[int]bool{}
	for _, e := range [][]int{rightEye, leftEye} {
		for _, i := range s.polygon(e) {
			eyeSet[i] = true
		}
	}
	// Per side, the socket against the cheek below it, so that light from
	// one side does not pass for a tinted lens; tinted lenses darken both,
	// so the brighter side decides.
	glare = 0
	darkness = 0
	for k, e := range [][2]int{{33, 133}, {362, 263}} {
		a, b := s.pt(e[0]), s.pt(e[1])
		cy := s.iris[k].Y
		var sock, sockN, bright float64
		for _, i := range s.rect(math.Min(a.X, b.X)-0.1*iod, cy-0.3*iod, math.Max(a.X, b.X)+0.1*iod, cy+0.3*iod) {
			x, y := float64(i%alignedSize), float64(i/alignedSize)
			if eyeSet[i] {
				continue
			}
			l := float64(s.luma[i])
			sock += l
			sockN++
			if l > 0.92 && math.Hypot(x-s.iris[k].X, y-s.iris[k].Y) > 1.5*s.irisRadius {
				bright++
			}
		}
		cheekPt := s.pt([]int{205, 425}[k])
		var cheek, cheekN float64
		for _, i := range s.rect(cheekPt.X-0.15*iod, cheekPt.Y-0.15*iod, cheekPt.X+0.15*iod, cheekPt.Y+0.15*iod) {
			cheek += float64(s.luma[i])
			cheekN++
		}
		if sockN == 0 || cheekN == 0 || cheek == 0 {
			return glasses, math.NaN(), math.NaN()
		}
		darkness = math.Max(darkness, (sock/sockN)/(cheek/cheekN))
		glare = math.Max(glare, bright/sockN)
	}
	return glasses, darkness, glare
}

// earrings counts, under the ear lobes, compact spots of jewel-like
// pixels on the person: bigger than a speck, smaller than a collar.
func earrings(s *subject) float64 {
	iod := float64(alignedIOD)
	y0 := s.pt(2).Y
	spots := 0.0
	for _, p := range []vision.Point{s.pt(234), s.pt(454)} {
		dx := -1.0
		if p.X > float64(alignedSize)/2 {
			dx = 1
		}
		x0, x1 := p.X+dx*0.0*iod, p.X+dx*0.45*iod
		bx0, bx1 := int(math.Min(x0, x1)), int(math.Max(x0, x1))
		by0, by1 := int(y0), int(y0+0.7*iod)
		seen := map[int]bool{}
		for y := max(0, by0); y < min(alignedSize, by1); y++ {
			for x := max(0, bx0); x < min(alignedSize, bx1); x++ {
				i := y*alignedSize + x
				if seen[i] || s.mask.Pix[i] < 0.5 || !s.jewel(i) {
					continue
				}
				// Flood the spot (4-connected) inside the box.
				stack := []int{i}
				seen[i] = true
				area, minX, maxX, minY, maxY := 0, x, x, y, y
				for len(stack) > 0 {
					j := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					area++
					jx, jy := j%alignedSize, j/alignedSize
					minX, maxX, minY, maxY = min(minX, jx), max(maxX, jx), min(minY, jy), max(maxY, jy)
					for _, k := range []int{j - 1, j + 1, j - alignedSize, j + alignedSize} {
						kx, ky := k%alignedSize, k/alignedSize
						if k < 0 || k >= len(s.luma) || kx < bx0 || kx >= bx1 || ky < by0 || ky >= by1 || seen[k] || s.mask.Pix[k] < 0.5 || !s.jewel(k) {
							continue
						}
						seen[k] = true
						stack = append(stack, k)
					}
				}
				bw, bh := maxX-minX+1, maxY-minY+1
				fill := float64(area) / float64(bw*bh)
				if area >= 6 && float64(area) <= 0.06*iod*iod && fill > 0.4 && max(bw, bh) <= int(0.3*iod) {
					spots++
				}
			}
		}
	}
	return spots
}

// jewel reports a pixel that looks like metal or a gem: bright and grey,
// or strongly coloured, and not skin.
func (s *subject) jewel(i int) bool {
	r, g, b := s.at(i%alignedSize, i/alignedSize)
	if s.skin.isSkin(r, g, b) {
		return false
	}
	_, sat, v := hsv(r, g, b)
	return (v > 0.8 && sat < 0.2) || (sat > 0.5 && v > 0.45)
}

// necklace is the share of columns across the neck and collar in which a
// thin band (at most 6% of the pupil distance... up to 0.15 IOD) of
// jewel-like pixels crosses: a chain is thin, a white collar is not.
func necklace(s *subject) float64 {
	iod := float64(alignedIOD)
	c := s.pt(152)
	y0, y1 := int(c.Y+0.3*iod), int(c.Y+1.4*iod)
	maxRun := int(math.Max(2, 0.15*iod))
	var cols, hit float64
	for x := int(c.X - 0.7*iod); x <= int(c.X+0.7*iod); x++ {
		if x < 0 || x >= alignedSize {
			continue
		}
		cols++
		run := 0
		for y := max(0, y0); y < min(alignedSize, y1); y++ {
			i := y*alignedSize + x
			if s.mask.Pix[i] >= 0.5 && s.jewel(i) {
				run++
				continue
			}
			if run > 0 && run <= maxRun {
				hit++
				break
			}
			run = 0
		}
	}
	if cols == 0 {
		return math.NaN()
	}
	return hit / cols
}

// headTop reads the part of the person above the forehead against the
// student's own hair, sampled where hair hangs beside the face at brow
// height: strongly coloured spots unlike the hair are ornaments (a
// headband, clips); a large share of non-hair, non-skin colour on top is a
// hat or a covering.
func headTop(s *subject) (ornament, covering float64) {
	iod := float64(alignedIOD)
	browY := math.Min(s.pt(105).Y, s.pt(334).Y)
	var hl, ha, hb, hn float64
	for _, side := range []struct{ x0, x1 float64 }{
		{s.pt(234).X - 0.6*iod, s.pt(234).X}, {s.pt(454).X, s.pt(454).X + 0.6*iod},
	} {
		for _, i := range s.rect(side.x0, browY-0.3*iod, side.x1, browY+0.3*iod) {
			if s.mask.Pix[i] < 0.7 {
				continue
			}
			r, g, b := s.at(i%alignedSize, i/alignedSize)
			if s.skin.isSkin(r, g, b) {
				continue
			}
			l, a, bb := lab(r, g, b)
			hl, ha, hb, hn = hl+l, ha+a, hb+bb, hn+1
		}
	}
	if hn < 20 {
		return math.NaN(), math.NaN() // no hair beside the face to compare with
	}
	hl, ha, hb = hl/hn, ha/hn, hb/hn
	top := s.pt(10).Y - 0.1*iod
	cx := (s.iris[0].X + s.iris[1].X) / 2
	var orn, other, n float64
	for _, i := range s.rect(cx-1.3*iod, 0, cx+1.3*iod, top) {
		if s.mask.Pix[i] < 0.6 {
			continue
		}
		r, g, b := s.at(i%alignedSize, i/alignedSize)
		if s.skin.isSkin(r, g, b) {
			continue
		}
		n++
		l, a, bb := lab(r, g, b)
		if math.Sqrt((l-hl)*(l-hl)+(a-ha)*(a-ha)+(bb-hb)*(bb-hb)) < 25 {
			continue
		}
		other++
		if _, sat, v := hsv(r, g, b); sat > 0.5 && v > 0.3 {
			orn++
		}
	}
	if n < 20 {
		return math.NaN(), math.NaN()
	}
	return orn / n, other / n
}

// skinTexture is the fine detail left on the cheeks (luma minus its 5x5
// local mean) relative to the same measure on the hair and clothes: a
// beauty filter smooths skin and leaves the rest.
func skinTexture(s *subject) float64 {
	hp := func(idx []int) float64 {
		var sum, n float64
		for _, i := range idx {
			x, y := i%alignedSize, i/alignedSize
			if x < 2 || y < 2 || x >= alignedSize-2 || y >= alignedSize-2 {
				continue
			}
			var local float64
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					local += float64(s.luma[i+dy*alignedSize+dx])
				}
			}
			d := float64(s.luma[i]) - local/25
			sum += d * d
			n++
		}
		if n == 0 {
			return math.NaN()
		}
		return math.Sqrt(sum / n)
	}
	iod := float64(alignedIOD)
	var cheeks []int
	for _, c := range []int{205, 425} {
		p := s.pt(c)
		cheeks = append(cheeks, s.rect(p.X-0.2*iod, p.Y-0.2*iod, p.X+0.2*iod, p.Y+0.2*iod)...)
	}
	// Elsewhere: the person outside the face (hair, clothes).
	var rest []int
	oval := map[int]bool{}
	for _, i := range s.polygon(faceOval) {
		oval[i] = true
	}
	for i, v := range s.mask.Pix {
		if v > 0.9 && !oval[i] && i%3 == 0 {
			rest = append(rest, i)
		}
	}
	a, b := hp(cheeks), hp(rest)
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}

// lipChroma is how much more colourful the lips are than the skin (CIE
// a*b* chroma difference): lipstick stands out.
func lipChroma(s *subject) float64 {
	lips := map[int]bool{}
	for _, i := range s.polygon(lipsOuter) {
		lips[i] = true
	}
	for _, i := range s.polygon(lipsInner) {
		delete(lips, i)
	}
	chroma := func(idx []int) float64 {
		var sum, n float64
		for _, i := range idx {
			_, a, b := lab(s.at(i%alignedSize, i/alignedSize))
			sum += math.Hypot(a, b)
			n++
		}
		if n == 0 {
			return math.NaN()
		}
		return sum / n
	}
	var lip []int
	for i := range lips {
		lip = append(lip, i)
	}
	iod := float64(alignedIOD)
	var cheeks []int
	for _, c := range []int{205, 425} {
		p := s.pt(c)
		cheeks = append(cheeks, s.rect(p.X-0.15*iod, p.Y-0.15*iod, p.X+0.15*iod, p.Y+0.15*iod)...)
	}
	return chroma(lip) - chroma(cheeks)
}

// retouchApp is 1 when the EXIF Software names a beauty or retouching
// app, 0 otherwise.
func retouchApp(software string) float64 {
	sw := strings.ToLower(software)
	for _, app := range []string{"meitu", "美图", "beautycam", "beauty cam", "snow", "b612", "facetune", "photoshop", "醒图", "轻颜", "faceu", "picsart", "ulike", "facelab"} {
		if sw != "" && strings.Contains(sw, app) {
			return 1
		}
	}
	return 0
}

// backgroundClutter is the share of wall pixels around the person (in the
// original photo, before replacement) that sit on a clear edge: a plain
// wall has none, shelves, doors and people have many.
func backgroundClutter(res *photo.Result) float64 {
	reg, mask, img, sc := res.MaskRegion, res.Mask, res.Work, res.Scale
	// Sample on a grid of about 160x160 over the segmented region.
	step := math.Max(1, math.Max(reg.W(), reg.H())*sc/160)
	var edges, n float64
	for y := reg.Y0 * sc; y < reg.Y1*sc-step; y += step {
		for x := reg.X0 * sc; x < reg.X1*sc-step; x += step {
			mx := (x/sc - reg.X0) / reg.W() * float64(mask.W)
			my := (y/sc - reg.Y0) / reg.H() * float64(mask.H)
			// Away from the person: its own edges are not clutter.
			if mask.Bilinear(mx, my) > 0.02 || mask.Bilinear(mx+4, my) > 0.02 || mask.Bilinear(mx-4, my) > 0.02 ||
				mask.Bilinear(mx, my+4) > 0.02 || mask.Bilinear(mx, my-4) > 0.02 {
				continue
			}
			ix, iy := int(x), int(y)
			l := func(dx, dy int) float64 {
				r, g, b := img.At(ix+dx, iy+dy)
				return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 255
			}
			d := int(math.Max(1, step/2))
			gx, gy := l(d, 0)-l(-d, 0), l(0, d)-l(0, -d)
			if math.Hypot(gx, gy) > 0.12 {
				edges++
			}
			n++
		}
	}
	if n < 50 {
		return math.NaN()
	}
	return edges / n
}

// cameraDistance estimates how far the camera was (cm) from the apparent
// size of the iris, whose diameter is close to 11.7 mm in every adult, and
// the lens's 35 mm-equivalent focal length (defined on the 43.3 mm
// diagonal of a 35 mm frame).
func cameraDistance(res *photo.Result, focal35 int) float64 {
	r := res.Report.Input
	diag := math.Hypot(float64(r.Width), float64(r.Height))
	focalPx := float64(focal35) / 43.27 * diag
	diam := res.Irises[0].Radius() + res.Irises[1].Radius() // mean diameter
	if diam <= 0 {
		return math.NaN()
	}
	return focalPx * 1.17 / diam
}

// clothesMeasures reads the clothes in the output photo: the share of
// them within CIE L*a*b* distance 20 of the spec's background (edges
// vanish into it), the share with a blue hue, and how much skin shows
// below the neck.
func clothesMeasures(s *subject, res *photo.Result, spec *photo.Spec, m measures) {
	g := res.Report.Geometry
	out, alpha := res.Output, res.Alpha
	fw := g.Out.FaceWidthPx
	y0 := int(g.Out.ChinPx + 0.45*fw)
	if y0 >= out.H-4 {
		return
	}
	bl, ba, bb := lab(float64(spec.Background.R), float64(spec.Background.G), float64(spec.Background.B))
	var like, n, skin, person float64
	var hues []float64
	for y := y0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			i := y*out.W + x
			if alpha.Pix[i] < 0.9 {
				continue
			}
			person++
			r, gg, b := float64(out.Pix[3*i]), float64(out.Pix[3*i+1]), float64(out.Pix[3*i+2])
			if s.skin.isSkin(r, gg, b) {
				skin++
				continue
			}
			l, a, b2 := lab(r, gg, b)
			if math.Sqrt((l-bl)*(l-bl)+(a-ba)*(a-ba)+(b2-bb)*(b2-bb)) < 20 {
				like++
			}
			n++
			if h, sat, v := hsv(r, gg, b); sat > 0.35 && v > 0.2 {
				hues = append(hues, h)
			}
		}
	}
	if person < 100 {
		return
	}
	m.set(mClothesSkin, skin/person)
	if n < 100 {
		return
	}
	m.set(mClothesLike, like/n)
	// Blue: the share of the clothes' clearly coloured pixels with a blue
	// hue (190-250 degrees).
	var blue float64
	for _, h := range hues {
		if h >= 190 && h <= 250 {
			blue++
		}
	}
	m.set(mClothesBlue, blue/n)
}

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

func clampIdx(v int) int { return min(max(v, 0), alignedSize-1) }

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

var _ = raster.Rect{}
