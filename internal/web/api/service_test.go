package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/store"
	"zhipai/internal/web"
	"zhipai/internal/web/api"
)

// studentOf signs in over HTTP as the seeded student of a submission.
func studentOf(t *testing.T, env *apptest.Env, base string, sub int64) *client {
	t.Helper()
	ctx := context.Background()
	s := apptest.Must(env.App.Store.Submission(ctx, sub))(t)
	e := apptest.Must(env.App.Store.Enrolment(ctx, s.EnrolmentID))(t)
	return signIn(t, env, base, fmt.Sprintf("139%08d", 10000000+e.RosterRowID))
}

// TestTicketsOverHTTP: a student asks customer service, with an image;
// nobody else sees the ticket; the school answers and the answer is in
// the student's inbox; from the ticket staff hand the photo under review
// back for a retake and correct the roster row, each audited and each
// refused to the roles that may not; a closed ticket takes nothing more.
func TestTicketsOverHTTP(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{})
	ts, _ := newServer(t, env)
	ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 2, 0))(t)
	student, other := studentOf(t, env, ts.URL, ids[0]), studentOf(t, env, ts.URL, ids[1])
	open := fmt.Sprintf("/api/v1/campaigns/%d/tickets", env.Demo.CampaignID)

	student.json("POST", open, map[string]string{"kind": "bogus", "body": "学号错了"}).code(t, 400, "ticket.kind")
	student.json("POST", open, map[string]string{"kind": "info_wrong", "body": " "}).code(t, 400, "ticket.body")
	student.json("POST", "/api/v1/campaigns/999999/tickets", map[string]string{"kind": "info_wrong", "body": "学号错了"}).code(t, 404, "not_found")
	var tk map[string]any
	a := student.json("POST", open, map[string]string{"kind": "info_wrong", "body": "我的学号导入错了，应为 2026010203。"})
	a.json(t, &tk)
	if a.status != 201 || tk["status"] != "open" || tk["due_at"] == nil || tk["kind_title"] != "信息有误" {
		t.Fatalf("open: %d %s", a.status, a.body)
	}
	id := int64(tk["id"].(float64))
	path := fmt.Sprintf("/api/v1/tickets/%d", id)
	other.json("GET", path, nil).code(t, 404, "not_found")
	student.do("POST", path+"/images", strings.NewReader("not an image"), "image/png", nil).code(t, 422, "ticket.attachment")
	png := apptest.Testdata(t, "hopper.jpg")
	a = student.do("POST", path+"/images?text=截图", bytes.NewReader(png), "image/jpeg", nil)
	a.json(t, &tk)
	msgs := tk["messages"].([]any)
	if a.status != 200 || len(msgs) != 2 || msgs[1].(map[string]any)["image"] != true {
		t.Fatalf("image: %d %s", a.status, a.body)
	}
	img := fmt.Sprintf("%s/messages/%d/image", path, int64(msgs[1].(map[string]any)["id"].(float64)))
	if a := student.json("GET", img, nil); a.status != 200 || !bytes.Equal(a.body, png) {
		t.Fatalf("own image: %d", a.status)
	}
	other.json("GET", img, nil).code(t, 404, "not_found")

	admin, _ := staffFrom(t, ts.URL, demoStaff("demo.school"), "127.0.0.1")
	reviewer, _ := staffFrom(t, ts.URL, demoStaff("demo.reviewer"), "127.0.0.1")
	vendor, _ := staffFrom(t, ts.URL, demoStaff("demo.admin"), "127.0.0.1")
	var list struct{ Tickets []map[string]any }
	admin.json("GET", "/api/v1/staff/tickets?status=open", nil).json(t, &list)
	if len(list.Tickets) != 1 || list.Tickets[0]["student"] == "" || list.Tickets[0]["messages"] != nil {
		t.Fatalf("staff list %+v", list)
	}
	spath := fmt.Sprintf("/api/v1/staff/tickets/%d", id)
	// The vendor's staff see a school's tickets only with a support access.
	vendor.json("GET", spath+img[len(path):], nil).code(t, 404, "not_found")
	if a := vendor.json("POST", "/api/v1/staff/support-access", map[string]any{"school_id": env.Demo.SchoolID, "reason": "学生来电咨询信息有误的问题"}); a.status/100 != 2 {
		t.Fatalf("support access: %d %s", a.status, a.body)
	}
	if a := vendor.json("GET", spath+img[len(path):], nil); a.status != 200 {
		t.Errorf("the vendor's support with an access sees the image: %d", a.status)
	}
	admin.json("POST", spath+"/answer", map[string]string{"body": ""}).code(t, 400, "ticket.body")
	a = admin.json("POST", spath+"/answer", map[string]string{"body": "已核实，学号已更正。"})
	if a.status != 200 || !strings.Contains(string(a.body), `"status":"answered"`) {
		t.Fatalf("answer: %d %s", a.status, a.body)
	}
	var inbox struct {
		Notices []map[string]any
		Unread  int
	}
	student.json("GET", "/api/v1/inbox", nil).json(t, &inbox)
	if len(inbox.Notices) == 0 || inbox.Notices[0]["kind"] != "ticket.reply" || inbox.Notices[0]["body"] != "已核实，学号已更正。" || inbox.Notices[0]["title"] != "学校老师回复了你的问题（信息有误）" || inbox.Unread < 2 {
		t.Fatalf("inbox %+v", inbox)
	}
	student.json("POST", "/api/v1/inbox/read", map[string]any{"id": "x"}).code(t, 400, "request.invalid")
	if a := student.json("POST", "/api/v1/inbox/read", map[string]int{"id": 0}); a.status != 204 {
		t.Fatalf("read all: %d", a.status)
	}
	student.json("GET", "/api/v1/inbox", nil).json(t, &inbox)
	if inbox.Unread != 0 {
		t.Errorf("unread after reading all: %d", inbox.Unread)
	}

	counsellor, _ := staffFrom(t, ts.URL, demoStaff("demo.counsellor"), "127.0.0.1")
	reviewer.json("POST", spath+"/hand-back", map[string]string{"reason": ""}).code(t, 400, "ticket.body")
	counsellor.json("POST", spath+"/hand-back", map[string]string{"reason": "学生要求更换照片"}).code(t, 403, "ticket.forbidden")
	if a := reviewer.json("POST", spath+"/hand-back", map[string]string{"reason": "学生要求更换照片"}); a.status != 204 {
		t.Fatalf("hand back: %d %s", a.status, a.body)
	}
	if sub := apptest.Must(env.App.Store.Submission(ctx, ids[0]))(t); sub.State != domain.StateRejected || sub.Note != "学生要求更换照片" {
		t.Fatalf("handed back: %+v", sub)
	}
	reviewer.json("POST", spath+"/hand-back", map[string]string{"reason": "再退一次"}).code(t, 409, "ticket.no_review")
	fix := map[string]string{"name": "张三", "student_no": "2026010203", "exam_no": "", "college": "计算机学院", "major": "计算机科学与技术", "class": "计科2601"}
	reviewer.json("PUT", spath+"/roster", fix).code(t, 403, "ticket.forbidden")
	admin.json("PUT", spath+"/roster", map[string]string{"name": ""}).code(t, 400, "ticket.roster_fix")
	if a := admin.json("PUT", spath+"/roster", fix); a.status != 204 {
		t.Fatalf("correct roster: %d %s", a.status, a.body)
	}
	e := apptest.Must(env.App.Store.Enrolment(ctx, apptest.Must(env.App.Store.Submission(ctx, ids[0]))(t).EnrolmentID))(t)
	row, _, err := env.App.Store.StudentIn(ctx, domain.Scope{SchoolID: env.Demo.SchoolID}, e.RosterRowID)
	if err != nil || row.StudentNo != "2026010203" || row.ClassName != "计科2601" {
		t.Fatalf("corrected row %+v %v", row, err)
	}
	actions := map[string]bool{}
	for _, r := range apptest.Must(env.App.Store.AuditRows(ctx, env.Demo.SchoolID, 0, 1000))(t) {
		actions[r.Action] = true
	}
	for _, want := range []string{"ticket.view", "ticket.answer", "ticket.hand_back", "ticket.correct_roster"} {
		if !actions[want] {
			t.Errorf("%s is not audited", want)
		}
	}
	if a := admin.json("POST", spath+"/close", nil); a.status != 204 {
		t.Fatalf("close: %d %s", a.status, a.body)
	}
	admin.json("POST", spath+"/close", nil).code(t, 409, "ticket.closed")
	student.json("POST", path+"/messages", map[string]string{"body": "还有一个问题"}).code(t, 409, "ticket.closed")
	admin.json("POST", spath+"/answer", map[string]string{"body": "补充"}).code(t, 409, "ticket.closed")
	admin.json("GET", "/api/v1/staff/tickets/999999", nil).code(t, 404, "not_found")

	for i := range 5 {
		if a := student.json("POST", open, map[string]string{"kind": "other", "body": fmt.Sprintf("问题 %d", i)}); a.status != 201 {
			t.Fatalf("ticket %d: %d %s", i, a.status, a.body)
		}
	}
	student.json("POST", open, map[string]string{"kind": "other", "body": "第六个"}).code(t, 429, "ticket.too_many")
	// Replies are bounded too (20 messages an hour): a thread is not a
	// file store.
	var mine struct{ Tickets []struct{ ID int64 } }
	student.json("GET", "/api/v1/tickets", nil).json(t, &mine)
	reply := fmt.Sprintf("/api/v1/tickets/%d/messages", mine.Tickets[0].ID)
	limited := false
	for i := 0; i < 25 && !limited; i++ {
		a := student.json("POST", reply, map[string]string{"body": fmt.Sprintf("补充 %d", i)})
		if a.status == 429 {
			a.code(t, 429, "ticket.too_frequent")
			limited = a.header.Get("Retry-After") != ""
		}
	}
	if !limited {
		t.Error("25 replies in a row were all taken")
	}
}

