// Package web is Zhipai's HTTP server: the JSON API, the student pages and
// the health check behind one middleware chain (panic recovery, request
// log, security headers).
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"zhipai/internal/logctx"

	"zhipai/internal/web/api"
	"zhipai/internal/web/console"
	"zhipai/internal/web/student"
)

// Pinger tells whether the database answers.
type Pinger interface {
	PingContext(ctx context.Context) error
}

// Server serves everything.
type Server struct {
	handler http.Handler
	api     *api.API
	db      Pinger
	log     *slog.Logger
	ready   atomic.Bool
	hsts    atomic.Bool
	// checks are what readiness also asks (the blob store...).
	checks  map[string]func(context.Context) error
	metrics *Metrics
}

// New builds the server around the API.
//
// With metrics, requests are measured and GET /metrics serves them.
func New(a *api.API, db Pinger, log *slog.Logger, metrics ...*Metrics) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{api: a, db: db, log: log}
	if len(metrics) > 0 {
		s.metrics = metrics[0]
	}
	mux := http.NewServeMux()
	a.Register(mux)
	student.Register(mux)
	if st := a.Staff(); st != nil {
		console.Register(mux, st, a.Manage(), a.Review(), a.Tickets(), console.Env{ClientIP: a.ClientIP, PublicBase: a.PublicBase}, log)
	}
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics.handler())
	}
	s.handler = s.recover(s.logRequests(s.securityHeaders(mux)))
	return s
}

// SetHSTS makes browsers use HTTPS only, for a year (when students reach
// the server at an https:// public address).
func (s *Server) SetHSTS(on bool) { s.hsts.Store(on) }

// Handler is the whole server as a handler (tests).
func (s *Server) Handler() http.Handler { return s.handler }

// SetReady marks the server ready (the workers are running).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// AddReadiness adds a dependency /readyz checks (before serving).
func (s *Server) AddReadiness(name string, check func(context.Context) error) {
	if s.checks == nil {
		s.checks = map[string]func(context.Context) error{}
	}
	s.checks[name] = check
}

// readyz answers 200 when the server should get traffic: started (the
// models are loaded and the workers run), the database answers and every
// added dependency does (the blob store). A balancer takes an instance out
// while it says 503; the body names what failed, never why in detail.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	failed := []string{}
	if !s.ready.Load() {
		failed = append(failed, "starting")
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness: database", "error", err)
		failed = append(failed, "database")
	}
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.checks[n](ctx); err != nil {
			s.log.WarnContext(ctx, "readiness", "check", n, "error", err)
			failed = append(failed, n)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + strings.Join(failed, ", ") + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// healthz answers 200 once the server is ready and its database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.log.WarnContext(ctx, "health check: database", "error", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// Serve listens on addr until ctx ends, then drains requests for up to ten
// seconds. started is called with the bound address.
func (s *Server) Serve(ctx context.Context, addr string, started func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	if started != nil {
		started(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop taking work: readiness says no (the balancer stops sending),
	// waiting long-polls answer now, requests in flight (an upload being
	// received) finish; then the caller stops the workers.
	s.ready.Store(false)
	if s.api != nil {
		s.api.Drain()
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request by its route pattern (never the URL: no
// personal data reaches the log through it), status and duration.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var id [6]byte
		rand.Read(id[:])
		sw := &statusWriter{ResponseWriter: w}
		rid := hex.EncodeToString(id[:])
		w.Header().Set("X-Request-ID", rid)
		r = r.WithContext(logctx.WithRequestID(r.Context(), rid))
		next.ServeHTTP(sw, r)
		if s.metrics != nil {
			s.metrics.observe(r.Pattern, sw.status, time.Since(start))
		}
		if r.Pattern == "GET /healthz" || r.Pattern == "GET /metrics" || r.Pattern == "GET /readyz" {
			return
		}
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelError
		} else if r.Pattern != "" && r.Pattern[len(r.Pattern)-1] != '/' && sw.status >= 400 {
			level = slog.LevelInfo
		}
		s.log.Log(r.Context(), level, "request", "route", r.Pattern, "status", sw.status,
			"bytes", sw.bytes, "ms", time.Since(start).Milliseconds())
	})
}

// recover turns a panic into a 500 with the generic message; the stack
// goes to the log, never to the client.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "route", r.Pattern, "panic", v)
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"code":"internal","message":"服务器开小差了，请稍后重试；如多次失败请联系客服"}` + "\n"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders: pages run only their own scripts, are never framed,
// and leak no referrer; over HTTPS, browsers are told to keep to it.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if s.hsts.Load() {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}
