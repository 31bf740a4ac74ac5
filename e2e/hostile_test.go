package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/captcha"
	"zhipai/internal/photo/synth"
)

// student is an HTTP client of the real server, signed in.
type student struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (s *student) do(method, path string, body []byte, ctype string, hdr map[string]string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *student) json(method, path string, in any, out any) int {
	s.t.Helper()
	var b []byte
	if in != nil {
		b, _ = json.Marshal(in)
	}
	st, body := s.do(method, path, b, "application/json", nil)
	if out != nil {
		json.Unmarshal(body, out)
	}
	return st
}

// capturing signs the demo student i in and takes them to the capture step
// (or, with beforeCards, to the ID-card photos).
func capturing(t *testing.T, srv *server, inbox interface{ Code(string) string }, i int, beforeCards bool) (*student, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &student{t: t, base: srv.url, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
	d := app.DemoStudentAt(i)
	var ch struct{ ID, Question string }
	s.json("GET", "/api/v1/auth/captcha", nil, &ch)
	answer, _ := captcha.Solve(ch.Question)
	if st := s.json("POST", "/api/v1/auth/sms/send", map[string]any{"phone": d.Phone, "agreed": true, "captcha_id": ch.ID, "captcha_answer": answer}, nil); st != 200 {
		t.Fatalf("send: %d", st)
	}
	var in struct {
		CSRF string `json:"csrf_token"`
	}
	if st := s.json("POST", "/api/v1/auth/sms/verify", map[string]any{"phone": d.Phone, "code": inbox.Code(d.Phone), "agreed": true}, &in); st != 200 {
		t.Fatalf("verify: %d", st)
	}
	s.csrf = in.CSRF
	cp := "/api/v1/campaigns/1"
	s.json("POST", cp+"/join", nil, nil)
	var consent struct{ Version string }
	s.json("GET", cp+"/consent", nil, &consent)
	s.json("POST", cp+"/consent", map[string]string{"version": consent.Version}, nil)
	s.json("PUT", cp+"/identity", map[string]string{"name": d.Name, "doc_type": "resident_id", "doc_number": d.DocNumber}, nil)
	if beforeCards {
		return s, cp
	}
	front, back := apptest.CardsFor(t, d.Name, d.DocNumber) // the student's own card
	for side, b := range map[string][]byte{"front": front, "back": back} {
		if st, body := s.do("PUT", cp+"/id-images/"+side, b, "image/jpeg", nil); st != 200 {
			t.Fatalf("%s: %d %s", side, st, body)
		}
	}
	if st := s.json("POST", cp+"/match", nil, nil); st != 200 {
		t.Fatalf("match: %d", st)
	}
	s.json("POST", cp+"/confirm", nil, nil)
	return s, cp
}

// TestHostileUploadsStayUnderTheCeiling sends the real server, at once, the
// hostile files of the security review: 7000x7000 PNGs of 16 and 8 bits,
// 23-megapixel PNGs that are decoded, progressive JPEGs of thousands of
// scans, as uploads and as ID-card photos, from several students. The
// server's peak memory (VmHWM) stays under its configured ceiling (1 GB for
// 2 cores, ZHIPAI_MEMORY_MB), every scan bomb is refused within 2 s, and
// every upload ends refused, none lost.
func TestHostileUploadsStayUnderTheCeiling(t *testing.T) {
	srv, inbox := start(t)
	files := map[string][]byte{
		"png16": synth.PNGBomb(7000, 7000, 16),
		"png8":  synth.PNGBomb(7000, 7000, 8),
		"png23": synth.PNGBomb(4800, 4800, 8),
		"scans": synth.ScanBomb(2500, 2500, 4000),
	}
	ctype := map[string]string{"png16": "image/png", "png8": "image/png", "png23": "image/png", "scans": "image/jpeg"}
	type pending struct {
		s  *student
		id int64
	}
	var mu sync.Mutex
	var uploads []pending
	var wg sync.WaitGroup
	for i := range 4 {
		s, cp := capturing(t, srv, inbox, 10+i, false)
		cardholder, _ := capturing(t, srv, inbox, 20+i, true)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for _, kind := range []string{"png23", "png16", "scans", "png8", "png23"} {
				n++
				st, body := s.do("POST", cp+"/uploads", files[kind], ctype[kind], map[string]string{"Idempotency-Key": fmt.Sprintf("hostile-%d-%d", i, n)})
				if st != 202 {
					t.Errorf("upload %s: %d %s", kind, st, body)
					continue
				}
				var u struct {
					ID int64 `json:"id"`
				}
				json.Unmarshal(body, &u)
				mu.Lock()
				uploads = append(uploads, pending{s, u.ID})
				mu.Unlock()
			}
			// The same files as ID-card photos, answered in the request.
			for _, kind := range []string{"scans", "png16", "png23"} {
				st, body := cardholder.do("PUT", cp+"/id-images/front", files[kind], ctype[kind], nil)
				if st < 400 {
					t.Errorf("ID-card %s accepted: %d %s", kind, st, body)
				}
				if kind == "scans" && !strings.Contains(string(body), "photo.too_complex") {
					t.Errorf("scan bomb as an ID card: %d %s", st, body)
				}
			}
		}()
	}
	wg.Wait()
	// Every upload ends, refused with a reason: none is lost or left.
	for _, u := range uploads {
		var v struct {
			Status    string `json:"status"`
			HasResult bool   `json:"has_result"`
			Error     *struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		for try := 0; v.Status != "done" && v.Status != "failed"; try++ {
			if try == 8 {
				t.Fatalf("upload %d not processed in 3 minutes: %+v", u.id, v)
			}
			u.s.json("GET", "/api/v1/uploads/"+strconv.FormatInt(u.id, 10)+"?wait=25", nil, &v)
		}
		if v.HasResult || v.Error == nil {
			t.Errorf("upload %d: %+v", u.id, v)
		}
	}
	// With the storm over, a scan bomb costs the server under 2 s of CPU
	// to refuse (measured on the process: utime + stime).
	bomber, cp := capturing(t, srv, inbox, 28, true)
	for range 3 {
		before := srv.cpuSeconds(t)
		st, body := bomber.do("PUT", cp+"/id-images/front", files["scans"], "image/jpeg", nil)
		cpu := srv.cpuSeconds(t) - before
		if st != 422 || !strings.Contains(string(body), "photo.too_complex") || cpu > 2 {
			t.Errorf("scan bomb as an ID card: %d %s, %.2f s of server CPU", st, body, cpu)
		}
		t.Logf("a 4,000-scan bomb refused with %.2f s of server CPU", cpu)
	}
	peak := srv.peakRSSMB(t)
	t.Logf("%d hostile uploads and 12 hostile ID-card PUTs from 4 students: server peak RSS %d MB", len(uploads), peak)
	if peak > 1024 {
		t.Fatalf("server peak RSS %d MB, over the 1024 MB ceiling", peak)
	}
}

// cpuSeconds is the server process's CPU time so far (user + system).
func (s *server) cpuSeconds(t *testing.T) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks (USER_HZ 100 on Linux)
}
