// Package sms sends sign-in codes. HTTP talks to a provider's gateway; the
// console sender prints codes to the server log and exists only for the
// local demo.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Sender delivers a sign-in code to a mainland mobile number.
type Sender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// ErrRejected means the provider refused the message (quota, blacklist,
// bad number): not worth retrying at once.
var ErrRejected = errors.New("sms: provider refused the message")

// HTTPConfig configures the provider gateway.
type HTTPConfig struct {
	URL      string // POST endpoint
	Key      string // bearer token
	Template string // template id holding the code
	Sign     string // signature (签名)
	Timeout  time.Duration
}

// HTTP posts one JSON request per code:
//
//	POST URL
//	Authorization: Bearer KEY
//	{"phone":"13800138000","template":"T","sign":"S","params":{"code":"123456"}}
//
// and takes any 2xx answer whose JSON body, if any, has no non-empty
// "error" as delivered. This is the shape of the common SMS gateways
// (and of a small adapter in front of Aliyun or Tencent Cloud SMS).
type HTTP struct {
	cfg    HTTPConfig
	client *http.Client
}

// NewHTTP builds the sender.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	if cfg.URL == "" || cfg.Template == "" {
		return nil, errors.New("sms: URL and template are required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &HTTP{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}}, nil
}

type request struct {
	Phone    string            `json:"phone"`
	Template string            `json:"template"`
	Sign     string            `json:"sign,omitempty"`
	Params   map[string]string `json:"params"`
}

// SendCode sends the code.
func (h *HTTP) SendCode(ctx context.Context, phone, code string) error {
	return h.SendTemplate(ctx, phone, h.cfg.Template, map[string]string{"code": code})
}

// SendTemplate sends a message of another approved template (the
// notifications: each kind has its own template at the provider, since
// mainland SMS carries only approved texts).
func (h *HTTP) SendTemplate(ctx context.Context, phone, template string, params map[string]string) error {
	body, _ := json.Marshal(request{Phone: phone, Template: template, Sign: h.cfg.Sign, Params: params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if h.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+h.cfg.Key)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms: send: %w", err) // the URL may be in err; it holds no personal data
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var answer struct {
		Error string `json:"error"`
	}
	json.Unmarshal(raw, &answer)
	switch {
	case resp.StatusCode >= 500:
		return fmt.Errorf("sms: provider status %d", resp.StatusCode)
	case resp.StatusCode >= 300:
		return fmt.Errorf("%w: status %d %s", ErrRejected, resp.StatusCode, answer.Error)
	case answer.Error != "":
		return fmt.Errorf("%w: %s", ErrRejected, answer.Error)
	}
	return nil
}

// Console writes codes to the log instead of sending them: for the local
// demo, where no SMS provider is configured. The phone is masked.
type Console struct {
	Log *slog.Logger
}

// SendCode logs the code.
func (c Console) SendCode(ctx context.Context, phone, code string) error {
	masked := phone
	if len(phone) == 11 {
		masked = phone[:3] + "****" + phone[7:]
	}
	c.Log.InfoContext(ctx, "demo sms code (console sender: no SMS is sent)", "phone", masked, "code", code)
	return nil
}
