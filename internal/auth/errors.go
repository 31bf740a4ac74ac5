package auth

import "zhipai/internal/domain"

// The public codes of sign-in.
const (
	CodeAuthRequired    = "auth.required"
	CodeCSRF            = "auth.csrf"
	CodePhone           = "auth.phone_invalid"
	CodeCaptchaRequired = "auth.captcha_required"
	CodeCaptchaExpired  = "auth.captcha_expired"
	CodeCaptchaWrong    = "auth.captcha_wrong"
	CodeAgreement       = "auth.agreement_required"
	CodeSMSTooFrequent  = "auth.sms_too_frequent"
	CodeSMSUnavailable  = "auth.sms_unavailable"
	CodeCodeWrong       = "auth.code_wrong"
	CodeCodeExpired     = "auth.code_expired"
	CodeCodeUsed        = "auth.code_used"
	CodeCodeLocked      = "auth.code_locked"
	CodeTooManyAttempts = "auth.too_many_attempts"
	CodeWeChatCode      = "auth.wechat_code_invalid"
	CodeWeChatBlocked   = "auth.wechat_blocked"
	CodeWeChatLimited   = "auth.wechat_rate_limited"
	CodeWeChatBusy      = "auth.wechat_busy"
	CodeWeChatOff       = "auth.wechat_unavailable"
)

// Errors are their messages: what the student reads and what to do.
var Errors = domain.Catalogue{
	CodeAuthRequired:    "请先登录",
	CodeCSRF:            "页面已过期，请刷新后重试",
	CodePhone:           "请输入正确的 11 位手机号码",
	CodeCaptchaRequired: "请先完成图形验证（输入图中算式的结果）。",
	CodeCaptchaExpired:  "图形验证已失效，请换一张后重新输入。",
	CodeCaptchaWrong:    "图形验证的答案不对，请换一张后重新输入。",
	CodeAgreement:       "请先阅读并勾选同意《用户协议》和《隐私政策》",
	CodeSMSTooFrequent:  "验证码发送过于频繁，请稍后再试",
	CodeSMSUnavailable:  "短信服务暂不可用，请稍后再试或使用微信小程序登录",
	CodeCodeWrong:       "验证码错误，请核对短信中的 6 位数字后重新输入",
	CodeCodeExpired:     "验证码已过期，请重新获取",
	CodeCodeUsed:        "验证码已使用过，请重新获取",
	CodeCodeLocked:      "验证码输错次数过多，请重新获取",
	CodeTooManyAttempts: "尝试次数过多，请稍后再试",
	CodeWeChatCode:      "微信登录已失效，请重新进入小程序",
	CodeWeChatBlocked:   "微信提示该账号存在安全风险，暂时无法登录，请使用手机号登录",
	CodeWeChatLimited:   "登录过于频繁，请稍后再试",
	CodeWeChatBusy:      "微信服务繁忙，请稍后重试",
	CodeWeChatOff:       "暂未开通微信登录，请使用手机号登录",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
