package api_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"zhipai/internal/app/apptest"
	"zhipai/internal/logctx"
	"zhipai/internal/store"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRequestIDReachesServiceLogs: a line the service logs while serving
// a request carries the id the client got in X-Request-ID.
func TestRequestIDReachesServiceLogs(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	var buf lockedBuffer
	env.App.Auth.Log = slog.New(logctx.Handler(slog.NewTextHandler(&buf, nil)))
	ts, _ := newServer(t, env)
	c := newClient(t, ts.URL)
	c.json("POST", "/api/v1/auth/sms/send", c.sendBody("13600136000", true))
	a := c.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": "13600136000", "code": env.SMS.Code("13600136000"), "agreed": true})
	rid := a.header.Get("X-Request-ID")
	if a.status != 200 || rid == "" {
		t.Fatalf("verify: %d, request id %q", a.status, rid)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "signed in") {
			if !strings.Contains(line, "request="+rid) {
				t.Fatalf("service log without the request id %s: %s", rid, line)
			}
			return
		}
	}
	t.Fatalf("no sign-in line in the service log:\n%s", buf.String())
}
