package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/captcha"
	"zhipai/internal/store"
	"zhipai/internal/web"
	"zhipai/internal/web/api"
)

// TestOpenAPIDocumentsEveryRoute: every route is in the document with its
// method, and the document lists nothing that is not served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, rt := range api.New(api.Config{}, api.Services{}, nil).Routes() {
		key := strings.ToLower(rt.Method) + " " + rt.Path
		served[key] = true
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, rt.Path)
			continue
		}
		var o struct {
			Summary   string                     `json:"summary"`
			Responses map[string]json.RawMessage `json:"responses"`
			Security  *[]any                     `json:"security"`
		}
		json.Unmarshal(op, &o)
		if o.Summary == "" || len(o.Responses) < 2 {
			t.Errorf("%s %s: document it with a summary, its answer and its errors", rt.Method, rt.Path)
		}
		if public := o.Security != nil && len(*o.Security) == 0; public == (rt.Auth || rt.Staff) {
			t.Errorf("%s %s: the document says public=%v, the route auth=%v", rt.Method, rt.Path, public, rt.Auth || rt.Staff)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !served[method+" "+path] {
				t.Errorf("the document lists %s %s, which is not served", method, path)
			}
		}
	}
}

type client struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
	hdr  map[string]string // sent with every request
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
}

// code checks an error answer: status, stable code, a message.
func (a answer) code(t testing.TB, status int, code string) {
	t.Helper()
	var e api.ErrorBody
	json.Unmarshal(a.body, &e)
	if a.status != status || e.Code != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d %s", a.status, a.body, status, code)
	}
	if strings.Contains(string(a.body), "goroutine") || strings.Contains(string(a.body), ".go:") {
		t.Fatalf("internal detail in %s", a.body)
	}
}

func (c *client) do(method, path string, body io.Reader, ctype string, hdr map[string]string) answer {
	c.t.Helper()
	return c.doTB(c.t, method, path, body, ctype, hdr)
}

// doTB is do reporting to t (a fuzz iteration's).
func (c *client) doTB(t testing.TB, method, path string, body io.Reader, ctype string, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for _, h := range []map[string]string{c.hdr, hdr} {
		for k, v := range h {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

func (c *client) json(method, path string, in any) answer {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	return c.do(method, path, body, "application/json", nil)
}

func newServer(t *testing.T, env *apptest.Env) (*httptest.Server, *web.Server) {
	return newServerForTB(t, env)
}

func newServerForTB(t testing.TB, env *apptest.Env) (*httptest.Server, *web.Server) {
	srv := web.New(api.New(api.Config{}, env.App.Services(), nil), env.App.Store.DB(), nil)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, srv
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, Timeout: time.Minute}}
}

// captcha fetches a sign-in challenge and answers it from its question in
// words (as a screen reader user would).
func (c *client) captcha() map[string]any {
	c.t.Helper()
	var v struct{ ID, Question string }
	if a := c.json("GET", "/api/v1/auth/captcha", nil); a.status != 200 {
		c.t.Fatalf("captcha: %d %s", a.status, a.body)
	} else {
		a.json(c.t, &v)
	}
	answer, ok := captcha.Solve(v.Question)
	if !ok {
		c.t.Fatalf("unreadable challenge %q", v.Question)
	}
	return map[string]any{"captcha_id": v.ID, "captcha_answer": answer}
}

// sendBody is an SMS send request with a passed challenge.
func (c *client) sendBody(phone string, agreed bool) map[string]any {
	b := c.captcha()
	b["phone"], b["agreed"] = phone, agreed
	return b
}

// signIn signs a browser in by SMS.
func signIn(t *testing.T, env *apptest.Env, base, phone string) *client {
	return signInTB(t, env, base, phone)
}

func signInTB(t testing.TB, env *apptest.Env, base, phone string) *client {
	c := newClient(t, base)
	if a := c.json("POST", "/api/v1/auth/sms/send", c.sendBody(phone, true)); a.status != 200 {
		t.Fatalf("send: %d %s", a.status, a.body)
	}
	a := c.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": phone, "code": env.SMS.Code(phone), "agreed": true})
	var in api.SignInBody
	a.json(t, &in)
	if a.status != 200 || in.CSRFToken == "" || in.Token != "" {
		t.Fatalf("verify: %d %s", a.status, a.body)
	}
	if ck := a.header.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Fatalf("session cookie %q", ck)
	}
	c.csrf = in.CSRFToken
	return c
}

