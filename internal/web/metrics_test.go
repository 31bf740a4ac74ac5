package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestMetrics: a request is measured by its route; refusals count by
// code; the queue depth comes from the counter at scrape time; a request
// from outside the private network, or through a proxy, gets nothing.
func TestMetrics(t *testing.T) {
	m := NewMetrics(nil, func(ctx context.Context) (map[[2]string]int, error) {
		return map[[2]string]int{{"photos", "available"}: 7}, nil
	})
	m.observe("GET /api/v1/me", 200, 0)
	m.Refused("upload.queue_full", 429)
	m.Photo(map[string]float64{"segment": 12, "total": 95}, "")
	m.Photo(map[string]float64{"detect": 5}, "face.none")
	m.Job("standardize_photo", "job_completed", 30*time.Millisecond, 120*time.Millisecond)
	h := m.handler()
	get := func(remote string, hdr map[string]string) (int, string) {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = remote
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(b)
	}
	code, body := get("127.0.0.1:5555", nil)
	for _, want := range []string{`zhipai_http_request_duration_seconds_count{route="GET /api/v1/me",status="2xx"} 1`,
		`zhipai_api_errors_total{code="upload.queue_full",status="429"} 1`, `zhipai_jobs{queue="photos",state="available"} 7`, "go_goroutines",
		`zhipai_photo_stage_seconds_count{stage="segment"} 1`, `zhipai_photos_total{outcome="produced"} 1`, `zhipai_photos_total{outcome="face.none"} 1`,
		`zhipai_job_run_seconds_count{kind="standardize_photo",outcome="job_completed"} 1`, `zhipai_job_wait_seconds_count{kind="standardize_photo"} 1`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics (%d) lack %s", code, want)
		}
	}
	if code, _ := get("203.0.113.9:5555", nil); code != http.StatusNotFound {
		t.Errorf("from the internet: %d", code)
	}
	if code, _ := get("127.0.0.1:5555", map[string]string{"X-Forwarded-For": "203.0.113.9"}); code != http.StatusNotFound {
		t.Errorf("through a proxy: %d", code)
	}
}
