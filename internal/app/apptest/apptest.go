// Package apptest builds a whole Zhipai (store, queue, blobs, models,
// service) for tests, on SQLite or PostgreSQL, with the demo school seeded
// and the outside world replaced by local servers: an SMS gateway that
// keeps the codes it is asked to send, and a WeChat code2Session that
// knows a few codes.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"zhipai/internal/logctx"

	"zhipai/internal/app"
	"zhipai/internal/config"
	"zhipai/internal/job"
	"zhipai/internal/raster"
	"zhipai/internal/sms"
	"zhipai/internal/store"
	"zhipai/internal/store/storetest"
)

// Env is a running test installation.
type Env struct {
	App    *app.App
	Demo   app.Demo
	Config config.Config
	SMS    *SMSGateway
	WeChat *httptest.Server
	// WeChatAPI is the fake behind WeChat: what it was sent.
	WeChatAPI *FakeWeChat
	Dir       string
}

// Options adjust an Env.
type Options struct {
	Config func(*config.Config)
	Job    func(*job.Config)
	// NoWorkers leaves the queue stopped (Start starts it).
	NoWorkers bool
	// Share makes a second instance of another Env: same database, same
	// data directory, same key, its own process state.
	Share *Env
}

// New builds an Env on the engine; everything is closed when the test ends.
func New(t testing.TB, d store.Dialect, o Options) *Env {
	t.Helper()
	e := &Env{Dir: t.TempDir(), SMS: NewSMSGateway(t)}
	e.WeChatAPI = &FakeWeChat{}
	e.WeChat = httptest.NewServer(e.WeChatAPI)
	t.Cleanup(e.WeChat.Close)
	e.Config = config.Config{
		PhotoWorkers: 2, Addr: "127.0.0.1:0", DataDir: e.Dir, DatabaseURL: storetest.URL(t, d),
		SecretKey: strings.Repeat("ab", 32), SecretKeyFile: filepath.Join(e.Dir, "secret.key"),
		QueueLimit: 256, SessionTTL: time.Hour, MemoryMB: 1024, UndoWindow: 2 * time.Minute,
		SMS:    config.SMS{Provider: "http", URL: e.SMS.URL, Key: SMSKey, Template: "SMS_1", Sign: "智拍"},
		WeChat: config.WeChat{AppID: "wxtest", Secret: "wxsecret", BaseURL: e.WeChat.URL},
	}
	if o.Share != nil {
		e.Config.DatabaseURL, e.Config.DataDir, e.Config.SecretKeyFile = o.Share.Config.DatabaseURL, o.Share.Config.DataDir, o.Share.Config.SecretKeyFile
		e.SMS, e.Dir = o.Share.SMS, o.Share.Dir
		e.Config.SMS.URL = o.Share.SMS.URL
	}
	if o.Config != nil {
		o.Config(&e.Config)
	}
	if err := e.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var err error
	tune := func(c *job.Config) {
		c.PollInterval = 50 * time.Millisecond
		if o.Job != nil {
			o.Job(c)
		}
	}
	log := slog.New(logctx.Handler(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if e.App, err = app.Open(ctx, e.Config, log, tune); err != nil {
		t.Fatalf("apptest: open: %v", err)
	}
	t.Cleanup(func() { e.App.Close() })
	if e.Demo, err = app.SeedDemo(ctx, e.App); err != nil {
		t.Fatalf("apptest: seed: %v", err)
	}
	if !o.NoWorkers {
		e.Start(t)
	}
	return e
}

// Start runs the queue's workers.
func (e *Env) Start(t testing.TB) {
	t.Helper()
	if err := e.App.Start(context.Background()); err != nil {
		t.Fatalf("apptest: start workers: %v", err)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// SMSGateway is a local SMS provider: it keeps each code it is asked to
// send (sms.Gateway behind a test server).
type SMSGateway struct {
	*sms.Gateway
	URL string
}

// SMSKey is the key the gateway expects (ZHIPAI_SMS_KEY).
const SMSKey = "test-key"

// NewSMSGateway starts a gateway for the test.
func NewSMSGateway(t testing.TB) *SMSGateway {
	g := &sms.Gateway{Key: SMSKey}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return &SMSGateway{Gateway: g, URL: srv.URL}
}

// FakeWeChat is a local WeChat API: code2Session, access tokens and
// subscribe messages, which it keeps. Openids starting "o-refuse" have not
// subscribed (43101).
type FakeWeChat struct {
	mu       sync.Mutex
	tokens   int
	messages []WeChatMessage
}

// WeChatMessage is a subscribe message taken.
type WeChatMessage struct {
	ToUser, Template, Page string
	Data                   map[string]map[string]string
}

// Messages are the subscribe messages taken so far.
func (f *FakeWeChat) Messages() []WeChatMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]WeChatMessage(nil), f.messages...)
}

func (f *FakeWeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/cgi-bin/token":
		if q.Get("appid") != "wxtest" || q.Get("secret") != "wxsecret" || q.Get("grant_type") != "client_credential" {
			fmt.Fprint(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
			return
		}
		f.mu.Lock()
		f.tokens++
		n := f.tokens
		f.mu.Unlock()
		fmt.Fprintf(w, `{"access_token":"TOKEN-%d","expires_in":7200}`, n)
		return
	case "/cgi-bin/message/subscribe/send":
		var m struct {
			ToUser   string                       `json:"touser"`
			Template string                       `json:"template_id"`
			Page     string                       `json:"page"`
			Data     map[string]map[string]string `json:"data"`
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case q.Get("access_token") != fmt.Sprintf("TOKEN-%d", f.tokens):
			fmt.Fprint(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
		case json.NewDecoder(r.Body).Decode(&m) != nil || m.Template == "":
			fmt.Fprint(w, `{"errcode":47001,"errmsg":"data format error"}`)
		case strings.HasPrefix(m.ToUser, "o-refuse"):
			fmt.Fprint(w, `{"errcode":43101,"errmsg":"user refuse to accept the msg"}`)
		default:
			f.messages = append(f.messages, WeChatMessage{m.ToUser, m.Template, m.Page, m.Data})
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
		}
		return
	}
	if r.URL.Path != "/sns/jscode2session" || q.Get("appid") != "wxtest" || q.Get("secret") != "wxsecret" {
		fmt.Fprint(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
		return
	}
	code := q.Get("js_code")
	switch {
	case strings.HasPrefix(code, "wx-"):
		fmt.Fprintf(w, `{"openid":"o-%s","session_key":"SESSIONKEY-%s"}`, strings.TrimPrefix(code, "wx-"), code)
	case code == "risky":
		fmt.Fprint(w, `{"errcode":40226,"errmsg":"high risk"}`)
	case code == "busy":
		fmt.Fprint(w, `{"errcode":-1,"errmsg":"system busy"}`)
	default:
		fmt.Fprint(w, `{"errcode":40029,"errmsg":"invalid code"}`)
	}
}

// Root is the repository's root (for testdata).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Testdata reads a committed fixture.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(), "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// EvalDir is where the evaluation photos are: ZHIPAI_EVAL_DATA, or
// ../shared/data/photos beside the repository.
func EvalDir() string {
	if dir := os.Getenv("ZHIPAI_EVAL_DATA"); dir != "" {
		return dir
	}
	return filepath.Join(Root(), "..", "shared", "data", "photos")
}

// Astronaut is the public-domain portrait in testdata, decoded.
func Astronaut(t testing.TB) *raster.Image {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(Testdata(t, "astronaut.png")))
	if err != nil {
		t.Fatal(err)
	}
	return raster.FromImage(m)
}

// Cards renders the photos of the first demo student's specimen identity
// card (front, back).
func Cards(t testing.TB) (front, back []byte) {
	t.Helper()
	return CardsFor(t, app.DemoStudentAt(0).Name, app.DemoStudentAt(0).DocNumber)
}

// CardsFor renders the photos of a specimen card with this name and
// number; the first demo student's are rendered once per test binary.
func CardsFor(t testing.TB, name, number string) (front, back []byte) {
	t.Helper()
	cards.Lock()
	defer cards.Unlock()
	key := name + "/" + number
	if c, ok := cards.made[key]; ok {
		return c[0], c[1]
	}
	front, back, err := app.DemoCardPhotos(Astronaut(t), app.CardPerson(name, number))
	if err != nil {
		t.Fatal(err)
	}
	if cards.made == nil {
		cards.made = map[string][2][]byte{}
	}
	cards.made[key] = [2][]byte{front, back}
	return front, back
}

var cards struct {
	sync.Mutex
	made map[string][2][]byte
}
