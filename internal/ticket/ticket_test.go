package ticket_test

import (
	"bytes"
	"context"
	"testing"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/staff"
	"zhipai/internal/store"
	"zhipai/internal/ticket"
)

// TestTicketBoundaries: a ticket is only for a campaign the student has
// entered; an image must decode; invisible characters are no message; the
// vendor's staff see a school's tickets only with a support access; a
// college admin corrects rows only into their own college.
func TestTicketBoundaries(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 1, 0))(t)
	sub := apptest.Must(env.App.Store.Submission(ctx, ids[0]))(t)
	e := apptest.Must(env.App.Store.Enrolment(ctx, sub.EnrolmentID))(t)
	who := domain.Caller{UserID: e.UserID}
	tk := env.App.Ticket
	other := apptest.Must(env.App.Store.CreateCampaign(ctx, domain.Campaign{SchoolID: env.Demo.SchoolID, Name: "另一个批次", Kind: "campus", SpecJSON: `{"name":"idcard"}`, JoinCode: "OTHER1"}))(t)
	_, err := tk.Open(ctx, who, other, domain.TicketOther, ticket.Message{Body: "没有进入这个批次"})
	apptest.Code(t, err, domain.CodeNotFound)
	_, err = tk.Open(ctx, who, env.Demo.CampaignID, domain.TicketOther, ticket.Message{Body: "\u200b\u200b\u200b\x00"})
	apptest.Code(t, err, ticket.CodeBody)
	fake := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 4096)...)
	_, err = tk.Open(ctx, who, env.Demo.CampaignID, domain.TicketOther, ticket.Message{Body: "截图", Attachment: fake})
	apptest.Code(t, err, ticket.CodeAttachment)
	opened := apptest.Must(tk.Open(ctx, who, env.Demo.CampaignID, domain.TicketInfoWrong, ticket.Message{Body: "学号\x00有误\u200b"}))(t)
	if opened.Messages[0].Body != "学号有误" {
		t.Errorf("stored body %q", opened.Messages[0].Body)
	}
	where := staff.Where{IP: "test"}
	support := staff.Staff{User: domain.StaffUser{ID: 900, Role: domain.RoleVendorSupport}, Scope: domain.Scope{Vendor: true}}
	if list := apptest.Must(tk.Queue(ctx, support, store.TicketFilter{}))(t); len(list) != 0 {
		t.Fatalf("the vendor's support sees %d tickets without a support access", len(list))
	}
	_, err = tk.Get(ctx, support, opened.ID, where)
	apptest.Code(t, err, domain.CodeNotFound)
	support.Scope.SupportSchools = []int64{env.Demo.SchoolID}
	apptest.Must(tk.Get(ctx, support, opened.ID, where))(t)

	row, _, err := env.App.Store.StudentIn(ctx, domain.Scope{SchoolID: env.Demo.SchoolID}, e.RosterRowID)
	apptest.NoErr(t, err)
	college := staff.Staff{User: domain.StaffUser{ID: 901, Role: domain.RoleCollegeAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID, College: row.College}}
	fix := domain.RosterFix{Name: row.Name, StudentNo: row.StudentNo, College: "别的学院", Class: row.ClassName}
	apptest.Code(t, tk.CorrectRoster(ctx, college, opened.ID, fix, where), ticket.CodeRosterFix)
	fix.College, fix.Class = row.College, "更正后的班级"
	apptest.NoErr(t, tk.CorrectRoster(ctx, college, opened.ID, fix, where))
}