func multipartPhoto(t *testing.T, data []byte) (io.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("name", "photo")
	fw, _ := w.CreateFormFile("file", "photo.png")
	fw.Write(data)
	w.Close()
	return &buf, w.FormDataContentType()
}

func waitDone(t *testing.T, c *client, id int64) map[string]any {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var up map[string]any
		c.json("GET", fmt.Sprintf("/api/v1/uploads/%d", id), nil).json(t, &up)
		if up["status"] == "done" || up["status"] == "failed" {
			return up
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("upload %d not processed", id)
	return nil
}

// TestPathOverHTTP walks the student path through the API as the browser
// does, with every error path of the issue on the way.
func TestPathOverHTTP(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{})
	ts, _ := newServer(t, env)
	cid := env.Demo.CampaignID
	cp := fmt.Sprintf("/api/v1/campaigns/%d", cid)

	anon := newClient(t, ts.URL)
	anon.json("GET", "/api/v1/me", nil).code(t, 401, "auth.required")
	anon.json("POST", cp+"/join", nil).code(t, 401, "auth.required")
	anon.json("POST", "/api/v1/auth/sms/send", map[string]any{"phone": "13800138000", "agreed": false}).code(t, 400, "auth.agreement_required")
	anon.do("POST", "/api/v1/auth/sms/send", strings.NewReader("{not json"), "application/json", nil).code(t, 400, "request.invalid")
	anon.json("POST", "/api/v1/auth/sms/send", map[string]any{"phone": "13800138000", "agreed": true}).code(t, 400, "auth.captcha_required")
	wrong := anon.sendBody("13800138000", true)
	wrong["captcha_answer"] = "99"
	anon.json("POST", "/api/v1/auth/sms/send", wrong).code(t, 400, "auth.captcha_wrong")
	anon.json("POST", "/api/v1/auth/sms/send", wrong).code(t, 400, "auth.captcha_expired") // one try per challenge
	anon.json("GET", "/api/v1/nowhere", nil).code(t, 404, "not_found")
	anon.json("GET", "/api/v1/join-codes/NOPE", nil).code(t, 404, "campaign.not_found")
	anon.json("GET", "/api/v1/campaigns/424242", nil).code(t, 404, "campaign.not_found")

	c := signIn(t, env, ts.URL, "13800138000")
	// The same code twice: used.
	anon.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": "13800138000", "code": env.SMS.Code("13800138000"), "agreed": true}).code(t, 400, "auth.code_used")
	// A second code within the minute: 429 with a retry hint.
	a := anon.json("POST", "/api/v1/auth/sms/send", anon.sendBody("13800138000", true))
	a.code(t, 429, "auth.sms_too_frequent")
	if a.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}

	// A change without the CSRF header is refused; so is one from another origin.
	noCSRF := *c
	noCSRF.csrf = ""
	noCSRF.json("POST", cp+"/join", nil).code(t, 403, "auth.csrf")
	c.do("POST", cp+"/join", nil, "", map[string]string{"Origin": "https://evil.example"}).code(t, 403, "auth.csrf")

	var st map[string]any
	c.json("POST", cp+"/join", nil).json(t, &st)
	if st["step"] != "consent" {
		t.Fatalf("after join: %v", st["step"])
	}
	c.json("PUT", cp+"/identity", map[string]string{"name": "张三", "doc_type": "resident_id", "doc_number": env.Demo.Student.DocNumber}).code(t, 403, "consent.required")
	var consent struct{ Version, Text string }
	c.json("GET", cp+"/consent", nil).json(t, &consent)
	if !strings.Contains(consent.Text, "撤回") {
		t.Fatalf("consent text %q", consent.Text)
	}
	c.json("POST", cp+"/consent", map[string]string{"version": consent.Version}).json(t, &st)

	doc := env.Demo.Student.DocNumber
	wrongCheck := doc[:17] + map[bool]string{true: "0", false: "1"}[doc[17] != '0']
	c.json("PUT", cp+"/identity", map[string]string{"name": "张三", "doc_type": "resident_id", "doc_number": wrongCheck}).code(t, 400, "identity.check_digit")
	c.json("PUT", cp+"/identity", map[string]string{"name": "张三", "doc_type": "resident_id", "doc_number": "110101200702300016"}).code(t, 400, "identity.birth_date")
	var idv map[string]string
	a = c.json("PUT", cp+"/identity", map[string]string{"name": "张三", "doc_type": "resident_id", "doc_number": doc})
	a.json(t, &idv)
	if a.status != 200 || strings.Contains(string(a.body), doc) || idv["doc_number"] != doc[:3]+"***********"+doc[14:] {
		t.Fatalf("identity answer %s", a.body)
	}

	front, back := apptest.Cards(t)
	c.do("PUT", cp+"/id-images/front", bytes.NewReader(back), "image/jpeg", nil).code(t, 422, "idcard.side")
	c.do("PUT", cp+"/id-images/front", bytes.NewReader([]byte("GIF89a......")), "image/gif", nil).code(t, 415, "photo.gif")
	if a := c.do("PUT", cp+"/id-images/front", bytes.NewReader(front), "image/jpeg", nil); a.status != 200 {
		t.Fatalf("front: %d %s", a.status, a.body)
	}
	// Asked to answer later: 202 at once, the check long-polled; the front
	// sent as the back is refused there with the code the request gives.
	var chk struct {
		ID       int64
		Status   string
		Findings json.RawMessage
		Error    *struct{ Code, Message string }
	}
	a = c.do("PUT", cp+"/id-images/back", bytes.NewReader(front), "image/jpeg", map[string]string{"Prefer": "respond-async"})
	a.json(t, &chk)
	if a.status != 202 || chk.Status != "checking" || string(chk.Findings) != "[]" || a.header.Get("Location") != fmt.Sprintf("/api/v1/id-checks/%d", chk.ID) {
		t.Fatalf("async back: %d %v %s", a.status, a.header, a.body)
	}
	for chk.Status == "checking" {
		c.json("GET", fmt.Sprintf("/api/v1/id-checks/%d?wait=20", chk.ID), nil).json(t, &chk)
	}
	if chk.Status != "refused" || chk.Error == nil || chk.Error.Code != "idcard.side" || chk.Error.Message == "" {
		t.Fatalf("front as the back, checked later: %+v", chk)
	}
	c.json("GET", "/api/v1/id-checks/999999", nil).code(t, 404, "not_found")
	var empty bytes.Buffer
	mw := multipart.NewWriter(&empty)
	mw.WriteField("name", "no file part")
	mw.Close()
	c.do("PUT", cp+"/id-images/back", &empty, mw.FormDataContentType(), nil).code(t, 400, "photo.empty")
	body, ctype := multipartPhoto(t, back)
	if a := c.do("PUT", cp+"/id-images/back", body, ctype, nil); a.status != 200 {
		t.Fatalf("back (multipart): %d %s", a.status, a.body)
	}
	var rec map[string]string
	a = c.json("POST", cp+"/match", nil)
	a.json(t, &rec)
	if a.status != 200 || rec["name"] != "张三" || strings.Contains(string(a.body), doc) {
		t.Fatalf("match: %s", a.body)
	}
	c.json("POST", cp+"/confirm", nil).json(t, &st)
	if st["step"] != "capture" {
		t.Fatalf("after confirm: %v", st["step"])
	}

	photo := apptest.Testdata(t, "astronaut.png")
	up := func(key string, data []byte, ctype string) answer {
		return c.do("POST", cp+"/uploads", bytes.NewReader(data), ctype, map[string]string{"Idempotency-Key": key})
	}
	up("", photo, "image/png").code(t, 400, "upload.idempotency_key")
	up("key-pdf-0001", []byte("%PDF-1.7 ..."), "application/pdf").code(t, 415, "photo.unsupported_format")
	up("key-big-0001", make([]byte, 30<<20+1), "image/jpeg").code(t, 413, "request.too_large")
	a = up("key-good-0001", photo, "image/png")
	if a.status != 202 || a.header.Get("Location") == "" {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	var u struct {
		ID int64 `json:"id"`
	}
	a.json(t, &u)
	retry := up("key-good-0001", photo, "image/png")
	var u2 struct {
		ID int64 `json:"id"`
	}
	retry.json(t, &u2)
	if retry.status != 200 || u2.ID != u.ID {
		t.Fatalf("retried upload: %d %s", retry.status, retry.body)
	}
	done := waitDone(t, c, u.ID)
	if done["can_submit"] != true || done["result_url"] == nil || done["preview_url"] == nil {
		t.Fatalf("processed: %v", done)
	}
	img := c.do("GET", done["result_url"].(string), nil, "", nil)
	if img.status != 200 || img.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(img.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("result image: %d %v", img.status, img.header)
	}

	// Someone else: 404, never the data.
	other := signIn(t, env, ts.URL, "13900139000")
	for _, p := range []string{fmt.Sprintf("/api/v1/uploads/%d", u.ID), done["result_url"].(string), done["preview_url"].(string)} {
		other.json("GET", p, nil).code(t, 404, "not_found")
	}
	other.json("POST", fmt.Sprintf("/api/v1/uploads/%d/submit", u.ID), nil).code(t, 404, "not_found")

	var sub struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	a = c.json("POST", fmt.Sprintf("/api/v1/uploads/%d/submit", u.ID), nil)
	a.json(t, &sub)
	if a.status != 201 || sub.State != "pending" {
		t.Fatalf("submit: %d %s", a.status, a.body)
	}
	c.json("POST", fmt.Sprintf("/api/v1/uploads/%d/submit", u.ID), nil).code(t, 409, "submit.already")
	other.json("GET", fmt.Sprintf("/api/v1/submissions/%d", sub.ID), nil).code(t, 404, "not_found")
	other.json("POST", fmt.Sprintf("/api/v1/submissions/%d/withdraw", sub.ID), nil).code(t, 404, "not_found")
	c.json("GET", "/api/v1/submissions/abc", nil).code(t, 404, "not_found")

	var me api.MeBody
	c.json("GET", "/api/v1/me", nil).json(t, &me)
	if len(me.Campaigns) != 1 || me.Campaigns[0].Step != "review" || me.PhoneMasked != "138****8000" || me.CSRFToken != c.csrf {
		t.Fatalf("me: %+v", me)
	}
	a = c.json("POST", fmt.Sprintf("/api/v1/submissions/%d/withdraw", sub.ID), nil)
	a.json(t, &sub)
	if a.status != 200 || sub.State != "withdrawn" {
		t.Fatalf("withdraw: %s", a.body)
	}
	c.json("POST", fmt.Sprintf("/api/v1/submissions/%d/withdraw", sub.ID), nil).code(t, 409, "withdraw.not_allowed")

	// Signing out ends the session.
	if a := c.json("POST", "/api/v1/auth/signout", nil); a.status != 204 {
		t.Fatalf("signout %d", a.status)
	}
	c.json("GET", "/api/v1/me", nil).code(t, 401, "auth.required")
}

