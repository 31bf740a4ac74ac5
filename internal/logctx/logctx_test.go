package logctx

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestRequestIDReachesEveryLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil))).With("component", "x")
	ctx := WithRequestID(context.Background(), "abc123")
	log.InfoContext(ctx, "photo uploaded", "upload", 7)
	log.Info("no request")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "request=abc123") || !strings.Contains(lines[0], "component=x") || strings.Contains(lines[1], "request=") {
		t.Fatalf("log:\n%s", buf.String())
	}
}
