package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ErrRefused means WeChat will not deliver the message to this user: they
// have not subscribed to the template, or refused it (43101), or the
// template or its data are wrong (40003, 40037, 47003). Retrying does not
// help.
var ErrRefused = errors.New("wechat: subscribe message refused")

// Subscriber sends subscribe messages (订阅消息) through
// /cgi-bin/message/subscribe/send, with the access token of
// /cgi-bin/token kept until shortly before it expires and fetched again
// when WeChat says it is no longer valid.
type Subscriber struct {
	c     *Client
	mu    sync.Mutex
	token string
	until time.Time
	now   func() time.Time
}

// NewSubscriber builds a sender on the client's app id and secret.
func NewSubscriber(c *Client) *Subscriber { return &Subscriber{c: c, now: time.Now} }

// Send sends one subscribe message: data maps the template's fields
// (thing1, time2, ...) to values, page is the mini-program page it opens.
func (s *Subscriber) Send(ctx context.Context, openid, template, page string, data map[string]string) error {
	fields := map[string]map[string]string{}
	for k, v := range data {
		fields[k] = map[string]string{"value": v}
	}
	body, _ := json.Marshal(map[string]any{"touser": openid, "template_id": template, "page": page, "data": fields})
	for attempt := 0; ; attempt++ {
		token, err := s.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		code, err := s.post(ctx, "/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(token), body)
		if err != nil {
			return err
		}
		switch code {
		case 0:
			return nil
		case 40001, 42001, 40014: // the token expired or was replaced by another instance
			if attempt == 0 {
				continue
			}
			return fmt.Errorf("wechat: access token refused (%d)", code)
		case 43101, 40003, 40037, 47003:
			return fmt.Errorf("%w (%d)", ErrRefused, code)
		default:
			return fmt.Errorf("wechat: subscribe send errcode %d", code)
		}
	}
}

// accessToken is the kept token, or a new one when there is none, it is
// about to expire or fresh is asked for.
func (s *Subscriber) accessToken(ctx context.Context, fresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !fresh && s.token != "" && s.now().Before(s.until) {
		return s.token, nil
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {s.c.cfg.AppID}, "secret": {s.c.cfg.Secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(s.c.cfg.BaseURL, "/")+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("wechat: %w", err)
	}
	resp, err := s.c.http.Do(req)
	if err != nil {
		return "", errors.New("wechat: token request failed") // the URL carries the secret
	}
	defer resp.Body.Close()
	var r struct {
		Token   string `json:"access_token"`
		Expires int    `json:"expires_in"`
		ErrCode int    `json:"errcode"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&r); err != nil || r.Token == "" {
		return "", fmt.Errorf("wechat: no access token (status %d, errcode %d)", resp.StatusCode, r.ErrCode)
	}
	s.token = r.Token
	// Five minutes early: WeChat overlaps old and new tokens for five.
	s.until = s.now().Add(time.Duration(max(r.Expires-300, 60)) * time.Second)
	return s.token, nil
}

func (s *Subscriber) post(ctx context.Context, path string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.c.cfg.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("wechat: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.c.http.Do(req)
	if err != nil {
		return 0, errors.New("wechat: subscribe request failed") // the URL carries the token
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("wechat: subscribe status %d", resp.StatusCode)
	}
	var r struct {
		ErrCode int `json:"errcode"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&r); err != nil {
		return 0, errors.New("wechat: unreadable subscribe answer")
	}
	return r.ErrCode, nil
}
