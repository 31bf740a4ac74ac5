package api_test

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"

	"zhipai/internal/app/apptest"
	"zhipai/internal/store"
	"zhipai/internal/web"
	"zhipai/internal/web/api"
)

// BenchmarkSignIn is one student's sign-in by SMS over HTTP on SQLite (a
// challenge, the code sent, the code given back), the first calls of the
// first-day rush, one student at a time: its CPU time per student is what
// bounds how fast a crowd of them is served. Each student comes from an
// address of its own, as behind a campus proxy.
//
//	go test -run x -bench SignIn -cpuprofile cpu.out ./internal/web/api
func BenchmarkSignIn(b *testing.B) {
	env := apptest.New(b, store.SQLite, apptest.Options{})
	srv := web.New(api.New(api.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, env.App.Services(), nil), env.App.Store.DB(), nil)
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	i := 0
	for b.Loop() {
		i++
		phone := fmt.Sprintf("139%08d", i)
		c := newClient(b, ts.URL)
		c.hdr = map[string]string{"X-Forwarded-For": fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
		if a := c.json("POST", "/api/v1/auth/sms/send", c.sendBody(phone, true)); a.status != 200 {
			b.Fatalf("send: %d %s", a.status, a.body)
		}
		if a := c.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": phone, "code": env.SMS.Code(phone), "agreed": true}); a.status != 200 {
			b.Fatalf("verify: %d %s", a.status, a.body)
		}
	}
}
