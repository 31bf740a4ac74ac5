package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHTTPSendsTheCode(t *testing.T) {
	t.Parallel()
	var got request
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		json.NewDecoder(r.Body).Decode(&got)
		w.Write([]byte(`{"id":"msg-1"}`))
	}))
	defer srv.Close()
	s, err := NewHTTP(HTTPConfig{URL: srv.URL, Key: "k", Template: "T1", Sign: "智拍"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendCode(context.Background(), "13800138000", "123456"); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer k" || got.Phone != "13800138000" || got.Template != "T1" || got.Sign != "智拍" || got.Params["code"] != "123456" {
		t.Errorf("provider got %+v auth %q", got, auth)
	}
}

func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status   int
		body     string
		rejected bool
	}{
		"quota":        {http.StatusTooManyRequests, `{"error":"quota"}`, true},
		"error in 200": {http.StatusOK, `{"error":"blacklisted"}`, true},
		"server down":  {http.StatusBadGateway, ``, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		s, _ := NewHTTP(HTTPConfig{URL: srv.URL, Template: "T"})
		err := s.SendCode(context.Background(), "13800138000", "1")
		srv.Close()
		if err == nil || errors.Is(err, ErrRejected) != tc.rejected {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewHTTP(HTTPConfig{}); err == nil {
		t.Error("empty config accepted")
	}
}

func TestConsoleMasksThePhone(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := Console{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	c.SendCode(context.Background(), "13800138000", "654321")
	if strings.Contains(buf.String(), "13800138000") || !strings.Contains(buf.String(), "138****8000") || !strings.Contains(buf.String(), "654321") {
		t.Errorf("log %q", buf.String())
	}
}

func TestGatewayKeepsCodesFromTheHTTPSender(t *testing.T) {
	t.Parallel()
	g := &Gateway{Key: "k"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	ok, _ := NewHTTP(HTTPConfig{URL: srv.URL, Key: "k", Template: "T"})
	if err := ok.SendCode(context.Background(), "13800138000", "424242"); err != nil {
		t.Fatal(err)
	}
	wrongKey, _ := NewHTTP(HTTPConfig{URL: srv.URL, Key: "x", Template: "T"})
	if err := wrongKey.SendCode(context.Background(), "13900139000", "1"); !errors.Is(err, ErrRejected) {
		t.Errorf("a sender without the key: %v", err)
	}
	if g.Code("13800138000") != "424242" || g.Code("13900139000") != "" || g.Sent() != 1 {
		t.Errorf("kept %q, %d sent", g.Code("13800138000"), g.Sent())
	}
}
