package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"zhipai/internal/logctx"

	"zhipai/internal/app"
	"zhipai/internal/config"
	"zhipai/internal/memceil"
	"zhipai/internal/web"
	"zhipai/internal/web/api"
)

// newLogger writes text logs to w at ZHIPAI_LOG_LEVEL (info by default),
// or JSON with ZHIPAI_LOG_FORMAT=json.
func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	level.UnmarshalText([]byte(os.Getenv("ZHIPAI_LOG_LEVEL")))
	opts := &slog.HandlerOptions{Level: level}
	if os.Getenv("ZHIPAI_LOG_FORMAT") == "json" {
		return slog.New(logctx.Handler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(logctx.Handler(slog.NewTextHandler(w, opts)))
}

// withApp runs a command's work on the opened application and closes it;
// a failure to open ends the command.
func withApp(stderr io.Writer, fn func(ctx context.Context, a *app.App) int) int {
	ctx := context.Background()
	a, err := openApp(ctx, newLogger(io.Discard))
	if err != nil {
		return fail(stderr, err)
	}
	defer a.Close()
	return fn(ctx, a)
}

// openApp loads the configuration and opens everything.
func openApp(ctx context.Context, log *slog.Logger) (*app.App, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, usageError{err}
	}
	return app.Open(ctx, cfg, log)
}

func runServe(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: zhipai serve   (configured by ZHIPAI_* environment variables; see README)")
		return exitUsage
	}
	log := newLogger(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := openApp(ctx, log)
	if err != nil {
		return fail(stderr, err)
	}
	defer a.Close()
	// The Go heap gets what the C libraries leave of the ceiling.
	memceil.Hold(ctx, int64(a.Config.MemoryMB)<<20, log)
	log.Info("starting", a.Config.Redacted()...)
	if a.Config.SMS.Provider == "console" {
		log.Warn("SMS codes are printed to this log and no SMS is sent: for the local demo only (ZHIPAI_SMS_PROVIDER=console)")
	}
	metrics := web.NewMetrics(a.Store.DB(), func(ctx context.Context) (map[[2]string]int, error) {
		list, err := a.Store.JobCounts(ctx)
		out := map[[2]string]int{}
		for _, c := range list {
			out[[2]string{c.Queue, c.State}] = c.N
		}
		return out, err
	})
	srv := web.New(api.New(api.Config{SecureCookies: a.Config.SecureCookies(), PublicURL: a.Config.PublicURL, TrustedProxies: a.Config.TrustedProxies,
		Refused: metrics.Refused}, a.Services(), log), a.Store.DB(), log, metrics)
	srv.SetHSTS(a.Config.SecureCookies())
	srv.AddReadiness("blob", a.Blobs.Ping)
	a.Capture.SetObserver(metrics)
	a.Queue.Observe(ctx, metrics)
	if err := a.Start(ctx); err != nil {
		return fail(stderr, err)
	}
	go prune(ctx, a, log)
	err = srv.Serve(ctx, a.Config.Addr, func(addr net.Addr) {
		srv.SetReady(true)
		log.Info("listening", "addr", addr.String())
		fmt.Fprintf(stdout, "Zhipai is running at %s (Ctrl-C stops it)\n", browserURL(a.Config, addr))
	})
	if err != nil {
		return fail(stderr, err)
	}
	log.Info("stopped")
	return exitOK
}

// browserURL is where a newcomer points a browser.
func browserURL(cfg config.Config, addr net.Addr) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + "/"
}

// prune drops expired rate-limit events every hour.
func prune(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.Auth.Prune(ctx); err != nil && ctx.Err() == nil {
			log.Warn("prune failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
