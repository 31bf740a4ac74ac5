package domain

// Caller is who makes a request: a signed-in student (UserID), from an
// address.
type Caller struct {
	UserID  int64
	Channel string // web or wechat
	CSRF    string
	IP      string
}

// Session channels.
const (
	ChannelWeb    = "web"
	ChannelWeChat = "wechat"
)

// Blind index kinds: each keyed hash of an identifier is keyed by what it
// indexes, so equal strings of different kinds never collide.
const (
	IndexPhone    = "phone"
	IndexOpenID   = "wechat-openid"
	IndexDocument = "document"
	IndexSMSCode  = "sms-code"
	IndexCaptcha  = "captcha"
)
