// Package domain holds Zhipai's types and rules that need no I/O: review
// reason codes, submission states, campaigns, students.
package domain

import "encoding/json"

// Reason is a review reason code (requirements RV-2): why a photo or a
// document is rejected, or what an automatic check suggests.
type Reason string

// The starter set of reason codes (requirements RV-2).
const (
	ReasonBlur          Reason = "R01"
	ReasonExposure      Reason = "R02"
	ReasonUnevenLight   Reason = "R03"
	ReasonHighlights    Reason = "R04"
	ReasonPose          Reason = "R05"
	ReasonGeometry      Reason = "R06"
	ReasonFaceCovered   Reason = "R07"
	ReasonEyes          Reason = "R08"
	ReasonMouth         Reason = "R09"
	ReasonTinted        Reason = "R10"
	ReasonGlassesGlare  Reason = "R11"
	ReasonAccessories   Reason = "R12"
	ReasonHeadCovering  Reason = "R13"
	ReasonClothesColour Reason = "R14"
	ReasonClothesStyle  Reason = "R15"
	ReasonBackground    Reason = "R16"
	ReasonRetouched     Reason = "R17"
	ReasonRecaptured    Reason = "R18"
	ReasonTooClose      Reason = "R19"
	ReasonNotSelf       Reason = "R20"
	ReasonIDImage       Reason = "R21"
	ReasonIDMismatch    Reason = "R22"
	ReasonNotOnRoster   Reason = "R23"
	ReasonOther         Reason = "R99"
)

var reasonTitles = map[Reason]string{
	ReasonBlur:          "模糊/失焦",
	ReasonExposure:      "过暗/过亮",
	ReasonUnevenLight:   "阴阳脸/面部阴影",
	ReasonHighlights:    "面部高光/油光",
	ReasonPose:          "头部偏转/倾斜/未平视",
	ReasonGeometry:      "头顶·眼位·脸宽比例不合格",
	ReasonFaceCovered:   "未露双耳/眉毛/额头",
	ReasonEyes:          "未自然睁眼",
	ReasonMouth:         "张嘴/露齿",
	ReasonTinted:        "有色眼镜/美瞳/墨镜",
	ReasonGlassesGlare:  "眼镜反光/镜框遮眼",
	ReasonAccessories:   "佩戴饰品",
	ReasonHeadCovering:  "帽子/头部覆盖物",
	ReasonClothesColour: "衣服与背景同色（蓝色衣服）",
	ReasonClothesStyle:  "无领/吊带/低胸等着装",
	ReasonBackground:    "背景不纯/有他人或杂物",
	ReasonRetouched:     "美颜/PS/滤镜/浓妆",
	ReasonRecaptured:    "翻拍/屏幕/打印照/相册旧照/影楼精修照",
	ReasonTooClose:      "自拍或距离过近变形",
	ReasonNotSelf:       "非本人/与证件照不符",
	ReasonIDImage:       "证件照片不清晰/不完整/反光",
	ReasonIDMismatch:    "证件信息与填写不一致",
	ReasonNotOnRoster:   "不在名单/信息错误",
	ReasonOther:         "其他",
}

// Title is the reason's Chinese name; empty for an unknown code.
func (r Reason) Title() string { return reasonTitles[r] }

// Valid reports whether r is a known code.
func (r Reason) Valid() bool { _, ok := reasonTitles[r]; return ok }

// Reasons lists every code in order.
func Reasons() []Reason {
	return []Reason{ReasonBlur, ReasonExposure, ReasonUnevenLight, ReasonHighlights, ReasonPose, ReasonGeometry,
		ReasonFaceCovered, ReasonEyes, ReasonMouth, ReasonTinted, ReasonGlassesGlare, ReasonAccessories,
		ReasonHeadCovering, ReasonClothesColour, ReasonClothesStyle, ReasonBackground, ReasonRetouched,
		ReasonRecaptured, ReasonTooClose, ReasonNotSelf, ReasonIDImage, ReasonIDMismatch, ReasonNotOnRoster, ReasonOther}
}

// Severity says whether a finding stops submission.
type Severity string

