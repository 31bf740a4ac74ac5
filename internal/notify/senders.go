package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"zhipai/internal/domain"
	"zhipai/internal/sms"
	"zhipai/internal/wechat"
)

// ParseTemplates reads "kind=template,kind=template" (the templates each
// kind of notice uses at a provider); an unknown kind is an error.
func ParseTemplates(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		known := false
		for _, kind := range Kinds() {
			known = known || kind == k
		}
		if !ok || v == "" || !known {
			return nil, fmt.Errorf("notify: %q is not kind=template with a kind of %s", part, strings.Join(Kinds(), ", "))
		}
		out[k] = v
	}
	return out, nil
}

// SMS sends notices as SMS, one provider template per kind; the template
// is filled with campaign, status, hint, reason and deadline.
type SMS struct {
	Client    *sms.HTTP
	Templates map[string]string
}

// Channel is "sms".
func (SMS) Channel() string { return "sms" }

// Send sends the notice's template.
func (x SMS) Send(ctx context.Context, phone string, n domain.Notification, params map[string]string) error {
	t := x.Templates[n.Kind]
	if t == "" {
		return ErrNoTemplate
	}
	short := map[string]string{}
	for k, v := range params {
		short[k] = clip(v, 20) // the providers cap a variable at 20 to 35 characters
	}
	err := x.Client.SendTemplate(ctx, phone, t, short)
	if errors.Is(err, sms.ErrRejected) {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}

// WeChat sends notices as subscribe messages. Fields maps the template's
// keys (thing1, phrase2, time3 ...) to the notice's values; the key's
// type sets how long a value may be.
type WeChat struct {
	Sub       *wechat.Subscriber
	Templates map[string]string
	Fields    map[string]string
	Page      string
}

// DefaultWeChatFields suit a template of 采集名称, 审核结果, 温馨提示, 截止时间.
const DefaultWeChatFields = "thing1=campaign,phrase2=status,thing3=hint,time4=deadline"

// ParseFields reads "key=value,key=value".
func ParseFields(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("notify: %q is not field=value", part)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// Channel is "wechat".
func (WeChat) Channel() string { return "wechat" }

// Send sends the notice's subscribe message.
func (x WeChat) Send(ctx context.Context, openid string, n domain.Notification, params map[string]string) error {
	t := x.Templates[n.Kind]
	if t == "" {
		return ErrNoTemplate
	}
	data := map[string]string{}
	for k, name := range x.Fields {
		v := params[name]
		switch {
		case strings.HasPrefix(k, "phrase"):
			v = clip(v, 5)
		case strings.HasPrefix(k, "thing"):
			v = clip(v, 20)
		case strings.HasPrefix(k, "character_string"):
			v = clip(v, 32)
		}
		if v == "" {
			v = "-" // WeChat refuses an empty value
		}
		data[k] = v
	}
	err := x.Sub.Send(ctx, openid, t, x.Page, data)
	if errors.Is(err, wechat.ErrRefused) {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
