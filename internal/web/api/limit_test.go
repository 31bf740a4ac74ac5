package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"testing"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/store"
)

// toCapture takes a demo student through sign-in, consent, identity, the
// card photos, the match and the confirmation.
func toCapture(t *testing.T, env *apptest.Env, ts *httptest.Server, s app.DemoStudent) (*client, string) {
	t.Helper()
	cp := fmt.Sprintf("/api/v1/campaigns/%d", env.Demo.CampaignID)
	c := signIn(t, env, ts.URL, s.Phone)
	c.json("POST", cp+"/join", nil)
	var consent struct{ Version string }
	c.json("GET", cp+"/consent", nil).json(t, &consent)
	c.json("POST", cp+"/consent", map[string]string{"version": consent.Version})
	c.json("PUT", cp+"/identity", map[string]string{"name": s.Name, "doc_type": "resident_id", "doc_number": s.DocNumber})
	front, back := apptest.CardsFor(t, s.Name, s.DocNumber)
	c.do("PUT", cp+"/id-images/front", bytes.NewReader(front), "image/jpeg", nil)
	c.do("PUT", cp+"/id-images/back", bytes.NewReader(back), "image/jpeg", nil)
	if a := c.json("POST", cp+"/match", nil); a.status != 200 {
		t.Fatalf("match: %d %s", a.status, a.body)
	}
	var st map[string]any
	c.json("POST", cp+"/confirm", nil).json(t, &st)
	if st["step"] != "capture" {
		t.Fatalf("after confirm: %v", st["step"])
	}
	return c, cp
}

// faceless is a plain wall with nobody in front of it; n varies its shade so
// that no two are the same file.
func faceless(t *testing.T, n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 480, 640))
	for i := range img.Pix {
		img.Pix[i] = 200 + uint8(n)
	}
	img.Set(n, n, color.Black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRefusedUploadsCostNoTries: eleven photos the pipeline refuses (more
// than the campaign's ten tries) leave the count of tries as it was, and a
// good photo afterwards is still accepted and counts.
func TestRefusedUploadsCostNoTries(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{})
	ts, _ := newServer(t, env)
	c, cp := toCapture(t, env, ts, app.DemoStudentAt(5))
	left := func() int {
		var st struct {
			UploadsLeft int `json:"uploads_left"`
		}
		c.json("GET", cp+"/status", nil).json(t, &st)
		return st.UploadsLeft
	}
	before := left()
	if before <= 0 || before > 11 {
		t.Fatalf("uploads left at the start: %d (the test needs a limit of at most 11)", before)
	}
	upload := func(key string, data []byte) map[string]any {
		a := c.do("POST", cp+"/uploads", bytes.NewReader(data), "image/png", map[string]string{"Idempotency-Key": key})
		if a.status != 202 {
			t.Fatalf("upload %s: %d %s", key, a.status, a.body)
		}
		var u struct {
			ID int64 `json:"id"`
		}
		a.json(t, &u)
		return waitDone(t, c, u.ID)
	}
	for i := range 11 {
		up := upload(fmt.Sprintf("refused-%04d", i), faceless(t, i))
		if up["status"] != "failed" || up["has_result"] != false {
			t.Fatalf("faceless photo %d: %v", i, up)
		}
		if f, ok := up["findings"].([]any); !ok || f == nil {
			t.Fatalf("findings must be a list, got %v", up["findings"])
		}
		if n := left(); n != before {
			t.Fatalf("after %d refused photos %d tries left, want %d", i+1, n, before)
		}
	}
	up := upload("good-photo-0001", apptest.Testdata(t, "astronaut.png"))
	if up["status"] != "done" || up["has_result"] != true {
		t.Fatalf("good photo after the refusals: %v", up)
	}
	if n := left(); n != before-1 {
		t.Fatalf("a standardized photo must use one try: %d left, want %d", n, before-1)
	}
}