const (
	// SeverityBlock: the photo cannot be submitted; the student retakes.
	SeverityBlock Severity = "block"
	// SeverityWarn: the reviewer decides.
	SeverityWarn Severity = "warn"
	// SeverityInfo: worth knowing (ordinary glasses), not a problem.
	SeverityInfo Severity = "info"
)

// reasonAdvice tells a rejected student how to retake (requirements
// RV-2: codes carry student-facing text).
var reasonAdvice = map[Reason]string{
	ReasonBlur:          "请在光线充足处拍摄，拍摄者双手持稳手机，对焦到脸部后再按快门",
	ReasonExposure:      "请在明亮、光线均匀的室内拍摄，避免逆光和强光直射",
	ReasonUnevenLight:   "请面向窗户或灯光站立，让两侧脸部光线一致，避免侧光造成阴影",
	ReasonHighlights:    "请擦去面部油光，避免强光直射脸部",
	ReasonPose:          "请正对镜头，头部摆正，双眼平视前方，两肩保持水平",
	ReasonGeometry:      "请拍摄胸口以上的半身像，头顶上方留出空白，人站在画面中间",
	ReasonFaceCovered:   "请把头发梳到耳后，露出额头、眉毛和双耳",
	ReasonEyes:          "请自然睁大双眼，目视镜头",
	ReasonMouth:         "请闭上嘴唇，表情自然，不要露齿",
	ReasonTinted:        "请摘下有色眼镜、墨镜，不要佩戴美瞳",
	ReasonGlassesGlare:  "请调整眼镜角度或光线，避免镜片反光；镜框不要遮挡眼睛",
	ReasonAccessories:   "请摘下耳环、项链、发饰等饰品",
	ReasonHeadCovering:  "请摘下帽子、头巾等头部覆盖物（宗教原因请联系学院）",
	ReasonClothesColour: "请换穿与背景颜色反差明显的有领上衣，蓝底照片不要穿蓝色衣服",
	ReasonClothesStyle:  "请穿有领的正装或衬衫，不要穿无领、吊带或低胸衣服",
	ReasonBackground:    "请站在干净的白墙前约 1 米处拍摄，背景中不要有其他人或杂物",
	ReasonRetouched:     "请上传未经美颜、滤镜或修图的原图，不要化浓妆",
	ReasonRecaptured:    "请现场拍摄本人，不要翻拍屏幕、打印照片或旧照片",
	ReasonTooClose:      "请由他人使用后置摄像头在约 1 米外拍摄，不要自拍",
	ReasonNotSelf:       "请本人拍摄上传，照片须与证件上的本人一致",
	ReasonIDImage:       "请把证件平放，四角完整拍入画面，避免反光和模糊",
	ReasonIDMismatch:    "请核对填写的姓名和证件号码与证件一致",
	ReasonNotOnRoster:   "请联系学院核对名单信息",
	ReasonOther:         "请查看审核备注，按要求重新拍摄",
}

// Advice is what a student should do about a reason.
func (r Reason) Advice() string { return reasonAdvice[r] }

// ReasonSetting is a review reason a campaign uses, with the text its
// students read when a photo is rejected for it (requirements RO-1).
type ReasonSetting struct {
	Code Reason `json:"code"`
	Text string `json:"text"`
}

// ReasonsInUse is the campaign's review reasons with their student-facing
// text, in code order: every reason with its built-in advice unless the
// campaign chose.
func (c Campaign) ReasonsInUse() []ReasonSetting {
	var chosen []ReasonSetting
	if c.ReasonsJSON != "" && json.Unmarshal([]byte(c.ReasonsJSON), &chosen) == nil && len(chosen) > 0 {
		return chosen
	}
	out := make([]ReasonSetting, 0, len(reasonTitles))
	for _, r := range Reasons() {
		out = append(out, ReasonSetting{Code: r, Text: r.Advice()})
	}
	return out
}

// ReasonText is what the campaign tells a student rejected for r, and
// whether the campaign uses r at all.
func (c Campaign) ReasonText(r Reason) (string, bool) {
	for _, s := range c.ReasonsInUse() {
		if s.Code == r {
			return s.Text, true
		}
	}
	return r.Advice(), false
}
