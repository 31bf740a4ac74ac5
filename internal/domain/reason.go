// Package domain holds Zhipai's types and rules that need no I/O: review
// reason codes, submission states, campaigns, students.
package domain

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
	ReasonClothesColour: "衣服与背景同色(蓝色衣服)",
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
