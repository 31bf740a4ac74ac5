package service

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"zhipai/internal/domain"

	"zhipai/internal/photo"
)

// Error is the public error of the use cases (domain.Error): a stable
// code and a Chinese message; web/api gives each code its HTTP status.
type Error = domain.Error

// Stable codes; the table below gives each its status and message.
const (
	CodeRequest          = "request.invalid"
	CodeRequestTooLarge  = "request.too_large"
	CodeNotFound         = "not_found"
	CodeInternal         = "internal"
	CodeAuthRequired     = "auth.required"
	CodeCSRF             = "auth.csrf"
	CodePhone            = "auth.phone_invalid"
	CodeAgreement        = "auth.agreement_required"
	CodeSMSTooFrequent   = "auth.sms_too_frequent"
	CodeSMSUnavailable   = "auth.sms_unavailable"
	CodeCodeWrong        = "auth.code_wrong"
	CodeCodeExpired      = "auth.code_expired"
	CodeCodeUsed         = "auth.code_used"
	CodeCodeLocked       = "auth.code_locked"
	CodeTooManyAttempts  = "auth.too_many_attempts"
	CodeWeChatCode       = "auth.wechat_code_invalid"
	CodeWeChatBlocked    = "auth.wechat_blocked"
	CodeWeChatLimited    = "auth.wechat_rate_limited"
	CodeWeChatBusy       = "auth.wechat_busy"
	CodeWeChatOff        = "auth.wechat_unavailable"
	CodeCampaignNotFound = "campaign.not_found"
	CodeCampaignClosed   = "campaign.closed"
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
	CodeNoMatch          = "roster.no_match"
	CodeRosterBound      = "roster.bound"
	CodeMatchLimited     = "roster.too_many_attempts"
	CodeNotMatched       = "roster.not_matched"
	CodeNotConfirmed     = "capture.not_ready"
	CodeIdempotencyKey   = "upload.idempotency_key"
	CodeQueueFull        = "upload.queue_full"
	CodeUploadLimit      = "upload.limit"
	CodeDuplicate        = "upload.duplicate_rejected"
	CodeLocked           = "upload.locked"
	CodeUnderReview      = "upload.under_review"
	CodeRetakeExpired    = "upload.retake_expired"
	CodeNotReady         = "submit.not_ready"
	CodeBlocked          = "submit.blocked"
	CodeRefused          = "submit.refused"
	CodeAlreadySubmitted = "submit.already"
	CodeNotSuperseded    = "submit.stale"
	CodeCannotWithdraw   = "withdraw.not_allowed"
	CodeReviewState      = "review.state"
	CodeReviewReason     = "review.reason"
)

