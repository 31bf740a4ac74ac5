package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/xuri/excelize/v2"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/blob"
	"zhipai/internal/store"
	"zhipai/internal/web/api"
)

// staffFrom signs a demo account in from a client address (behind the
// trusted proxy) and sends every later request from it too.
func staffFrom(t *testing.T, base string, s app.DemoStaff, ip string) (*client, answer) {
	t.Helper()
	c := newClient(t, base)
	code, _ := totp.GenerateCode(s.TOTPSecret, time.Now())
	b, _ := json.Marshal(map[string]string{"login": s.Login, "password": s.Password, "totp": code})
	a := c.do("POST", "/api/v1/staff/auth/signin", bytes.NewReader(b), "application/json", map[string]string{"X-Forwarded-For": ip})
	var me api.StaffBody
	json.Unmarshal(a.body, &me)
	c.csrf = me.CSRFToken
	return c, a
}

func (c *client) from(ip, method, path string, in any) answer {
	c.t.Helper()
	b, _ := json.Marshal(in)
	if in == nil {
		b = nil
	}
	return c.do(method, path, bytes.NewReader(b), "application/json", map[string]string{"X-Forwarded-For": ip})
}

// TestStaffIPAllowList: a school admin sets the school's allow-list (one
// that would lock out their own address is refused); from then on the
// school's staff sign in and work only from it, a refused sign-in is
// audited, and the vendor's staff are not limited by a school's list.
func TestStaffIPAllowList(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts := behindProxy(t, env)
	admin, a := staffFrom(t, ts.URL, demoStaff("demo.school"), "10.1.2.3")
	if a.status != 200 {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	admin.from("10.1.2.3", "PUT", "/api/v1/staff/ip-allow", map[string]string{"list": "192.168.0.0/16"}).code(t, 400, "staff.ip_list_invalid")
	admin.from("10.1.2.3", "PUT", "/api/v1/staff/ip-allow", map[string]string{"list": "10.0.0.0/8, nonsense"}).code(t, 400, "staff.ip_list_invalid")
	var got struct{ List string }
	a = admin.from("10.1.2.3", "PUT", "/api/v1/staff/ip-allow", map[string]string{"list": "10.0.0.0/8\n2001:db8::/32"})
	a.json(t, &got)
	if a.status != 200 || got.List != "10.0.0.0/8,2001:db8::/32" {
		t.Fatalf("set: %d %s", a.status, a.body)
	}
	if a := admin.from("10.9.9.9", "GET", "/api/v1/staff/me", nil); a.status != 200 {
		t.Errorf("inside the list: %d %s", a.status, a.body)
	}
	admin.from("203.0.113.7", "GET", "/api/v1/staff/me", nil).code(t, 403, "staff.ip_denied") // the same session, another network
	_, a = staffFrom(t, ts.URL, demoStaff("demo.college"), "203.0.113.7")
	a.code(t, 403, "staff.ip_denied")
	if _, a := staffFrom(t, ts.URL, demoStaff("demo.college"), "10.4.4.4"); a.status != 200 {
		t.Errorf("inside the list: %d %s", a.status, a.body)
	}
	if _, a := staffFrom(t, ts.URL, demoStaff("demo.admin"), "203.0.113.7"); a.status != 200 {
		t.Errorf("the vendor's admin: %d %s", a.status, a.body)
	}
	refused := false
	for _, r := range apptest.Must(env.App.Store.AuditRows(context.Background(), env.Demo.SchoolID, 0, 1000))(t) {
		refused = refused || r.Action == "staff.signin_failed" && strings.Contains(r.Reason, "allow-list") && r.IP == "203.0.113.7"
	}
	if !refused {
		t.Error("the refused sign-in is not in the audit log")
	}
}

// TestCampaignSettingsAndPoster: an admin changes a campaign's settings
// (a bad one is refused saying what to fix), the reasons in use and their
// text come back as set; the poster is a PNG QR code and a well-formed
// PDF whose every cross-reference points at its object.
func TestCampaignSettingsAndPoster(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	admin := staffClient(t, ts.URL, demoStaff("demo.school"))
	path := fmt.Sprintf("/api/v1/staff/campaigns/%d", env.Demo.CampaignID)
	now := time.Now().Truncate(time.Second)
	in := map[string]any{"name": "改名后的批次", "kind": "campus", "spec": "xueji-blue", "opens_at": now, "closes_at": now.Add(24 * time.Hour),
		"max_uploads": 5, "review_days": 4, "allow_album": false, "require_id_images": false,
		"reasons": []map[string]string{{"code": "R09", "text": "请闭上嘴巴后重拍。"}, {"code": "R01", "text": "请拿稳手机。"}}}
	var v struct {
		Name       string `json:"name"`
		Spec       string `json:"spec"`
		JoinCode   string `json:"join_code"`
		ReviewDays int    `json:"review_days"`
		Reasons    []struct{ Code, Text string }
	}
	a := admin.json("PUT", path, in)
	a.json(t, &v)
	if a.status != 200 || v.Name != "改名后的批次" || v.Spec != "xueji-blue" || v.ReviewDays != 4 || len(v.Reasons) != 2 || v.JoinCode != app.DemoJoinCode {
		t.Fatalf("update: %d %s", a.status, a.body)
	}
	c := apptest.Must(env.App.Store.Campaign(context.Background(), env.Demo.CampaignID))(t)
	if text, ok := c.ReasonText("R09"); !ok || text != "请闭上嘴巴后重拍。" {
		t.Errorf("R09: %q %v", text, ok)
	}
	if _, ok := c.ReasonText("R17"); ok {
		t.Error("R17 is in use though the campaign left it out")
	}
	in["reasons"] = []map[string]string{{"code": "R77", "text": "x"}}
	admin.json("PUT", path, in).code(t, 400, "manage.campaign_invalid")
	in["reasons"], in["review_days"] = nil, 60
	admin.json("PUT", path, in).code(t, 400, "manage.campaign_invalid")

	qr := admin.do("GET", path+"/poster.png", nil, "", nil)
	if img, err := png.Decode(bytes.NewReader(qr.body)); qr.status != 200 || err != nil || img.Bounds().Dx() != 1000 {
		t.Fatalf("poster.png: %d %v", qr.status, err)
	}
	pdf := admin.do("GET", path+"/poster.pdf", nil, "", nil)
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.body, []byte("%PDF-1.4")) {
		t.Fatalf("poster.pdf: %d %v", pdf.status, pdf.header)
	}
	checkPDF(t, pdf.body)
	if !bytes.Contains(pdf.body, []byte("?join="+app.DemoJoinCode)) {
		t.Error("the poster does not carry the join address")
	}
}

