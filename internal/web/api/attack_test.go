package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/idnumber"
	"zhipai/internal/store"
	"zhipai/internal/web"
	"zhipai/internal/web/api"
)

// The attacks of the security review, each run against a real server on
// loopback, in bounded loops.

func newServerWith(t *testing.T, env *apptest.Env, cfg api.Config) (*httptest.Server, *web.Server) {
	srv := web.New(api.New(cfg, env.App.Services(), nil), env.App.Store.DB(), nil)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, srv
}

// behindProxy: the server trusts the loopback proxy in front of it; a
// client's address is what that proxy appends to X-Forwarded-For.
func behindProxy(t *testing.T, env *apptest.Env) *httptest.Server {
	ts, _ := newServerWith(t, env, api.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	return ts
}

// TestLoginCSRF: another web site's form posts (text/plain, the only kind
// a form can send to a JSON route without a preflight) to sms/send and
// sms/verify are refused, and no session cookie is set.
func TestLoginCSRF(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	c := newClient(t, ts.URL)
	body := `{"phone":"13800138000","agreed":true}`
	for _, path := range []string{"/api/v1/auth/sms/send", "/api/v1/auth/sms/verify", "/api/v1/auth/wechat"} {
		a := c.do("POST", path, strings.NewReader(body), "text/plain", map[string]string{"Origin": "https://evil.example"})
		a.code(t, 403, "auth.csrf")
		if a.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a cross-site post got a cookie", path)
		}
		c.do("POST", path, strings.NewReader(body), "application/json", map[string]string{"Sec-Fetch-Site": "cross-site"}).code(t, 403, "auth.csrf")
		c.do("POST", path, strings.NewReader(body), "application/json", map[string]string{"Origin": "null"}).code(t, 403, "auth.csrf")
		// Without an origin (not a browser), the body must still be JSON.
		c.do("POST", path, strings.NewReader(body), "text/plain", nil).code(t, 415, "request.content_type")
		c.do("POST", path, strings.NewReader("phone=13800138000&agreed=true"), "application/x-www-form-urlencoded", nil).code(t, 415, "request.content_type")
	}
	if n := env.SMS.Sent(); n != 0 {
		t.Fatalf("%d SMS sent by cross-site or non-JSON posts", n)
	}
	// The same request from this origin, with a passed challenge, works.
	u, _ := url.Parse(ts.URL)
	good, _ := json.Marshal(c.sendBody("13800138000", true))
	if a := c.do("POST", "/api/v1/auth/sms/send", bytes.NewReader(good), "application/json",
		map[string]string{"Origin": "http://" + u.Host, "Sec-Fetch-Site": "same-origin"}); a.status != 200 {
		t.Fatalf("same-origin send: %d %s", a.status, a.body)
	}
}