// TestMatchLimitOverHTTP: wrong identities are refused with one message,
// then the attempts run out (429).
func TestMatchLimitOverHTTP(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	cp := fmt.Sprintf("/api/v1/campaigns/%d", env.Demo.CampaignID)
	c := signIn(t, env, ts.URL, "13700137000")
	c.json("POST", cp+"/join", nil)
	var consent struct{ Version string }
	c.json("GET", cp+"/consent", nil).json(t, &consent)
	c.json("POST", cp+"/consent", map[string]string{"version": consent.Version})
	s := app.DemoStudentAt(3)
	front, back := apptest.CardsFor(t, s.Name+"明", s.DocNumber) // a card, and a name, the roster does not have
	c.json("PUT", cp+"/identity", map[string]string{"name": s.Name + "明", "doc_type": "resident_id", "doc_number": s.DocNumber})
	c.do("PUT", cp+"/id-images/front", bytes.NewReader(front), "image/jpeg", nil)
	c.do("PUT", cp+"/id-images/back", bytes.NewReader(back), "image/jpeg", nil)
	var messages []string
	for i := 0; i < 5; i++ {
		a := c.json("POST", cp+"/match", nil)
		a.code(t, 422, "roster.no_match")
		var e api.ErrorBody
		a.json(t, &e)
		messages = append(messages, e.Message)
	}
	sort.Strings(messages)
	// One message for every failure; it lists what to check (name and
	// number alike), so it cannot tell which of them was wrong.
	if messages[0] != messages[4] || !strings.Contains(messages[0], "姓名") || !strings.Contains(messages[0], "证件号码") {
		t.Errorf("match failures must say one thing and never which field: %q", messages)
	}
	a := c.json("POST", cp+"/match", nil)
	a.code(t, 429, "roster.too_many_attempts")
	if a.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// TestWeChatOverHTTP: the mini-program signs in with its wx.login code and
// uses the bearer token; no CSRF is needed, no session_key is returned.
func TestWeChatOverHTTP(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	c := newClient(t, ts.URL)
	a := c.json("POST", "/api/v1/auth/wechat", map[string]string{"code": "wx-mini"})
	var in api.SignInBody
	a.json(t, &in)
	if a.status != 200 || in.Token == "" || bytes.Contains(a.body, []byte("SESSIONKEY")) || a.header.Get("Set-Cookie") != "" {
		t.Fatalf("wechat sign-in: %d %s %v", a.status, a.body, a.header)
	}
	mini := &client{t: t, base: ts.URL, c: &http.Client{}}
	bearer := map[string]string{"Authorization": "Bearer " + in.Token}
	if a := mini.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/join", env.Demo.CampaignID), nil, "", bearer); a.status != 200 {
		t.Fatalf("join with bearer: %d %s", a.status, a.body)
	}
	mini.do("GET", "/api/v1/me", nil, "", map[string]string{"Authorization": "Bearer nonsense"}).code(t, 401, "auth.required")
	c.json("POST", "/api/v1/auth/wechat", map[string]string{"code": "used"}).code(t, 401, "auth.wechat_code_invalid")
	c.json("POST", "/api/v1/auth/wechat", map[string]string{"code": "risky"}).code(t, 403, "auth.wechat_blocked")
}

