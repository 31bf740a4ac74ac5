package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/xuri/excelize/v2"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/roster"
	"zhipai/internal/store"
	"zhipai/internal/web/api"
)

// staffClient signs a demo staff account in over HTTP.
func staffClient(t *testing.T, base string, s app.DemoStaff) *client {
	t.Helper()
	c := newClient(t, base)
	code, _ := totp.GenerateCode(s.TOTPSecret, time.Now())
	a := c.json("POST", "/api/v1/staff/auth/signin", map[string]string{"login": s.Login, "password": s.Password, "totp": code})
	var me api.StaffBody
	a.json(t, &me)
	if a.status != 200 {
		t.Fatalf("staff sign-in %s: %d %s", s.Login, a.status, a.body)
	}
	c.csrf = me.CSRFToken
	return c
}

func demoStaff(login string) app.DemoStaff {
	for _, s := range app.DemoStaffAccounts() {
		if s.Login == login {
			return s
		}
	}
	panic(login)
}

// TestRosterInTheConsole: the school admin downloads the template,
// previews a file with bad rows (each with its reason, also as XLSX),
// fixes it and imports; every role sees only what its scope holds: another
// school's campaign does not exist for it (404), a role that may not
// import is refused (403). On both engines.
func TestRosterInTheConsole(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			ts, _ := newServer(t, env)
			ctx := context.Background()
			// Another school with a campaign of its own.
			other, err := env.App.Store.CreateSchool(ctx, domain.School{Name: "别的大学", Code: "OTHER"})
			if err != nil {
				t.Fatal(err)
			}
			c0, _ := env.App.Store.Campaign(ctx, env.Demo.CampaignID)
			c0.SchoolID, c0.JoinCode = other, "OTHER2026"
			otherCampaign, err := env.App.Store.CreateCampaign(ctx, c0)
			if err != nil {
				t.Fatal(err)
			}
			admin := staffClient(t, ts.URL, demoStaff("demo.school"))
			tpl := admin.do("GET", "/api/v1/staff/roster-template.xlsx", nil, "", nil)
			if tpl.status != 200 || !strings.Contains(tpl.header.Get("Content-Type"), "spreadsheetml") {
				t.Fatalf("template: %d %v", tpl.status, tpl.header)
			}
			rows := apptest.Must(roster.ReadFile("t.xlsx", tpl.body))(t)
			if len(rows) != 2 || rows[0][0] != "姓名" || rows[0][2] != "证件号码" {
				t.Fatalf("template rows %q", rows)
			}
			late := "11010120070101" + "998"
			late += string(idnumber.CheckChar(late))
			bad := "姓名,证件号码,学号,班级\n新同学," + late + ",20269999,1班\n," + late[:17] + "0,20269998,1班\n坏人,11010120070101999X,\"=HYPERLINK(\"\"x\"\")\",1班\n"
			cp := fmt.Sprintf("/api/v1/staff/campaigns/%d/roster", env.Demo.CampaignID)
			var rep roster.Report
			a := admin.do("POST", cp+"?dry_run=1&name=r.csv", strings.NewReader(bad), "text/csv", nil)
			a.json(t, &rep)
			if a.status != 200 || rep.Imported || len(rep.Errors) < 2 {
				t.Fatalf("preview: %d %s", a.status, a.body)
			}
			x := admin.do("POST", cp+"?dry_run=1&format=xlsx", strings.NewReader(bad), "text/csv", nil)
			f, err := excelize.OpenReader(bytes.NewReader(x.body))
			if err != nil {
				t.Fatalf("errors xlsx: %v (%d)", err, x.status)
			}
			xr, _ := f.GetRows("错误")
			if len(xr) != len(rep.Errors)+1 || xr[0][2] != "原因" {
				t.Fatalf("errors xlsx rows %q", xr)
			}
			good := "姓名,证件号码,学号,班级\n新同学," + late + ",20269999,1班\n"
			a = admin.do("POST", cp+"?name=r.csv", strings.NewReader(good), "text/csv", nil)
			a.json(t, &rep)
			if a.status != 200 || !rep.Imported || rep.Created != 1 {
				t.Fatalf("import: %d %s", a.status, a.body)
			}
			if n := apptest.Must(env.App.Store.RosterCount(ctx, env.Demo.CampaignID))(t); n != 31 {
				t.Fatalf("roster rows %d", n)
			}
			admin.do("POST", cp+"?name=r.txt", strings.NewReader("x"), "text/plain", nil).code(t, 422, "roster.file_invalid")

			// Scope and role: inside the scope the data, outside 404.
			for _, c := range []struct {
				login   string
				ownSt   int
				otherSt int
			}{
				{"demo.admin", 200, 200},      // the vendor: every school
				{"demo.school", 200, 404},     // its own school only
				{"demo.college", 403, 404},    // may not import
				{"demo.counsellor", 403, 404}, // may not import
				{"demo.reviewer", 403, 404},   // may not import
			} {
				s := staffClient(t, ts.URL, demoStaff(c.login))
				own := s.do("POST", cp+"?dry_run=1&name=r.csv", strings.NewReader(good), "text/csv", nil)
				foreign := s.do("POST", fmt.Sprintf("/api/v1/staff/campaigns/%d/roster?dry_run=1&name=r.csv", otherCampaign), strings.NewReader(good), "text/csv", nil)
				if own.status != c.ownSt || foreign.status != c.otherSt {
					t.Errorf("%s: own campaign %d, another school's %d; want %d and %d", c.login, own.status, foreign.status, c.ownSt, c.otherSt)
				}
				if foreign.status == 404 && strings.Contains(string(foreign.body), "别的大学") {
					t.Errorf("%s: another school's data in a 404", c.login)
				}
			}
			// The import is in the audit chain, and the chain holds.
			found := false
			for _, r := range apptest.Must(env.App.Store.AuditRows(ctx, env.Demo.SchoolID, 0, 1000))(t) {
				found = found || r.Action == "roster.import"
			}
			if !found {
				t.Error("the import is not in the audit log")
			}
			if _, err := env.App.Audit.Verify(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCreateCampaign: a school admin creates a campaign in their school
// (whatever school they name), a bad setting is refused with what to fix,
// a taken join code is a conflict, a counsellor may not create; audited.
func TestCreateCampaign(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	admin := staffClient(t, ts.URL, demoStaff("demo.school"))
	now := time.Now().Truncate(time.Second)
	in := map[string]any{"school_id": 999, "name": "2027 级新生入学照片采集", "kind": "freshman", "spec": "chsi", "opens_at": now, "closes_at": now.Add(24 * time.Hour),
		"max_uploads": 10, "allow_album": false, "require_id_images": true}
	var v struct {
		ID       int64  `json:"id"`
		School   string `json:"school"`
		JoinCode string `json:"join_code"`
	}
	a := admin.json("POST", "/api/v1/staff/campaigns", in)
	a.json(t, &v)
	if a.status != 201 || v.School != "示范大学" || len(v.JoinCode) != 8 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	c := apptest.Must(env.App.Store.Campaign(context.Background(), v.ID))(t)
	if c.SchoolID != env.Demo.SchoolID || !strings.Contains(c.ConsentText, "示范大学") || c.AllowAlbum {
		t.Fatalf("stored %+v", c)
	}
	in["join_code"] = v.JoinCode
	admin.json("POST", "/api/v1/staff/campaigns", in).code(t, 409, "manage.join_code_taken")
	in["join_code"], in["closes_at"] = "", now.Add(-time.Hour)
	admin.json("POST", "/api/v1/staff/campaigns", in).code(t, 400, "manage.campaign_invalid")
	in["closes_at"] = now.Add(time.Hour)
	staffClient(t, ts.URL, demoStaff("demo.counsellor")).json("POST", "/api/v1/staff/campaigns", in).code(t, 403, "manage.forbidden")
	found := false
	for _, r := range apptest.Must(env.App.Store.AuditRows(context.Background(), env.Demo.SchoolID, 0, 1000))(t) {
		found = found || r.Action == "campaign.create"
	}
	if !found {
		t.Error("the new campaign is not in the audit log")
	}
}

// TestAuditInTheConsole: a school admin reads the school's audit log, the
// sign-ins and the roster import in it; another role may not.
func TestAuditInTheConsole(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	admin := staffClient(t, ts.URL, demoStaff("demo.school"))
	var rows []struct {
		Seq    int64  `json:"seq"`
		Action string `json:"action"`
		IP     string `json:"ip"`
	}
	a := admin.json("GET", "/api/v1/staff/audit", nil)
	a.json(t, &rows)
	if a.status != 200 || len(rows) == 0 || rows[0].Action != "staff.signin" || rows[0].IP == "" {
		t.Fatalf("audit: %d %s", a.status, a.body)
	}
	var failed []struct{ Action string }
	admin.json("GET", "/api/v1/staff/audit?action=staff.signin_failed", nil).json(t, &failed)
	if len(failed) != 0 {
		t.Errorf("failed sign-ins listed: %v", failed)
	}
	staffClient(t, ts.URL, demoStaff("demo.reviewer")).json("GET", "/api/v1/staff/audit", nil).code(t, 403, "manage.forbidden")
}