// TestRemindAndUndoOverHTTP: a counsellor reminds their unfinished
// students (once a day), a reviewer may not; a reviewer takes back an
// approval within the window.
func TestRemindAndUndoOverHTTP(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 2, 0))(t)
	remind := fmt.Sprintf("/api/v1/staff/campaigns/%d/remind", env.Demo.CampaignID)
	reviewer, _ := staffFrom(t, ts.URL, demoStaff("demo.reviewer"), "127.0.0.1")
	admin, _ := staffFrom(t, ts.URL, demoStaff("demo.school"), "127.0.0.1")
	reviewer.json("POST", remind, map[string]string{}).code(t, 403, "manage.forbidden")
	admin.json("POST", "/api/v1/staff/campaigns/999999/remind", map[string]string{}).code(t, 404, "not_found")
	admin.json("POST", remind, "x").code(t, 400, "request.invalid")
	var got struct {
		Sent, Already int
		NoAccount     int `json:"no_account"`
	}
	admin.json("POST", remind, map[string]string{}).json(t, &got)
	if got.NoAccount == 0 || got.Sent != 0 {
		t.Errorf("reminded %+v: both seeded students wait for review, the rest have no account", got)
	}
	reviewer.json("POST", "/api/v1/staff/review/undo", "x").code(t, 400, "request.invalid")
	if a := reviewer.json("GET", fmt.Sprintf("/api/v1/staff/review/items/%d", ids[0]), nil); a.status != 200 {
		t.Fatalf("open: %d %s", a.status, a.body)
	}
	if a := reviewer.json("POST", fmt.Sprintf("/api/v1/staff/review/items/%d/decision", ids[0]), map[string]any{"approve": true}); a.status != 200 {
		t.Fatalf("approve: %d %s", a.status, a.body)
	}
	var undone struct{ Undone []int64 }
	reviewer.json("POST", "/api/v1/staff/review/undo", map[string][]int64{"ids": {ids[0], ids[1]}}).json(t, &undone)
	if len(undone.Undone) != 1 || undone.Undone[0] != ids[0] {
		t.Fatalf("undone %v", undone)
	}
	counsellor, _ := staffFrom(t, ts.URL, demoStaff("demo.counsellor"), "127.0.0.1")
	counsellor.json("POST", "/api/v1/staff/review/undo", map[string][]int64{"ids": {ids[0]}}).code(t, 403, "review.forbidden")
}

