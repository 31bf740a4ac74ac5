package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (a fresh profile, no network of its
// own) with a window of w x h; it ends with the test.
func browser(t *testing.T, exe string, w, h int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(w, h),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser outside the timeout
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// pages drives one browser tab for a test: screenshots numbered in the
// order taken (with a prefix), steps with a time limit each, the visible
// text of an element; a failure saves a screenshot and the page's HTML.
type pages struct {
	t      *testing.T
	ctx    context.Context
	dir    string
	prefix string
	limit  time.Duration
	n      int
}

// shot saves a full-page screenshot as PNG.
func (p *pages) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		p.n++
		buf, err := chromedp.FullScreenshot(100)(ctx, tg) // 100: PNG
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(p.dir, fmt.Sprintf("%s%02d-%s.png", p.prefix, p.n, name)), buf, 0o644)
	})
}

// failed ends the test with a screenshot and the page's HTML.
func (p *pages) failed(what string, err error) {
	p.t.Helper()
	sctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	chromedp.Do(sctx, p.shot("failed-"+strings.ReplaceAll(what, " ", "-")))
	html, _ := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("body")))
	p.t.Fatalf("%s: %v\npage: %s", what, err, html)
}

// run does a step's actions within the time limit.
func (p *pages) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	sctx, cancel := context.WithTimeout(p.ctx, p.limit)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		p.failed(what, err)
	}
}

// text is an element's visible text.
func (p *pages) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.failed("read "+sel, err)
	}
	return s
}

// until waits for a JavaScript condition across a page that reloads
// itself (a form that saves and reloads): an evaluation lost to the
// navigation is tried again, until the step's time limit.
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, tg)
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w (last: %v)", expr, ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}