// TestStrangerCannotLockPhone: ten wrong verifies from a stranger (another
// client behind the proxy), with no code sent and then with one, leave the
// owner able to sign in.
func TestStrangerCannotLockPhone(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts := behindProxy(t, env)
	const phone = "13800138123"
	stranger, owner := newClient(t, ts.URL), newClient(t, ts.URL)
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	verify := func(c *client, ip, code string) answer {
		return c.do("POST", "/api/v1/auth/sms/verify", strings.NewReader(`{"phone":"`+phone+`","code":"`+code+`","agreed":true}`), "application/json", from(ip))
	}
	for range 10 {
		verify(stranger, "203.0.113.5", "000000").code(t, 400, "auth.code_expired")
	}
	send, _ := json.Marshal(owner.sendBody(phone, true))
	if a := owner.do("POST", "/api/v1/auth/sms/send", bytes.NewReader(send), "application/json", from("198.51.100.9")); a.status != 200 {
		t.Fatalf("owner's send: %d %s", a.status, a.body)
	}
	code := env.SMS.Code(phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 10 {
		if a := verify(stranger, "203.0.113.5", wrong); a.status != 400 && a.status != 429 {
			t.Fatalf("stranger's guess: %d %s", a.status, a.body)
		}
	}
	if a := verify(owner, "198.51.100.9", code); a.status != 200 {
		t.Fatalf("the owner is locked out: %d %s", a.status, a.body)
	}
}

// TestForgedForwardedFor: behind a trusted proxy the client address is
// what the proxy appended (the rightmost untrusted hop); whatever a client
// writes to the left of it does not change the limit's key. Wrong join
// codes from one client with a new forged address each time run into the
// limit all the same.
func TestForgedForwardedFor(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts := behindProxy(t, env)
	c := newClient(t, ts.URL)
	limited := false
	for i := range 30 {
		forged := netip.AddrFrom4([4]byte{10, 1, byte(i), 7}).String() + ", 192.0.2." + strconv.Itoa(i)
		a := c.do("GET", "/api/v1/join-codes/GUESS"+strconv.Itoa(i), nil, "", map[string]string{"X-Forwarded-For": forged + ", 198.51.100.20"})
		if a.status == 429 {
			a.code(t, 429, "campaign.too_many_attempts")
			if a.header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			limited = i == 20
			break
		}
		a.code(t, 404, "campaign.not_found")
	}
	if !limited {
		t.Fatal("forged X-Forwarded-For entries escaped the per-address limit of wrong join codes (20 a minute)")
	}
	// Another client (another address appended by the proxy) is not limited.
	c.do("GET", "/api/v1/join-codes/GUESSX", nil, "", map[string]string{"X-Forwarded-For": "198.51.100.21"}).code(t, 404, "campaign.not_found")
	// A peer that is not a trusted proxy is the client, whatever it claims.
	direct, _ := newServer(t, env)
	d := newClient(t, direct.URL)
	for range 21 {
		d.do("GET", "/api/v1/join-codes/NOPE", nil, "", map[string]string{"X-Forwarded-For": "198.51.100.99"})
	}
	d.do("GET", "/api/v1/join-codes/NOPE", nil, "", map[string]string{"X-Forwarded-For": "198.51.100.77"}).code(t, 429, "campaign.too_many_attempts")
}

// TestBearerIsForMiniProgramSessions: a browser session's token (from its
// cookie) sent as a bearer token does not get past the CSRF check.
func TestBearerIsForMiniProgramSessions(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	c := signIn(t, env, ts.URL, "13800138200")
	u, _ := url.Parse(ts.URL)
	var token string
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == api.CookieName {
			token = ck.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie")
	}
	bare := newClient(t, ts.URL)
	bare.do("POST", "/api/v1/campaigns/1/join", nil, "", map[string]string{"Authorization": "Bearer " + token}).code(t, 401, "auth.required")
	bare.do("GET", "/api/v1/me", nil, "", map[string]string{"Authorization": "Bearer " + token}).code(t, 401, "auth.required")
}

// TestHSTS: over an https public address the browser is told to keep to it.
func TestHSTS(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, srv := newServerWith(t, env, api.Config{SecureCookies: true, PublicURL: "https://zp.example"})
	c := newClient(t, ts.URL)
	if h := c.do("GET", "/api/v1/campaigns", nil, "", nil).header.Get("Strict-Transport-Security"); h != "" {
		t.Fatalf("HSTS before it was asked for: %q", h)
	}
	srv.SetHSTS(true)
	if h := c.do("GET", "/api/v1/campaigns", nil, "", nil).header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=31536000") {
		t.Fatalf("HSTS %q", h)
	}
}

// TestRosterAnswersAreNoOracle: claiming a roster row that another account
// holds answers exactly as a name and number that are not on the roster,
// so nobody learns who is on it; the claim is recorded for the school.
func TestRosterAnswersAreNoOracle(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	s := app.DemoStudentAt(2)
	toCapture(t, env, ts, s) // the row is bound to its owner
	answer := func(phone, name, doc string) answer {
		c := signIn(t, env, ts.URL, phone)
		cp := "/api/v1/campaigns/" + strconv.FormatInt(env.Demo.CampaignID, 10)
		c.json("POST", cp+"/join", nil)
		var consent struct{ Version string }
		c.json("GET", cp+"/consent", nil).json(t, &consent)
		c.json("POST", cp+"/consent", map[string]string{"version": consent.Version})
		c.json("PUT", cp+"/identity", map[string]string{"name": name, "doc_type": "resident_id", "doc_number": doc})
		// Their card is their own: it carries the typed name and number.
		front, back := apptest.CardsFor(t, name, doc)
		for side, img := range map[string][]byte{"front": front, "back": back} {
			if a := c.do("PUT", cp+"/id-images/"+side, bytes.NewReader(img), "image/jpeg", nil); a.status != 200 {
				t.Fatalf("%s of %s's own card: %d %s", side, name, a.status, a.body)
			}
		}
		return c.json("POST", cp+"/match", nil)
	}
	// A name and number on the roster but under another name, and ones
	// not on it, answer alike.
	wrongName := answer("13900139101", "赵无名", s.DocNumber)
	absent := answer("13900139102", "赵无名", "11010120070101999"+string(idnumber.CheckChar("11010120070101999")))
	if wrongName.status != 422 || wrongName.status != absent.status || string(wrongName.body) != string(absent.body) {
		t.Fatalf("a row under another name answers %d %s, a missing one %d %s", wrongName.status, wrongName.body, absent.status, absent.body)
	}
	// Typing a bound row's name and number with another card gets no
	// further than the card.
	c := signIn(t, env, ts.URL, "13900139103")
	cp := "/api/v1/campaigns/" + strconv.FormatInt(env.Demo.CampaignID, 10)
	c.json("POST", cp+"/join", nil)
	var consent struct{ Version string }
	c.json("GET", cp+"/consent", nil).json(t, &consent)
	c.json("POST", cp+"/consent", map[string]string{"version": consent.Version})
	c.json("PUT", cp+"/identity", map[string]string{"name": s.Name, "doc_type": "resident_id", "doc_number": s.DocNumber})
	front, _ := apptest.Cards(t)
	c.do("PUT", cp+"/id-images/front", bytes.NewReader(front), "image/jpeg", nil).code(t, 422, "idcard.number_mismatch")
	// The row's own card: the claim is the school's to settle.
	taken := answer("13900139104", s.Name, s.DocNumber)
	taken.code(t, 409, "roster.claimed")
	if cases, _ := env.App.Store.OpenSupportCases(context.Background(), env.Demo.CampaignID); len(cases) != 1 {
		t.Fatalf("support cases %+v", cases)
	}
}

