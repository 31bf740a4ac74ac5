package quality

import (
	"math"

	"zhipai/internal/photo"
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
	if res.Pose != nil {
		m.set(mYaw, math.Abs(res.Pose.Yaw))
		m.set(mPitch, res.Pose.Pitch)
		m.set(mRoll, math.Abs(res.Pose.Roll))
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

func clampIdx(v int) int { return min(max(v, 0), alignedSize-1) }
