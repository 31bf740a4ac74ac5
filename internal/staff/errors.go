package staff

import "zhipai/internal/domain"

// The public codes of staff accounts and sign-in.
const (
	CodeLogin         = "staff.login_invalid"
	CodeLoginTaken    = "staff.login_taken"
	CodeName          = "staff.name_invalid"
	CodeRole          = "staff.role_invalid"
	CodeSignIn        = "staff.signin_failed"
	CodeLocked        = "staff.locked"
	CodeWeakPassword  = "staff.weak_password"
	CodeMustChange    = "staff.password_change_required"
	CodeAuthRequired  = "staff.auth_required"
	CodeCSRF          = "staff.csrf"
	CodeWrongPassword = "staff.wrong_password"
	CodeIPDenied      = "staff.ip_denied"
	CodeIPList        = "staff.ip_list_invalid"
)

// Errors are their messages.
var Errors = domain.Catalogue{
	CodeLogin:         "登录名为 3-32 位小写字母、数字、点、下划线或横线。",
	CodeLoginTaken:    "该登录名已被使用，请换一个。",
	CodeName:          "请填写姓名（最多 50 个字）。",
	CodeRole:          "角色与所属学校或学院不符。",
	CodeSignIn:        "登录名、密码或动态验证码不正确。",
	CodeLocked:        "连续登录失败次数过多，账号已暂时锁定，请稍后再试。",
	CodeWeakPassword:  "密码不符合要求。",
	CodeMustChange:    "首次登录请先修改密码。",
	CodeAuthRequired:  "请先登录管理后台。",
	CodeCSRF:          "页面已过期，请刷新后重试。",
	CodeWrongPassword: "原密码不正确。",
	CodeIPDenied:      "本校只允许从指定网络登录管理后台，请在校内网络或经学校 VPN 访问。",
	CodeIPList:        "IP 白名单有误：每行一个地址或网段（如 202.120.0.0/16），且须包含你当前的地址。",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
