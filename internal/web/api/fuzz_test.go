package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"zhipai/internal/app/apptest"
	"zhipai/internal/store"
)

// fuzzServer is one server and one signed-in student for a whole fuzz run.
func fuzzServer(f *testing.F) (*httptest.Server, *client, string) {
	env := apptest.New(f, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServerForTB(f, env)
	c := signInTB(f, env, ts.URL, "13500135500")
	return ts, c, "/api/v1/campaigns/" + strconv.FormatInt(env.Demo.CampaignID, 10)
}

// FuzzJSONBodies sends any bytes as the JSON body of every JSON route:
// the answer is JSON with a stable code, never a 500 or a crash.
func FuzzJSONBodies(f *testing.F) {
	for _, s := range []string{`{"phone":"13800138000","agreed":true}`, `{"phone":"13800138000","code":"123456","agreed":true}`,
		`{"code":"wx"}`, `{"name":"张三","doc_type":"resident_id","doc_number":"11010519491231002X"}`, `{"version":"v1"}`,
		`{"phone":1e999}`, `[`, `{"agreed":"yes"}`, strings.Repeat(`{"a":`, 1000)} {
		f.Add(s)
	}
	_, c, cp := fuzzServer(f)
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/auth/sms/send"}, {"POST", "/api/v1/auth/sms/verify"}, {"POST", "/api/v1/auth/wechat"},
		{"POST", cp + "/consent"}, {"PUT", cp + "/identity"},
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, rt := range routes {
			a := c.doTB(t, rt.method, rt.path, strings.NewReader(body), "application/json", nil)
			var e struct{ Code string }
			if a.status >= 500 || a.status >= 400 && (json.Unmarshal(a.body, &e) != nil || e.Code == "") {
				t.Fatalf("%s %s with %q: %d %s", rt.method, rt.path, body, a.status, a.body)
			}
		}
	})
}

// FuzzPhotoBody sends any bytes as a multipart photo body: refused with a
// code, never a 500.
func FuzzPhotoBody(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\xff\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--"))
	f.Add([]byte("--b\r\n\r\n"))
	f.Add([]byte(""))
	_, c, cp := fuzzServer(f)
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		n++
		a := c.doTB(t, "PUT", cp+"/id-images/front", bytes.NewReader(body), "multipart/form-data; boundary=b", nil)
		if a.status >= 500 && a.status != 503 {
			t.Fatalf("multipart %q: %d %s", body, a.status, a.body)
		}
		a = c.doTB(t, "POST", cp+"/uploads", bytes.NewReader(body), "multipart/form-data; boundary=b", map[string]string{"Idempotency-Key": fmt.Sprintf("fuzz-key-%06d", n)})
		if a.status >= 500 && a.status != 503 {
			t.Fatalf("multipart upload %q: %d %s", body, a.status, a.body)
		}
	})
}