// TestStalledBodiesHoldNothing: 50 connections that announce 31.5 MB and
// send 3 bytes allocate nothing from the announcement; a student has at
// most two photo bodies in flight (the rest are refused at once), and a
// body that stalls is dropped after the idle time.
func TestStalledBodiesHoldNothing(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServerWith(t, env, api.Config{PhotoIdle: 700 * time.Millisecond})
	u, _ := url.Parse(ts.URL)
	type user struct{ cookie, csrf string }
	var users []user
	for i := range 10 {
		c := signIn(t, env, ts.URL, "1360013"+fmt.Sprintf("%04d", i))
		for _, ck := range c.c.Jar.Cookies(u) {
			if ck.Name == api.CookieName {
				users = append(users, user{ck.Value, c.csrf})
			}
		}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	type result struct {
		status int
		after  time.Duration
	}
	results := make(chan result, 50)
	start := time.Now()
	for i := range 50 {
		us := users[i%len(users)]
		go func() {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				results <- result{-1, 0}
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /api/v1/campaigns/%d/uploads HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nX-CSRF-Token: %s\r\nIdempotency-Key: stalled-%04d\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\nabc",
				env.Demo.CampaignID, u.Host, api.CookieName, us.cookie, us.csrf, i, 30<<20) // 31.5 MB, the limit
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				results <- result{0, time.Since(start)} // dropped without an answer
				return
			}
			resp.Body.Close()
			results <- result{resp.StatusCode, time.Since(start)}
		}()
	}
	time.Sleep(300 * time.Millisecond) // every connection has sent its 3 bytes
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	if grew := int64(during.HeapInuse) - int64(before.HeapInuse); grew > 16<<20 {
		t.Errorf("50 stalled bodies grew the heap by %d MB", grew>>20)
	}
	refused, dropped := 0, 0
	for range 50 {
		r := <-results
		switch {
		case r.status == 429 && r.after < 500*time.Millisecond:
			refused++ // a third body of the same student: at once
		case r.status == 0 || r.status == 400 || r.status == 422:
			dropped++ // stalled: cut off after the idle time
			if r.after > 5*time.Second {
				t.Errorf("a stalled body was held for %s", r.after)
			}
		default:
			t.Errorf("stalled body: status %d after %s", r.status, r.after)
		}
	}
	if refused != 30 || dropped != 20 {
		t.Fatalf("%d refused at once, %d dropped when stalled; want 30 and 20", refused, dropped)
	}
}

// TestPhotoWorkIsLimitedPerStudent: ID-card PUTs and uploads are counted
// per student whatever becomes of them: the 21st in an hour is refused
// before any photo work.
func TestPhotoWorkIsLimitedPerStudent(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	c := signIn(t, env, ts.URL, "13600136100")
	cp := "/api/v1/campaigns/" + strconv.FormatInt(env.Demo.CampaignID, 10)
	for i := range 21 {
		a := c.do("PUT", cp+"/id-images/front", strings.NewReader("GIF89a...."), "image/gif", nil)
		if i < 20 && a.status == 429 {
			t.Fatalf("ID-card PUT %d refused: %s", i, a.body)
		}
		if i == 20 {
			a.code(t, 429, "idcard.too_frequent")
		}
	}
	for i := range 21 {
		a := c.do("POST", cp+"/uploads", strings.NewReader("GIF89a...."), "image/gif", map[string]string{"Idempotency-Key": fmt.Sprintf("limit-key-%04d", i)})
		if i < 20 && a.status == 429 {
			t.Fatalf("upload %d refused: %s", i, a.body)
		}
		if i == 20 {
			a.code(t, 429, "upload.too_frequent")
		}
	}
}