// checkPDF: startxref points at the xref table, and each of its entries
// at "N 0 obj".
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	at, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[at:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at the xref table", at)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(b[at:], -1)
	if len(entries) < 5 {
		t.Fatalf("%d xref entries", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q", i+1, b[off:off+10])
		}
	}
}

// TestExportJob: the school admin asks for an export; the job builds it;
// its status carries a signed link that downloads the ZIP without a
// session, and a forged or expired link is refused (410).
func TestExportJob(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ctx := context.Background()
	apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 3, 3))(t)
	ts, _ := newServer(t, env)
	admin := staffClient(t, ts.URL, demoStaff("demo.school"))
	path := fmt.Sprintf("/api/v1/staff/campaigns/%d/exports", env.Demo.CampaignID)
	var v struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		Files    int    `json:"files"`
		Download string `json:"download"`
	}
	a := admin.json("POST", path, map[string]any{"name": "{学号}.jpg"})
	a.json(t, &v)
	if a.status != 202 || v.Status != "queued" {
		t.Fatalf("start: %d %s", a.status, a.body)
	}
	admin.json("POST", path, map[string]any{"name": "{x}.jpg"}).code(t, 400, "manage.export_invalid")
	staffClient(t, ts.URL, demoStaff("demo.counsellor")).json("POST", path, map[string]any{}).code(t, 403, "manage.forbidden")
	apptest.NoErr(t, env.App.Manage.RunExport(ctx, v.ID)) // the job
	admin.json("GET", fmt.Sprintf("/api/v1/staff/exports/%d", v.ID), nil).json(t, &v)
	if v.Status != "done" || v.Files != 3 || !strings.Contains(v.Download, "sig=") {
		t.Fatalf("status %+v", v)
	}
	anon := newClient(t, ts.URL)
	zipped := anon.do("GET", v.Download, nil, "", nil)
	if zipped.status != 200 || !bytes.HasPrefix(zipped.body, []byte("PK")) {
		t.Fatalf("download: %d %.100s", zipped.status, zipped.body)
	}
	// The ZIP is a blob, sealed like the photos in it, and a download cut
	// off resumes with a Range.
	stored, err := env.App.Store.ExportByID(ctx, v.ID)
	apptest.NoErr(t, err)
	if kept, _ := blob.Get(ctx, env.App.Blobs, stored.Blob); !bytes.Equal(kept, zipped.body) || !strings.HasPrefix(stored.Blob, "export/") {
		t.Fatalf("export stored as %q", stored.Blob)
	}
	part := anon.do("GET", v.Download, nil, "", map[string]string{"Range": "bytes=100-199"})
	if part.status != 206 || !bytes.Equal(part.body, zipped.body[100:200]) {
		t.Fatalf("range: %d, %d bytes", part.status, len(part.body))
	}
	// An export made before exports were blobs is served from its file.
	legacyID, err := env.App.Store.CreateExport(ctx, store.Export{SchoolID: stored.SchoolID, CampaignID: stored.CampaignID, StaffID: stored.StaffID, ParamsJSON: stored.ParamsJSON, Status: "queued"})
	apptest.NoErr(t, err)
	legacyFile := filepath.Join(env.Config.DataDir, "exports", fmt.Sprintf("export-%d.zip", legacyID))
	apptest.NoErr(t, os.MkdirAll(filepath.Dir(legacyFile), 0o700))
	apptest.NoErr(t, os.WriteFile(legacyFile, zipped.body, 0o600))
	apptest.NoErr(t, env.App.Store.FinishExport(ctx, legacyID, "done", filepath.Base(legacyFile), "", "", 3, int64(len(zipped.body)), time.Now().Add(time.Hour)))
	var lv struct{ Download string }
	admin.json("GET", fmt.Sprintf("/api/v1/staff/exports/%d", legacyID), nil).json(t, &lv)
	if got := anon.do("GET", lv.Download, nil, "", nil); got.status != 200 || !bytes.Equal(got.body, zipped.body) {
		t.Fatalf("legacy download: %d", got.status)
	}
	anon.do("GET", strings.Replace(v.Download, "sig=", "sig=0", 1), nil, "", nil).code(t, 410, "manage.export_gone")
	anon.do("GET", regexp.MustCompile(`exp=\d+`).ReplaceAllString(v.Download, "exp=1"), nil, "", nil).code(t, 410, "manage.export_gone")
	var list []struct{ ID int64 }
	admin.json("GET", path, nil).json(t, &list)
	if len(list) != 2 { // this one and the old one
		t.Errorf("exports %+v", list)
	}
	// A day later the file is deleted at the next export.
	later := time.Now().Add(25 * time.Hour)
	env.App.Manage.SetClock(func() time.Time { return later })
	env.App.Store.SetClock(func() time.Time { return later })
	admin.json("POST", path, map[string]any{"name": "{学号}.jpg"})
	var old struct{ Status string }
	admin.json("GET", fmt.Sprintf("/api/v1/staff/exports/%d", v.ID), nil).json(t, &old)
	if old.Status != "expired" {
		t.Errorf("a day later the export is %q", old.Status)
	}
	if has, _ := env.App.Blobs.Has(ctx, stored.Blob); has {
		t.Error("a day later the export's ZIP is still stored")
	}
	if _, err := os.Stat(legacyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a day later the old export's file is still there: %v", err)
	}
}