// TestShutdownEndsLongPolls: when the server shuts down, a student's
// long-poll for a photo still in the queue answers at once with the
// upload as it is (the app asks again, elsewhere), readiness says no, and
// the server stops within its shutdown time instead of waiting the poll
// out.
func TestShutdownEndsLongPolls(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	srv := web.New(api.New(api.Config{}, env.App.Services(), nil), env.App.Store.DB(), nil)
	sctx, stop := context.WithCancel(ctx)
	addr := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, "127.0.0.1:0", func(a net.Addr) { addr <- a.String() }) }()
	base := "http://" + <-addr
	srv.SetReady(true)
	c := newClient(t, base)
	var in api.SignInBody
	c.json("POST", "/api/v1/auth/wechat", map[string]string{"code": "wx-shutdown"}).json(t, &in)
	who := apptest.Must(env.App.Auth.Authenticate(ctx, in.Token, "ip"))(t)
	apptest.Enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
	up, _, err := env.App.Capture.Upload(ctx, who, env.Demo.CampaignID, "key-shutdown-1", apptest.Testdata(t, "astronaut.png"))
	apptest.NoErr(t, err)
	mini := &client{t: t, base: base, c: &http.Client{}}
	polled := make(chan answer, 1)
	go func() {
		polled <- mini.do("GET", fmt.Sprintf("/api/v1/uploads/%d?wait=30", up.ID), nil, "", map[string]string{"Authorization": "Bearer " + in.Token})
	}()
	for env.App.Capture.Waiting() == 0 {
		time.Sleep(10 * time.Millisecond) // the poll is waiting
	}
	stop()
	a := <-polled
	var body struct{ Status string }
	a.json(t, &body)
	if a.status != 200 || body.Status != "queued" {
		t.Fatalf("the long-poll at shutdown: %d %s", a.status, a.body)
	}
	if err := <-served; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
