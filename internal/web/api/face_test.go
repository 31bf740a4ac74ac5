package api_test

import (
	"testing"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/store"
)

// TestFaceConsentOverHTTP: the face comparison's consent is its own
// resource: read, refused for a stale version or a missing answer, then
// decided; the status carries the decision.
func TestFaceConsentOverHTTP(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	c, cp := toCapture(t, env, ts, app.DemoStudentAt(8))
	var v struct {
		Version, Text, Decision string
	}
	c.json("GET", cp+"/face-consent", nil).json(t, &v)
	if v.Decision != "" || v.Version == "" || v.Text == "" {
		t.Fatalf("face consent %+v", v)
	}
	c.json("PUT", cp+"/face-consent", map[string]any{"version": v.Version}).code(t, 400, "request.invalid")
	c.json("PUT", cp+"/face-consent", map[string]any{"version": "face-old", "agree": true}).code(t, 409, "consent.outdated")
	c.json("PUT", cp+"/face-consent", map[string]any{"version": v.Version, "agree": false}).json(t, &v)
	if v.Decision != "refused" {
		t.Fatalf("after refusing: %+v", v)
	}
	c.json("PUT", cp+"/face-consent", map[string]any{"version": v.Version, "agree": true}).json(t, &v)
	var st struct {
		FaceConsent string `json:"face_consent"`
	}
	c.json("GET", cp+"/status", nil).json(t, &st)
	if v.Decision != "agreed" || st.FaceConsent != "agreed" {
		t.Fatalf("after agreeing: %+v, status %+v", v, st)
	}
}
