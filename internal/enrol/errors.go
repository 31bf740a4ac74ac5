package enrol

import "zhipai/internal/domain"

// The public codes of joining a campaign, consent, identity, the card photos and the roster match.
const (
	CodeCampaignNotFound = "campaign.not_found"
	CodeCampaignClosed   = "campaign.closed"
	CodeJoinCodeLimited  = "campaign.too_many_attempts"
	CodeNotJoined        = "campaign.not_joined"
	CodeConsentRequired  = "consent.required"
	CodeConsentOutdated  = "consent.outdated"
	CodeName             = "identity.name_invalid"
	CodeDocType          = "identity.doc_type"
	CodeDocFormat        = "identity.format"
	CodeCheckDigit       = "identity.check_digit"
	CodeBirthDate        = "identity.birth_date"
	CodeRegion           = "identity.region"
	CodeIdentityLocked   = "identity.locked"
	CodeIdentityRequired = "identity.required"
	CodeIDSide           = "idcard.side_invalid"
	CodeIDImages         = "idcard.required"
	CodeIDImageRate      = "idcard.too_frequent"
	CodeNoMatch          = "roster.no_match"
	CodeMatchLimited     = "roster.too_many_attempts"
	CodeNotMatched       = "roster.not_matched"
	// What the card says (OCR) against what was typed.
	CodeCardUnreadable     = "idcard.unreadable"
	CodeCardBackUnreadable = "idcard.validity_unreadable"
	CodeCardExpired        = "idcard.expired"
	CodeCardNumberMismatch = "idcard.number_mismatch"
	CodeCardNameMismatch   = "idcard.name_mismatch"
	CodeCardRecheck        = "idcard.recheck"
	CodeRosterClaimed      = "roster.claimed"
)

// Errors are their messages: what the student reads and what to do.
var Errors = domain.Catalogue{
	CodeCampaignNotFound:   "没有找到该采集批次，请核对学校发布的特征码",
	CodeCampaignClosed:     "该采集批次未开放或已结束，请留意学校通知",
	CodeJoinCodeLimited:    "特征码输错次数过多，请稍后再试，或直接从学校发布的链接进入。",
	CodeNotJoined:          "请先选择学校和采集类型，获取采集资格",
	CodeConsentRequired:    "请先阅读并同意个人信息处理授权",
	CodeConsentOutdated:    "授权内容已更新，请重新阅读并同意",
	CodeName:               "请填写证件上的真实姓名",
	CodeDocType:            "请选择本次采集支持的证件类型",
	CodeDocFormat:          "证件号码格式不正确，请核对后重新输入",
	CodeCheckDigit:         "身份证号码校验位不正确，请核对最后一位（X 请填大写）",
	CodeBirthDate:          "身份证号码中的出生日期不正确，请核对",
	CodeRegion:             "身份证号码的地区码不正确，请核对前两位",
	CodeIdentityLocked:     "已关联学籍，证件信息不能再修改；如有错误请联系学院",
	CodeIdentityRequired:   "请先填写姓名和证件号码",
	CodeIDSide:             "请指定证件照片是人像面还是国徽面",
	CodeIDImages:           "请先上传证件照片",
	CodeIDImageRate:        "证件照片上传过于频繁，请稍后再试。",
	CodeNoMatch:            "未在名单中或信息不一致。请核对：姓名与证件上完全一致（生僻字、少数民族姓名的间隔号“·”），证件号码末位的 X 为大写；仍无法核验请联系学院。",
	CodeMatchLimited:       "核验次数过多，请稍后再试或联系学院",
	CodeNotMatched:         "请先完成学籍核验",
	CodeCardUnreadable:     "看不清身份证号码，请在光线均匀处把人像面放平、对焦清楚后重拍。",
	CodeCardBackUnreadable: "看不清身份证的有效期限，请把国徽面放平、对焦清楚后重拍。",
	CodeCardExpired:        "这张身份证已过有效期，请使用有效的身份证；正在补办的同学可先办理临时身份证。",
	CodeCardNumberMismatch: "身份证照片上的号码与填写的身份证号不一致，请核对填写的号码，或重拍本人身份证的人像面。",
	CodeCardNameMismatch:   "身份证照片上的姓名与填写的姓名不一致，请核对姓名，或重拍本人身份证的人像面。",
	CodeCardRecheck:        "请重新上传身份证人像面照片，以便核对照片上的号码与填写的号码一致。",
	CodeCardChecking:       "证件照片正在核验，请等核验结果出来后再核验学籍。",
	CodeRosterClaimed:      "该学籍已被另一个账号绑定。您的身份证与学籍一致，我们已提交学校核实处理，请留意站内消息，无需重复提交。",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
