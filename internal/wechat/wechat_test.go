package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fake answers code2Session as WeChat does, by code.
func fake(t *testing.T, calls *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		if r.URL.Path != "/sns/jscode2session" || q.Get("appid") != "wxapp" || q.Get("secret") != "s3cret" || q.Get("grant_type") != "authorization_code" {
			t.Errorf("unexpected request %s", r.URL)
		}
		switch q.Get("js_code") {
		case "good":
			fmt.Fprint(w, `{"openid":"o-123","session_key":"SK","unionid":"u-1"}`)
		case "used":
			fmt.Fprint(w, `{"errcode":40029,"errmsg":"invalid code"}`)
		case "risky":
			fmt.Fprint(w, `{"errcode":40226,"errmsg":"high risk"}`)
		case "limit":
			fmt.Fprint(w, `{"errcode":45011,"errmsg":"freq limit"}`)
		case "busy-once":
			if calls.Load() == 1 {
				fmt.Fprint(w, `{"errcode":-1,"errmsg":"system busy"}`)
				return
			}
			fmt.Fprint(w, `{"openid":"o-busy","session_key":"SK"}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
}

func TestCode2Session(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code   string
		openid string
		err    error
	}{
		{"good", "o-123", nil},
		{"used", "", ErrInvalidCode},
		{"risky", "", ErrBlocked},
		{"limit", "", ErrRateLimited},
		{"busy-once", "o-busy", nil},
		{"broken", "", ErrBusy},
		{"", "", ErrInvalidCode},
	} {
		var calls atomic.Int32
		srv := fake(t, &calls)
		c, err := New(Config{AppID: "wxapp", Secret: "s3cret", BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		id, err := c.Code2Session(context.Background(), tc.code)
		srv.Close()
		if id.OpenID != tc.openid || !errors.Is(err, tc.err) && !(tc.err == nil && err == nil) {
			t.Errorf("%q: %+v %v", tc.code, id, err)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "SK")) {
			t.Errorf("%q: secret in error %v", tc.code, err)
		}
	}
}
