package manage_test

import (
	"fmt"
	"testing"
	"time"

	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// roster50k is a roster of n fictitious students in 20 colleges of 40
// classes each.
func roster50k(n int) [][]string {
	rows := [][]string{{"姓名", "证件号码", "学号", "学院", "专业", "班级"}}
	day := time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		first := "110101" + day.AddDate(0, 0, i/1000).Format("20060102") + fmt.Sprintf("%03d", i%1000)
		college := fmt.Sprintf("第%d学院", i%20)
		name := string([]rune("赵钱孙李周吴郑王冯陈")[i%10]) + string([]rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平")[(i/10)%20])
		rows = append(rows, []string{name, first + string(idnumber.CheckChar(first)), fmt.Sprintf("2026%06d", i), college, college + "专业",
			fmt.Sprintf("%s %d 班", college, (i/20)%40)})
	}
	return rows
}

// BenchmarkStudentsPage50000: a filtered page of a 50,000-student campaign
// as staff ask for it (the target: 100 ms on both engines): a school
// admin's by college and class, the same admin's by a name prefix, a
// counsellor's own classes, and a deep page (keyset, after= far down).
func BenchmarkStudentsPage50000(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.New(b, d, apptest.Options{NoWorkers: true})
			rep, err := env.App.Roster.Import(b.Context(), env.Demo.CampaignID, roster50k(50000))
			if err != nil || !rep.Imported {
				b.Fatalf("import: %v %+v", err, rep.Errors[:min(3, len(rep.Errors))])
			}
			admin := staff.Staff{User: domain.StaffUser{ID: 1, Role: domain.RoleSchoolAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
			counsellor := staff.Staff{User: domain.StaffUser{ID: 2, Role: domain.RoleCounsellor, SchoolID: env.Demo.SchoolID},
				Scope: domain.Scope{SchoolID: env.Demo.SchoolID, Classes: []string{"第3学院 7 班", "第3学院 8 班"}}}
			for _, c := range []struct {
				name string
				who  staff.Staff
				f    domain.StudentFilter
				min  int // at least this many on the page
			}{
				{"college-and-class", admin, domain.StudentFilter{College: "第3学院", Class: "第3学院 7 班"}, 50},
				{"name-prefix", admin, domain.StudentFilter{Query: "王"}, 50},
				{"counsellor", counsellor, domain.StudentFilter{}, 50},
				{"deep-page", admin, domain.StudentFilter{College: "第3学院", After: 45000}, 50},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						p, err := env.App.Manage.Students(b.Context(), c.who, env.Demo.CampaignID, c.f)
						if err != nil || len(p.Students) < c.min {
							b.Fatalf("%v: %d students", err, len(p.Students))
						}
					}
				})
			}
		})
	}
}