func TestExpiredCodeOverHTTP(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	c := newClient(t, ts.URL)
	c.json("POST", "/api/v1/auth/sms/send", c.sendBody("13600136000", true))
	code := env.SMS.Code("13600136000")
	later := time.Now().Add(6 * time.Minute)
	env.App.SetClock(func() time.Time { return later })
	c.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": "13600136000", "code": code, "agreed": true}).code(t, 400, "auth.code_expired")
	c.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": "13600136001", "code": "123456", "agreed": true}).code(t, 400, "auth.code_expired")
	c.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": "12345", "code": "123456", "agreed": true}).code(t, 400, "auth.phone_invalid")
}

func TestHealthAndHeaders(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, srv := newServer(t, env)
	get := func(p string) *http.Response {
		r, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	if r := get("/healthz"); r.StatusCode != 503 {
		t.Fatalf("healthz before ready: %d", r.StatusCode)
	}
	if r := get("/readyz"); r.StatusCode != 503 {
		t.Fatalf("readyz before ready: %d", r.StatusCode)
	}
	srv.SetReady(true)
	if r := get("/healthz"); r.StatusCode != 200 {
		t.Fatalf("healthz: %d", r.StatusCode)
	}
	// Readiness also asks the blob store: a store that does not answer
	// takes the instance out of the balancer.
	blobDown := false
	srv.AddReadiness("blob", func(ctx context.Context) error {
		if blobDown {
			return errors.New("bucket unreachable")
		}
		return env.App.Blobs.Ping(ctx)
	})
	if r := get("/readyz"); r.StatusCode != 200 {
		t.Fatalf("readyz: %d", r.StatusCode)
	}
	blobDown = true
	if r := get("/readyz"); r.StatusCode != 503 {
		t.Fatalf("readyz with the bucket down: %d", r.StatusCode)
	}
	r := get("/")
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("page headers %v", r.Header)
	}
	for _, asset := range []string{"/assets/app.js", "/assets/app.css", "/api/openapi.json"} {
		if r := get(asset); r.StatusCode != 200 {
			t.Errorf("%s: %d", asset, r.StatusCode)
		}
	}
}

// TestPagesKeepToTheirRules: the student pages are Chinese, mobile first,
// open the rear camera and run no inline script (the CSP forbids it).
func TestPagesKeepToTheirRules(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	read := func(p string) string {
		r, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return string(b)
	}
	page, js := read("/"), read("/assets/app.js")
	if !strings.Contains(page, `lang="zh-CN"`) || !strings.Contains(page, `name="viewport"`) || regexp.MustCompile(`<script>[^<]`).MatchString(page) {
		t.Error("index.html: Chinese, viewport, no inline script")
	}
	for _, want := range []string{`capture: "environment"`, "allow_album", "Idempotency-Key", "X-CSRF-Token", "agree", "同意"} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js lacks %q", want)
		}
	}
	if strings.Contains(js, "innerHTML") {
		t.Error("app.js writes HTML from strings")
	}
	if strings.Contains(js, `checked: true`) {
		t.Error("a consent box starts ticked")
	}
}