var messages = map[string]string{
	CodeRequest:          "请求格式不正确，请刷新页面后重试",
	CodeRequestTooLarge:  "文件超过 30 MB，请上传手机相机拍摄的原图",
	CodeNotFound:         "没有找到该记录",
	CodeInternal:         "服务器开小差了，请稍后重试；如多次失败请联系客服",
	CodeAuthRequired:     "请先登录",
	CodeCSRF:             "页面已过期，请刷新后重试",
	CodePhone:            "请输入正确的 11 位手机号码",
	CodeAgreement:        "请先阅读并勾选同意《用户协议》和《隐私政策》",
	CodeSMSTooFrequent:   "验证码发送过于频繁，请稍后再试",
	CodeSMSUnavailable:   "短信服务暂不可用，请稍后再试或使用微信小程序登录",
	CodeCodeWrong:        "验证码错误，请核对短信中的 6 位数字后重新输入",
	CodeCodeExpired:      "验证码已过期，请重新获取",
	CodeCodeUsed:         "验证码已使用过，请重新获取",
	CodeCodeLocked:       "验证码输错次数过多，请重新获取",
	CodeTooManyAttempts:  "尝试次数过多，请稍后再试",
	CodeWeChatCode:       "微信登录已失效，请重新进入小程序",
	CodeWeChatBlocked:    "微信提示该账号存在安全风险，暂时无法登录，请使用手机号登录",
	CodeWeChatLimited:    "登录过于频繁，请稍后再试",
	CodeWeChatBusy:       "微信服务繁忙，请稍后重试",
	CodeWeChatOff:        "暂未开通微信登录，请使用手机号登录",
	CodeCampaignNotFound: "没有找到该采集批次，请核对学校发布的特征码",
	CodeCampaignClosed:   "该采集批次未开放或已结束，请留意学校通知",
	CodeNotJoined:        "请先选择学校和采集类型，获取采集资格",
	CodeConsentRequired:  "请先阅读并同意个人信息处理授权",
	CodeConsentOutdated:  "授权内容已更新，请重新阅读并同意",
	CodeName:             "请填写证件上的真实姓名",
	CodeDocType:          "请选择本次采集支持的证件类型",
	CodeDocFormat:        "证件号码格式不正确，请核对后重新输入",
	CodeCheckDigit:       "身份证号码校验位不正确，请核对最后一位（X 请填大写）",
	CodeBirthDate:        "身份证号码中的出生日期不正确，请核对",
	CodeRegion:           "身份证号码的地区码不正确，请核对前两位",
	CodeIdentityLocked:   "已关联学籍，证件信息不能再修改；如有错误请联系学院",
	CodeIdentityRequired: "请先填写姓名和证件号码",
	CodeIDSide:           "请指定证件照片是人像面还是国徽面",
	CodeIDImages:         "请先上传证件照片",
	CodeNoMatch:          "未在名单中或信息不一致。请核对：姓名与证件上完全一致（生僻字、少数民族姓名的间隔号“·”），证件号码末位的 X 为大写；仍无法核验请联系学院。",
	CodeRosterBound:      "该学籍已被其他账号关联，请联系学院或客服处理",
	CodeMatchLimited:     "核验次数过多，请稍后再试或联系学院",
	CodeNotMatched:       "请先完成学籍核验",
	CodeNotConfirmed:     "请先确认学籍信息，再进入采集",
	CodeIdempotencyKey:   "上传请求缺少标识，请刷新页面后重试",
	CodeQueueFull:        "当前上传人数较多，请稍后自动重试",
	CodeUploadLimit:      "上传次数已用完（未生成标准照的照片不计次数），请联系学院增加次数。",
	CodeDuplicate:        "这张照片与已被驳回的照片相同，请按驳回原因重新拍摄",
	CodeLocked:           "照片已审核通过并锁定，不能再修改",
	CodeUnderReview:      "照片正在审核，如需重拍请先撤回（审核中的照片不能撤回）",
	CodeRetakeExpired:    "重拍期限已过，请联系学院处理",
	CodeNotReady:         "照片还在处理中，请稍候",
	CodeBlocked:          "照片存在必须修改的问题，请按提示重拍后再提交",
	CodeRefused:          "这张照片无法生成证件照，请按提示重拍",
	CodeAlreadySubmitted: "已经提交过了，请勿重复提交",
	CodeNotSuperseded:    "这不是你最新的照片，请提交最新上传的照片",
	CodeCannotWithdraw:   "只有待审核的照片可以撤回",
	CodeReviewState:      "该提交当前状态不能执行此操作",
	CodeReviewReason:     "驳回需要至少一个有效的原因代码（R01-R99）",
}

// fail builds the public error of a code.
func fail(code string, cause error) *Error {
	m, ok := messages[code]
	if !ok {
		code, m = CodeInternal, messages[CodeInternal]
	}
	return &Error{Code: code, Message: m, Err: cause}
}

// failMsg is fail with a more specific message.
func failMsg(code, msg string) *Error {
	e := fail(code, nil)
	e.Message = msg
	return e
}

func retryAfter(e *Error, d time.Duration) *Error {
	e.RetryAfter = d
	return e
}

// Public turns any error into what a client may see: service and photo
// errors keep their code; anything else is internal (its text is not
// shown).
func Public(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var pe *photo.Error
	if errors.As(err, &pe) {
		return &Error{Code: pe.Code, Message: pe.Message, Err: err}
	}
	return fail(CodeInternal, err)
}

// Codes lists every public code of the use cases (documentation, tests).
func Codes() []string {
	out := make([]string, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Message is the message of a code.
func Message(code string) string { return messages[code] }

func internal(format string, args ...any) *Error {
	return fail(CodeInternal, fmt.Errorf(format, args...))
}
