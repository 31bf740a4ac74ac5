package benchflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/captcha"
	"zhipai/internal/sms"
)

// call sends one request; kind names its latency bucket. 429 is waited
// out as a browser does (and counted).
func (c *benchClient) call(kind, method, path string, body []byte, ctype string, hdr map[string]string, out any) (int, error) {
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequest(method, c.b.base+path, bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if c.csrf != "" && method != "GET" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
		if c.b.lb != nil {
			// The student's own phone, as the balancer will say.
			req.Header.Set("X-Bench-Client", c.addr)
		} else {
			// In process, the loopback stands in for the balancer.
			req.Header.Set("X-Forwarded-For", c.addr)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		t := time.Now()
		resp, err := c.c.Do(req)
		if err == nil && c.b.lb != nil && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable) && attempt < 5 {
			// The instance died under the request: a browser retries (an
			// upload with the same idempotency key).
			resp.Body.Close()
			c.b.retry.Add(1)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		if err != nil {
			return 0, err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.b.requests.Add(1)
		c.b.record(kind, time.Since(t))
		if kind == "api" {
			phase := "api-rush"
			if c.carded {
				phase = "api-busy"
			}
			c.b.record(phase, time.Since(t))
		}
		c.b.record("route "+method+" "+routeOf(path), time.Since(t))
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 10 {
			c.b.waited429.Add(1)
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(1, wait)) * time.Second)
			continue
		}
		if resp.StatusCode >= 300 {
			return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
		return resp.StatusCode, nil
	}
}

// cards sends both sides of the student's ID card and waits for their
// checks: as the web app does, both sent at once with Prefer:
// respond-async and their answers long-polled; or, with SyncCards, each
// checked in its upload request. The time to both answers is the card
// answer.
func (c *benchClient) cards(cp string, front, back []byte) error {
	t := time.Now()
	defer func() { c.b.record("cardanswer", time.Since(t)) }()
	c.carded = true
	type check struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
		Error  *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	var checks [2]check
	for i, side := range []struct {
		name string
		data []byte
	}{{"front", front}, {"back", back}} {
		var hdr map[string]string
		var out any
		if !c.b.syncCards {
			hdr, out = map[string]string{"Prefer": "respond-async"}, &checks[i]
		}
		if _, err := c.call("idcard", "PUT", cp+"/id-images/"+side.name, side.data, "image/jpeg", hdr, out); err != nil {
			return err
		}
	}
	if c.b.syncCards { // checked in the requests
		return nil
	}
	for _, k := range checks {
		for k.Status == "checking" {
			if err := c.json("cardwait", "GET", "/api/v1/id-checks/"+strconv.FormatInt(k.ID, 10)+"?wait=25", nil, &k); err != nil {
				return err
			}
		}
		if k.Status != "accepted" {
			code := ""
			if k.Error != nil {
				code = k.Error.Code
			}
			return fmt.Errorf("card check %d: %s %s", k.ID, k.Status, code)
		}
	}
	return nil
}

// pause is a person's time between two steps: reading, typing, tapping.
func (b *flowBench) pause() {
	if b.think > 0 {
		time.Sleep(time.Duration((0.5 + rand.Float64()) * float64(b.think)))
	}
}

func (c *benchClient) json(kind, method, path string, in, out any) error {
	var body []byte
	ctype := ""
	if in != nil {
		body, _ = json.Marshal(in)
		ctype = "application/json"
	}
	_, err := c.call(kind, method, path, body, ctype, nil, out)
	return err
}

func (b *flowBench) student(i int, cid int64, codes *sms.Gateway) error {
	arrived := false
	defer func() {
		if !arrived {
			b.arrive()
		}
	}()
	jar, _ := cookiejar.New(nil)
	c := &benchClient{b: b, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute, Transport: b.transport},
		addr: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
	name, doc, phone := benchStudent(i)
	b.pause()
	var ch struct{ ID, Question string }
	if err := c.json("api", "GET", "/api/v1/auth/captcha", nil, &ch); err != nil {
		return err
	}
	answer, _ := captcha.Solve(ch.Question) // the spoken alternative, as a screen reader user would
	if err := c.json("api", "POST", "/api/v1/auth/sms/send", map[string]any{"phone": phone, "agreed": true, "captcha_id": ch.ID, "captcha_answer": answer}, nil); err != nil {
		return err
	}
	code := codes.Code(phone)
	var in struct {
		CSRF string `json:"csrf_token"`
	}
	if err := c.json("api", "POST", "/api/v1/auth/sms/verify", map[string]any{"phone": phone, "code": code, "agreed": true}, &in); err != nil {
		return err
	}
	c.csrf = in.CSRF
	cp := "/api/v1/campaigns/" + strconv.FormatInt(cid, 10)
	var consent struct {
		Version string `json:"version"`
	}
	steps := []func() error{
		func() error { return c.json("api", "GET", "/api/v1/me", nil, nil) },
		func() error { return c.json("api", "GET", "/api/v1/campaigns", nil, nil) },
		func() error { return c.json("api", "POST", cp+"/join", nil, nil) },
		func() error { return c.json("api", "GET", cp+"/consent", nil, &consent) },
		func() error {
			return c.json("api", "POST", cp+"/consent", map[string]string{"version": consent.Version}, nil)
		},
		func() error {
			return c.json("api", "PUT", cp+"/identity", map[string]string{"name": name, "doc_type": "resident_id", "doc_number": doc}, nil)
		},
		func() error { return c.cards(cp, b.fronts[i], b.back) },
		func() error { return c.json("api", "POST", cp+"/match", nil, nil) },
		func() error { return c.json("api", "POST", cp+"/confirm", nil, nil) },
	}
	for _, s := range steps {
		b.pause()
		if err := s(); err != nil {
			return err
		}
	}
	var up struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	key := "bench-" + strconv.Itoa(i) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	arrived = true
	b.arrive()
	<-b.gate
	if _, err := c.call("upload", "POST", cp+"/uploads", b.photo, "image/png", map[string]string{"Idempotency-Key": key}, &up); err != nil {
		return err
	}
	b.mu.Lock()
	b.acked[i] = up.ID
	b.mu.Unlock()
	// Every tenth student's browser retries the upload as if its answer
	// had been lost: same key, same upload (the count at the end checks
	// that no retry made a second one).
	if i%10 == 0 {
		var again struct {
			ID int64 `json:"id"`
		}
		if _, err := c.call("upload", "POST", cp+"/uploads", b.photo, "image/png", map[string]string{"Idempotency-Key": key}, &again); err != nil || again.ID != up.ID {
			return fmt.Errorf("retried upload made upload %d besides %d (%v)", again.ID, up.ID, err)
		}
	}
	for up.Status != "done" {
		if up.Status == "failed" {
			return fmt.Errorf("upload %d failed", up.ID)
		}
		// The page's long poll: held by the server until the photo is done.
		if err := c.json("wait", "GET", "/api/v1/uploads/"+strconv.FormatInt(up.ID, 10)+"?wait=25", nil, &up); err != nil {
			return err
		}
	}
	b.mu.Lock()
	b.processed++
	processed := b.processed
	b.mu.Unlock()
	b.kill.maybe(processed, b.students)
	if err := c.json("api", "POST", "/api/v1/uploads/"+strconv.FormatInt(up.ID, 10)+"/submit", nil, nil); err != nil {
		return err
	}
	var st struct {
		Submission struct {
			State string `json:"state"`
		} `json:"submission"`
	}
	if err := c.json("api", "GET", cp+"/status", nil, &st); err != nil {
		return err
	}
	if st.Submission.State != "pending" {
		return errors.New("submission not pending: " + st.Submission.State)
	}
	return nil
}

var idInPath = regexp.MustCompile(`/\d+(/|$|\?)`)