// TestExempt: a school admin marks a student 免采 with a reason (a
// counsellor may not; no reason is refused); progress counts the student
// apart and the unfinished list leaves them out; audited.
func TestExempt(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	admin := staffClient(t, ts.URL, demoStaff("demo.school"))
	var page struct {
		Students []struct {
			ID    int64  `json:"id"`
			Class string `json:"class"`
		} `json:"students"`
	}
	admin.json("GET", fmt.Sprintf("/api/v1/staff/campaigns/%d/students", env.Demo.CampaignID), nil).json(t, &page)
	row := page.Students[0]
	path := fmt.Sprintf("/api/v1/staff/students/%d/exempt", row.ID)
	admin.json("PUT", path, map[string]any{"exempt": true}).code(t, 400, "manage.reason_required")
	staffClient(t, ts.URL, demoStaff("demo.counsellor")).json("PUT", path, map[string]any{"exempt": true, "reason": "已线下采集"}).code(t, 403, "manage.forbidden")
	if a := admin.json("PUT", path, map[string]any{"exempt": true, "reason": "已在学院线下采集"}); a.status != 204 {
		t.Fatalf("exempt: %d %s", a.status, a.body)
	}
	var p struct {
		All struct {
			Total, Exempt int
			NotSignedIn   int `json:"not_signed_in"`
		} `json:"all"`
	}
	admin.json("GET", fmt.Sprintf("/api/v1/staff/campaigns/%d/progress", env.Demo.CampaignID), nil).json(t, &p)
	if p.All.Exempt != 1 || p.All.NotSignedIn != p.All.Total-1 {
		t.Errorf("progress %+v", p.All)
	}
	x := admin.do("GET", fmt.Sprintf("/api/v1/staff/campaigns/%d/unfinished.xlsx", env.Demo.CampaignID), nil, "", nil)
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("未完成")
	if len(rows) != p.All.Total { // the header and everyone but the exempt student
		t.Errorf("unfinished list has %d rows for %d students, one exempt", len(rows), p.All.Total)
	}
	found := false
	for _, r := range apptest.Must(env.App.Store.AuditRows(context.Background(), env.Demo.SchoolID, 0, 1000))(t) {
		found = found || r.Action == "person.exempt" && r.Reason == "已在学院线下采集"
	}
	if !found {
		t.Error("the exemption is not audited")
	}
}

