// Package wechat signs mini-program users in: the code from wx.login is
// exchanged for the user's openid through code2Session. The session_key
// WeChat returns stays on the server side of this package: it is neither
// returned to callers nor stored, since Zhipai decrypts no WeChat data.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Errors of code2Session (requirements AU-1).
var (
	ErrInvalidCode = errors.New("wechat: invalid or used login code (40029)")
	ErrRateLimited = errors.New("wechat: too many logins for this user (45011)")
	ErrBlocked     = errors.New("wechat: high-risk user blocked (40226)")
	ErrBusy        = errors.New("wechat: system busy (-1)")
)

// Config configures the client.
type Config struct {
	AppID, Secret string
	BaseURL       string // https://api.weixin.qq.com, or a test server
	Timeout       time.Duration
}

// Client calls the WeChat API.
type Client struct {
	cfg  Config
	http *http.Client
}

// New builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.AppID == "" || cfg.Secret == "" || cfg.BaseURL == "" {
		return nil, errors.New("wechat: appid, secret and base URL are required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &Client{cfg: cfg, http: &http.Client{Timeout: cfg.Timeout}}, nil
}

// Identity is who signed in.
type Identity struct {
	OpenID  string
	UnionID string // only when the mini-program is bound to an Open Platform account
}

// Code2Session exchanges a wx.login code; a busy answer is retried once.
func (c *Client) Code2Session(ctx context.Context, code string) (Identity, error) {
	if code == "" || len(code) > 128 {
		return Identity{}, ErrInvalidCode
	}
	id, err := c.code2Session(ctx, code)
	if errors.Is(err, ErrBusy) {
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return Identity{}, ctx.Err()
		}
		id, err = c.code2Session(ctx, code)
	}
	return id, err
}

func (c *Client) code2Session(ctx context.Context, code string) (Identity, error) {
	q := url.Values{"appid": {c.cfg.AppID}, "secret": {c.cfg.Secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	u := strings.TrimRight(c.cfg.BaseURL, "/") + "/sns/jscode2session?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Identity{}, fmt.Errorf("wechat: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL carries the secret: never wrap the raw error text.
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		return Identity{}, fmt.Errorf("%w: request failed", ErrBusy)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Identity{}, fmt.Errorf("%w: status %d", ErrBusy, resp.StatusCode)
	}
	var r struct {
		OpenID     string `json:"openid"`
		SessionKey string `json:"session_key"`
		UnionID    string `json:"unionid"`
		ErrCode    int    `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&r); err != nil {
		return Identity{}, fmt.Errorf("%w: unreadable answer", ErrBusy)
	}
	switch r.ErrCode {
	case 0:
	case 40029, 40163:
		return Identity{}, ErrInvalidCode
	case 45011:
		return Identity{}, ErrRateLimited
	case 40226:
		return Identity{}, ErrBlocked
	case -1:
		return Identity{}, ErrBusy
	default:
		return Identity{}, fmt.Errorf("wechat: code2Session errcode %d", r.ErrCode)
	}
	if r.OpenID == "" {
		return Identity{}, fmt.Errorf("wechat: code2Session returned no openid")
	}
	return Identity{OpenID: r.OpenID, UnionID: r.UnionID}, nil
}
