package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// matrixStaff makes a signed-in-able account of a role (password already
// changed), for the roles the demo seed has no account of.
func matrixStaff(t *testing.T, env *apptest.Env, login string, role domain.Role, school int64, classes ...string) app.DemoStaff {
	t.Helper()
	ctx := context.Background()
	const pw, key = "matrix test passphrase 2026", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
	acct := apptest.Must(env.App.Staff.Create(ctx, nil, staff.CreateInput{Login: login, Name: login, Role: role, SchoolID: school,
		Classes: classes, Password: pw, TOTPSecret: key}, staff.Where{}))(t)
	apptest.NoErr(t, env.App.Store.SetStaffPassword(ctx, acct.User.ID, staff.HashPassword(pw), false))
	return app.DemoStaff{Login: login, Password: pw, TOTPSecret: key, Role: role}
}

// TestStaffScopeMatrix: every role against every staff endpoint, with a
// target inside its scope and one outside. Inside, a role gets the data
// or, if its role may not act, 403; outside it gets 404 and never another
// school's, college's or class's data; the vendor's staff see a school's
// personal data only after opening a support access with a reason. On
// both engines.
func TestStaffScopeMatrix(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			ts, _ := newServer(t, env)
			ctx := context.Background()
			st := env.App.Store

			// Another school with a campaign, a student and a counsellor.
			other := apptest.Must(st.CreateSchool(ctx, domain.School{Name: "别的大学", Code: "OTHER"}))(t)
			c0 := apptest.Must(st.Campaign(ctx, env.Demo.CampaignID))(t)
			c0.SchoolID, c0.JoinCode = other, "OTHER2026"
			otherCampaign := apptest.Must(st.CreateCampaign(ctx, c0))(t)
			otherDoc := "11010120070101995"
			otherDoc += string(idnumber.CheckChar(otherDoc))
			apptest.Must(env.App.Roster.Import(ctx, otherCampaign, [][]string{{"姓名", "证件号码", "学院", "班级"}, {"外校生", otherDoc, "计算机学院", "计算机科学与技术 2026-1 班"}}))(t)
			otherStudents, _, err := st.StudentsIn(ctx, domain.Scope{SchoolID: other}, otherCampaign, domain.StudentFilter{})
			if err != nil || len(otherStudents) != 1 {
				t.Fatalf("the other school's roster: %v %v", otherStudents, err)
			}
			otherRow := otherStudents[0].ID
			matrixStaff(t, env, "other.counsellor", domain.RoleCounsellor, other)
			otherCounsellor := apptest.Must(st.StaffByLogin(ctx, "other.counsellor"))(t).ID
			ownCounsellor := apptest.Must(st.StaffByLogin(ctx, "demo.counsellor"))(t).ID

			// Rows of the demo roster: one in the demo counsellor's class,
			// one elsewhere in the same college, one in another college.
			students, _, err := st.StudentsIn(ctx, domain.Scope{SchoolID: env.Demo.SchoolID}, env.Demo.CampaignID, domain.StudentFilter{Limit: 200})
			apptest.NoErr(t, err)
			counsellorClasses := apptest.Must(st.StaffClasses(ctx, ownCounsellor))(t)
			var inClass, inCollege, otherCollege int64
			for _, s := range students {
				switch {
				case s.ClassName == counsellorClasses[0] && inClass == 0:
					inClass = s.ID
				case s.College == "计算机学院" && s.ClassName != counsellorClasses[0] && inCollege == 0:
					inCollege = s.ID
				case s.College != "计算机学院" && otherCollege == 0:
					otherCollege = s.ID
				}
			}
			if inClass == 0 || inCollege == 0 || otherCollege == 0 {
				t.Fatalf("demo roster lacks the rows the matrix needs: %d %d %d", inClass, inCollege, otherCollege)
			}

			accounts := map[domain.Role]app.DemoStaff{
				domain.RoleVendorReviewer: matrixStaff(t, env, "vendor.reviewer", domain.RoleVendorReviewer, 0),
				domain.RoleVendorSupport:  matrixStaff(t, env, "vendor.support", domain.RoleVendorSupport, 0),
			}
			for _, s := range app.DemoStaffAccounts() {
				accounts[s.Role] = s
			}
			clients := map[domain.Role]*client{}
			for _, r := range domain.Roles() {
				clients[r] = staffClient(t, ts.URL, accounts[r])
			}

			now := time.Now().Truncate(time.Second)
			settings := func(name string) map[string]any {
				return map[string]any{"name": name, "kind": "freshman", "spec": "chsi", "opens_at": now.Add(-time.Hour), "closes_at": now.Add(30 * 24 * time.Hour),
					"max_uploads": 10, "review_days": 2, "allow_album": true, "require_id_images": true}
			}
			campaign := func(own bool) int64 {
				if own {
					return env.Demo.CampaignID
				}
				return otherCampaign
			}
			const (
				PA, VR, VS = domain.RolePlatformAdmin, domain.RoleVendorReviewer, domain.RoleVendorSupport
				SA, CA, CO = domain.RoleSchoolAdmin, domain.RoleCollegeAdmin, domain.RoleCounsellor
				SR         = domain.RoleSchoolReviewer
			)
			type want map[domain.Role][2]int // role: {inside, outside}
			manager := want{PA: {200, 200}, VR: {403, 403}, VS: {403, 403}, SA: {200, 404}, CA: {403, 404}, CO: {403, 404}, SR: {403, 404}}
			cases := []struct {
				name   string
				method string
				path   func(own bool) string
				body   func(own bool) any
				want   want
			}{
				{"campaign settings", "GET", func(own bool) string { return fmt.Sprintf("/api/v1/staff/campaigns/%d", campaign(own)) }, nil, manager},
				{"change settings", "PUT", func(own bool) string { return fmt.Sprintf("/api/v1/staff/campaigns/%d", campaign(own)) },
					func(own bool) any { return settings("改过的批次") }, manager},
				{"poster", "GET", func(own bool) string { return fmt.Sprintf("/api/v1/staff/campaigns/%d/poster.pdf", campaign(own)) }, nil, manager},
				{"students", "GET", func(own bool) string { return fmt.Sprintf("/api/v1/staff/campaigns/%d/students", campaign(own)) }, nil,
					want{PA: {403, 403}, VR: {403, 403}, VS: {403, 403}, SA: {200, 404}, CA: {200, 404}, CO: {200, 404}, SR: {200, 404}}},
				{"reveal in class", "POST", func(own bool) string {
					if own {
						return fmt.Sprintf("/api/v1/staff/students/%d/reveal", inClass)
					}
					return fmt.Sprintf("/api/v1/staff/students/%d/reveal", otherRow)
				}, func(bool) any { return map[string]string{"reason": "核对学籍"} },
					want{PA: {403, 403}, VR: {403, 403}, VS: {403, 403}, SA: {200, 404}, CA: {200, 404}, CO: {403, 404}, SR: {403, 404}}},
				{"reveal outside the class", "POST", func(own bool) string {
					if own {
						return fmt.Sprintf("/api/v1/staff/students/%d/reveal", inCollege)
					}
					return fmt.Sprintf("/api/v1/staff/students/%d/reveal", otherCollege)
				}, func(bool) any { return map[string]string{"reason": "核对学籍"} },
					// own: the college's (a counsellor's outside); other: another college's.
					want{PA: {403, 403}, VR: {403, 403}, VS: {403, 403}, SA: {200, 200}, CA: {200, 404}, CO: {404, 404}, SR: {403, 403}}},
				{"staff list", "GET", func(bool) string { return "/api/v1/staff/users" }, nil,
					want{PA: {200, 200}, VR: {403, 403}, VS: {403, 403}, SA: {200, 200}, CA: {403, 403}, CO: {403, 403}, SR: {403, 403}}},
				{"a counsellor's classes", "PUT", func(own bool) string {
					if own {
						return fmt.Sprintf("/api/v1/staff/users/%d/classes", ownCounsellor)
					}
					return fmt.Sprintf("/api/v1/staff/users/%d/classes", otherCounsellor)
				}, func(own bool) any {
					if own {
						return map[string]any{"classes": counsellorClasses}
					}
					return map[string]any{"classes": []string{}}
				}, want{PA: {204, 204}, VR: {403, 403}, VS: {403, 403}, SA: {204, 404}, CA: {403, 404}, CO: {403, 404}, SR: {403, 404}}},
				{"enable an account", "PUT", func(own bool) string {
					if own {
						return fmt.Sprintf("/api/v1/staff/users/%d/disabled", ownCounsellor)
					}
					return fmt.Sprintf("/api/v1/staff/users/%d/disabled", otherCounsellor)
				}, func(bool) any { return map[string]bool{"disabled": false} },
					want{PA: {204, 204}, VR: {403, 403}, VS: {403, 403}, SA: {204, 404}, CA: {403, 404}, CO: {403, 404}, SR: {403, 404}}},
				{"classes", "GET", func(bool) string { return "/api/v1/staff/classes" }, nil,
					want{PA: {200, 200}, VR: {403, 403}, VS: {403, 403}, SA: {200, 200}, CA: {403, 403}, CO: {403, 403}, SR: {403, 403}}},
				{"IP allow-list", "PUT", func(bool) string { return "/api/v1/staff/ip-allow" }, func(own bool) any {
					return map[string]any{"school_id": env.Demo.SchoolID, "list": ""}
				}, want{PA: {200, 200}, VR: {403, 403}, VS: {403, 403}, SA: {200, 200}, CA: {403, 403}, CO: {403, 403}, SR: {403, 403}}},
				{"audit log", "GET", func(bool) string { return "/api/v1/staff/audit" }, nil,
					want{PA: {200, 200}, VR: {403, 403}, VS: {403, 403}, SA: {200, 200}, CA: {403, 403}, CO: {403, 403}, SR: {403, 403}}},
				{"campaigns", "GET", func(bool) string { return "/api/v1/staff/campaigns" }, nil,
					want{PA: {200, 200}, VR: {200, 200}, VS: {200, 200}, SA: {200, 200}, CA: {200, 200}, CO: {200, 200}, SR: {200, 200}}},
				{"roster preview", "POST", func(own bool) string {
					return fmt.Sprintf("/api/v1/staff/campaigns/%d/roster?dry_run=1&name=r.csv", campaign(own))
				}, nil, manager},
			}
			// The "reveal outside the class" row: a counsellor's is 404
			// because that row is outside their classes (a college admin's
			// other row is in another college, 404), while a school admin
			// sees both; an SR is inside the school but may not reveal.
			for _, c := range cases {
				for _, role := range domain.Roles() {
					for i, own := range []bool{true, false} {
						var a answer
						switch {
						case c.name == "roster preview":
							a = clients[role].do(c.method, c.path(own), strings.NewReader("姓名,证件号码\n"), "text/csv", nil)
						case c.body != nil:
							a = clients[role].json(c.method, c.path(own), c.body(own))
						default:
							a = clients[role].json(c.method, c.path(own), nil)
						}
						if w := c.want[role][i]; a.status != w {
							t.Errorf("%s as %s, %s: %d, want %d (%s)", c.name, role, map[bool]string{true: "inside", false: "outside"}[own], a.status, w, a.body)
						}
						if a.status == 404 && strings.Contains(string(a.body), "别的大学") || !own && role != PA && strings.Contains(string(a.body), "外校生") {
							t.Errorf("%s as %s: another school's data in %s", c.name, role, a.body)
						}
					}
				}
			}

			// What each sees inside: a college admin their college, a
			// counsellor their classes, a school admin everyone.
			for role, check := range map[domain.Role]func(s studentBody) bool{
				SA: func(s studentBody) bool { return true },
				CA: func(s studentBody) bool { return s.College == "计算机学院" },
				CO: func(s studentBody) bool { return s.Class == counsellorClasses[0] },
			} {
				var p struct {
					Students []studentBody `json:"students"`
					Total    int           `json:"total"`
				}
				clients[role].json("GET", fmt.Sprintf("/api/v1/staff/campaigns/%d/students?limit=200", env.Demo.CampaignID), nil).json(t, &p)
				if len(p.Students) == 0 || len(p.Students) != p.Total {
					t.Errorf("%s sees %d of %d", role, len(p.Students), p.Total)
				}
				for _, s := range p.Students {
					if !check(s) || strings.Contains(s.DocMasked, s.Name) || !strings.Contains(s.DocMasked, "*") {
						t.Errorf("%s sees %+v", role, s)
					}
				}
			}
			var list []struct{ Login string }
			clients[SA].json("GET", "/api/v1/staff/users", nil).json(t, &list)
			for _, u := range list {
				if u.Login == "other.counsellor" || strings.HasPrefix(u.Login, "vendor.") || u.Login == "demo.admin" {
					t.Errorf("the school admin lists %s", u.Login)
				}
			}

			// The vendor's support access: a reason opens one school, and
			// it is in that school's audit chain.
			clients[VS].json("POST", "/api/v1/staff/support-access", map[string]any{"school_id": env.Demo.SchoolID, "reason": "x"}).code(t, 400, "manage.reason_required")
			clients[SA].json("POST", "/api/v1/staff/support-access", map[string]any{"school_id": env.Demo.SchoolID, "reason": "学校工单 12"}).code(t, 403, "manage.forbidden")
			if a := clients[VS].json("POST", "/api/v1/staff/support-access", map[string]any{"school_id": env.Demo.SchoolID, "reason": "学校工单 12：核对名单"}); a.status != 201 {
				t.Fatalf("support access: %d %s", a.status, a.body)
			}
			if a := clients[VS].json("GET", fmt.Sprintf("/api/v1/staff/campaigns/%d/students", env.Demo.CampaignID), nil); a.status != 200 {
				t.Errorf("students with a support access: %d %s", a.status, a.body)
			}
			clients[VS].json("GET", fmt.Sprintf("/api/v1/staff/campaigns/%d/students", otherCampaign), nil).code(t, 403, "manage.support_access_required")
			var full struct {
				DocNumber string `json:"doc_number"`
			}
			a := clients[VS].json("POST", fmt.Sprintf("/api/v1/staff/students/%d/reveal", inClass), map[string]string{"reason": "学生来电核对"})
			a.json(t, &full)
			if a.status != 200 || len(full.DocNumber) != 18 || strings.Contains(full.DocNumber, "*") {
				t.Errorf("reveal with a support access: %d %s", a.status, a.body)
			}
			clients[VR].json("POST", fmt.Sprintf("/api/v1/staff/students/%d/reveal", inClass), map[string]string{"reason": "核对"}).code(t, 403, "manage.support_access_required")
			clients[SA].json("POST", fmt.Sprintf("/api/v1/staff/students/%d/reveal", inClass), map[string]string{"reason": ""}).code(t, 400, "manage.reason_required")

			actions := map[string]int{}
			for _, r := range apptest.Must(st.AuditRows(ctx, env.Demo.SchoolID, 0, 10000))(t) {
				actions[r.Action]++
				if r.Action == "person.reveal_id" && (r.Reason == "" || strings.Contains(r.After, full.DocNumber[6:14])) {
					t.Errorf("reveal row %+v", r)
				}
			}
			for _, want := range []string{"support.access", "person.reveal_id", "campaign.update", "staff.classes", "staff.disable", "school.ip_allow"} {
				if actions[want] == 0 {
					t.Errorf("no %s in the school's audit log: %v", want, actions)
				}
			}
			if _, err := env.App.Audit.Verify(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type studentBody struct {
	Name      string `json:"name"`
	DocMasked string `json:"doc_masked"`
	College   string `json:"college"`
	Class     string `json:"class"`
}