// TestEncryptedExportKeepsNoPassword: an export with a password is built
// encrypted; the password, sealed or not, is in no answer, no audit row
// and, once built, not in the stored record; a client cannot smuggle a
// sealed password or the encrypted flag in; a bad rendition is refused at
// the request.
func TestEncryptedExportKeepsNoPassword(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ctx := context.Background()
	apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 2, 2))(t)
	ts, _ := newServer(t, env)
	admin := staffClient(t, ts.URL, demoStaff("demo.school"))
	path := fmt.Sprintf("/api/v1/staff/campaigns/%d/exports", env.Demo.CampaignID)
	admin.json("POST", path, map[string]any{"name": "{学号}.jpg", "renditions": []string{"passport"}}).code(t, 400, "manage.export_invalid")
	a := admin.json("POST", path, map[string]any{"name": "{学号}.jpg", "password": "给学校的密码-2026", "sealed": "AAAA", "password_sealed": "AAAA"})
	var v struct {
		ID     int64 `json:"id"`
		Params struct {
			Encrypted bool   `json:"encrypted"`
			Password  string `json:"password"`
		} `json:"params"`
	}
	a.json(t, &v)
	if a.status != 202 || !v.Params.Encrypted || v.Params.Password != "" || strings.Contains(string(a.body), "AAAA") {
		t.Fatalf("start: %d %s", a.status, a.body)
	}
	apptest.NoErr(t, env.App.Manage.RunExport(ctx, v.ID))
	e := apptest.Must(env.App.Store.ExportByID(ctx, v.ID))(t)
	if e.Status != "done" || strings.Contains(e.ParamsJSON, "sealed") || strings.Contains(e.ParamsJSON, "给学校的密码") {
		t.Fatalf("stored after the job: %s %s", e.Status, e.ParamsJSON)
	}
	for _, r := range apptest.Must(env.App.Store.AuditRows(ctx, env.Demo.SchoolID, 0, 1000))(t) {
		if strings.Contains(r.After+r.Before+r.Reason, "sealed") || strings.Contains(r.After, "给学校的密码") {
			t.Errorf("audit row %s keeps the password: %s", r.Action, r.After)
		}
	}
	b := admin.json("GET", fmt.Sprintf("/api/v1/staff/exports/%d", v.ID), nil)
	if strings.Contains(string(b.body), "sealed") || strings.Contains(string(b.body), "给学校的密码") || !strings.Contains(string(b.body), `"encrypted":true`) {
		t.Errorf("status %s", b.body)
	}
}
