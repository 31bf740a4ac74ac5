package manage_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	_ "image/jpeg"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/staff"
	"zhipai/internal/store"
	"zhipai/internal/zipaes"
)

// TestExport: the approved photos of a campaign stream into a ZIP named by
// the template (the fallback for a student without the value), in
// folders; the index has a row per photo with the ID number masked for a
// role that may not reveal it; SHA256SUMS verifies every file; every photo
// meets the campaign's spec; an incremental export after it is empty; the
// export is audited.
func TestExport(t *testing.T) {
	ctx := context.Background()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 6, 5))(t)
			admin := staff.Staff{User: domain.StaffUser{ID: 1, Role: domain.RoleSchoolAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
			var buf bytes.Buffer
			res := apptest.Must(env.App.Manage.WriteExport(ctx, admin, manage.ExportParams{CampaignID: env.Demo.CampaignID, Name: "{考生号}", Folders: true}, &buf, staff.Where{IP: "t"}))(t)
			if res.Files != 5 || len(res.Skipped) != 0 {
				t.Fatalf("export %+v (of %d submissions)", res, len(ids))
			}
			zr := apptest.Must(zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())))(t)
			files := map[string][]byte{}
			for _, f := range zr.File {
				rc := apptest.Must(f.Open())(t)
				files[f.Name] = apptest.Must(io.ReadAll(rc))(t)
				rc.Close()
			}
			sums := string(files["SHA256SUMS"])
			lines := strings.Split(strings.TrimSpace(sums), "\n")
			if len(lines) != 6 { // five photos and the index
				t.Fatalf("SHA256SUMS:\n%s", sums)
			}
			spec := struct{ w, h int }{480, 640} // the demo campaign's 学信网 spec
			for _, l := range lines {
				sum, name, ok := strings.Cut(l, "  ")
				got := sha256.Sum256(files[name])
				if !ok || hex.EncodeToString(got[:]) != sum {
					t.Errorf("checksum of %q does not verify", name)
				}
				if name == "索引.xlsx" {
					continue
				}
				parts := strings.Split(name, "/")
				if len(parts) != 4 || !strings.HasSuffix(parts[3], ".jpg") || !strings.HasPrefix(parts[3], "2611") {
					t.Errorf("file name %q, want 学院/专业/班级/{考生号}.jpg", name)
				}
				cfg, format, err := image.DecodeConfig(bytes.NewReader(files[name]))
				if err != nil || format != "jpeg" || cfg.Width != spec.w || cfg.Height != spec.h || len(files[name]) < 20*1024 || len(files[name]) > 40*1024 {
					t.Errorf("%s: %v %s %dx%d %d bytes", name, err, format, cfg.Width, cfg.Height, len(files[name]))
				}
			}
			x := apptest.Must(excelize.OpenReader(bytes.NewReader(files["索引.xlsx"])))(t)
			rows := apptest.Must(x.GetRows("Sheet1"))(t)
			if len(rows) != 6 || rows[0][2] != "证件号" {
				t.Fatalf("index %q", rows)
			}
			for _, row := range rows[1:] { // a school admin may see full ID numbers
				if len(row[2]) != 18 || strings.Contains(row[2], "*") {
					t.Errorf("index row %q: the ID number is not in full", row)
				}
			}
			// A counsellor may not export; the next incremental export is empty.
			counsellor := staff.Staff{User: domain.StaffUser{ID: 2, Role: domain.RoleCounsellor, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID, Classes: []string{}}}
			_, err := env.App.Manage.WriteExport(ctx, counsellor, manage.ExportParams{CampaignID: env.Demo.CampaignID}, io.Discard, staff.Where{})
			apptest.Code(t, err, manage.CodeForbidden)
			_, err = env.App.Manage.WriteExport(ctx, admin, manage.ExportParams{CampaignID: env.Demo.CampaignID, Name: "{密码}.jpg"}, io.Discard, staff.Where{})
			apptest.Code(t, err, manage.CodeExportInvalid)
			again := apptest.Must(env.App.Manage.WriteExport(ctx, admin, manage.ExportParams{CampaignID: env.Demo.CampaignID, SinceLast: true}, io.Discard, staff.Where{}))(t)
			if again.Files != 0 {
				t.Errorf("incremental export after a full one: %d files", again.Files)
			}
			n := 0
			for _, r := range apptest.Must(env.App.Store.AuditRows(ctx, env.Demo.SchoolID, 0, 1000))(t) {
				if r.Action == "export.photos" {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d export rows in the audit log, want 2", n)
			}
		})
	}
}

// TestExportRenditionsEncrypted: one approved photo becomes the campaign's
// file at the root and a campus-card rendition (358x441, white) in its
// folder, each meeting its spec; with a password every entry is AES-256
// encrypted, the manifest verifies the decrypted files, and a wrong or
// short password is refused or cannot open it.
func TestExportRenditionsEncrypted(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 2, 2))(t)
	admin := staff.Staff{User: domain.StaffUser{ID: 1, Role: domain.RoleSchoolAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
	p := manage.ExportParams{CampaignID: env.Demo.CampaignID, Name: "{学号}.jpg", Renditions: []string{"campaign", "idcard"}, Password: "short"}
	_, err := env.App.Manage.WriteExport(ctx, admin, p, io.Discard, staff.Where{})
	apptest.Code(t, err, manage.CodeExportInvalid)
	_, err = env.App.Manage.WriteExport(ctx, admin, manage.ExportParams{CampaignID: env.Demo.CampaignID, Name: "{学号}.jpg", Renditions: []string{"passport"}}, io.Discard, staff.Where{})
	apptest.Code(t, err, manage.CodeExportInvalid)
	p.Password = "校园卡导出-2026"
	var buf bytes.Buffer
	res := apptest.Must(env.App.Manage.WriteExport(ctx, admin, p, &buf, staff.Where{}))(t)
	if res.Files != 2 || len(res.Skipped) != 0 {
		t.Fatalf("export %+v", res)
	}
	zr := apptest.Must(zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())))(t)
	files := map[string][]byte{}
	for _, f := range zr.File {
		if f.Method != zipaes.MethodAES {
			t.Fatalf("%s is not encrypted (method %d)", f.Name, f.Method)
		}
		rc := apptest.Must(f.OpenRaw())(t)
		raw, _ := io.ReadAll(rc)
		files[f.Name] = apptest.Must(zipaes.Open(raw, p.Password))(t)
		if _, err := zipaes.Open(raw, "wrong password"); err == nil {
			t.Fatalf("%s opens with a wrong password", f.Name)
		}
	}
	want := map[string][2]int{"": {480, 640}, "idcard/": {358, 441}}
	n := 0
	for name, data := range files {
		if !strings.HasSuffix(name, ".jpg") {
			continue
		}
		folder := name[:strings.LastIndex(name, "/")+1]
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != "jpeg" || [2]int{cfg.Width, cfg.Height} != want[folder] {
			t.Errorf("%s: %s %dx%d %v, want %v", name, format, cfg.Width, cfg.Height, err, want[folder])
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d photos, want 2 students in 2 renditions: %v", n, len(files))
	}
	for _, line := range strings.Split(strings.TrimSpace(string(files["SHA256SUMS"])), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		got := sha256.Sum256(files[name])
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS: %s does not match", name)
		}
	}
}
