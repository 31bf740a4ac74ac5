// Package console serves the staff console at /console/: server-rendered
// pages (html/template, embedded, no Node build), in Chinese, for a laptop
// screen and the keyboard. Every action on them is a call of the JSON API
// under /api/v1/staff/, which a small script makes with the session's CSRF
// token; the pages themselves only read.
package console

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/photo"
	"zhipai/internal/review"
	"zhipai/internal/roster"
	"zhipai/internal/staff"
	"zhipai/internal/store"
	"zhipai/internal/ticket"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// CookieName is the staff session cookie (the API's).
const CookieName = "zp_staff"

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date":  func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") },
	"local": func(t time.Time) string { return t.Local().Format("2006-01-02T15:04") }, // an <input type=datetime-local>'s value
	"has":   slices.Contains[[]string],
	"pct": func(n, of int) string {
		if of == 0 {
			return "—"
		}
		return strconv.Itoa(n*100/of) + "%"
	},
	"percent": func(f float64) float64 { return f * 100 },
	"lines":   func(list string) string { return strings.ReplaceAll(list, ",", "\n") }, // a comma-separated list, one per line
}).ParseFS(templates, "templates/*.html"))

// Console serves the pages.
type Console struct {
	staff  *staff.Service
	manage *manage.Service
	review *review.Service
	ticket *ticket.Service
	log    *slog.Logger
	env    Env
}

// Env is what the console learns of a request from the API: the client's
// address (behind trusted proxies) and the address students reach.
type Env struct {
	ClientIP, PublicBase func(*http.Request) string
}

// Register mounts the console at /console/.
func Register(mux *http.ServeMux, s *staff.Service, m *manage.Service, rv *review.Service, tk *ticket.Service, env Env, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Console{staff: s, manage: m, review: rv, ticket: tk, log: log, env: env}
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /console/assets/", http.StripPrefix("/console/assets/", http.FileServerFS(files)))
	mux.HandleFunc("GET /console/{$}", c.home)
	mux.HandleFunc("GET /console/signin", c.signIn)
	mux.HandleFunc("GET /console/password", c.password)
	mux.HandleFunc("GET /console/campaigns/{id}/roster", c.roster)
	mux.HandleFunc("GET /console/campaigns/new", c.newCampaign)
	mux.HandleFunc("GET /console/audit", c.audit)
	mux.HandleFunc("GET /console/campaigns/{id}", c.campaign)
	mux.HandleFunc("GET /console/campaigns/{id}/students", c.students)
	mux.HandleFunc("GET /console/staff", c.staffPage)
	mux.HandleFunc("GET /console/review", c.reviewQueue)
	mux.HandleFunc("GET /console/campaigns/{id}/progress", c.progress)
	mux.HandleFunc("GET /console/campaigns/{id}/export", c.exportPage)
	mux.HandleFunc("GET /console/review/work", c.reviewWork)
	mux.HandleFunc("GET /console/tickets", c.tickets)
	mux.HandleFunc("GET /console/tickets/{id}", c.ticketPage)
}

// page is what every template gets.
type page struct {
	Title     string
	Staff     *domain.StaffUser
	CSRF      string
	Campaigns []campaignRow
	Campaign  *campaignRow
	Specs     []*photo.Spec
	Audit     []manage.AuditRow
	// Admin: may create campaigns and import rosters.
	Admin bool
	// Reviewer: may review photos.
	Reviewer bool
	Now      time.Time

	// A campaign's settings form.
	Settings *manage.CampaignView
	Kinds    []kindOption
	Reasons  []reasonRow
	JoinURL  string
	// The roster's fields, for the column mapping.
	Fields []roster.Field
	// The student list.
	Students       *manage.StudentPage
	Filter         domain.StudentFilter
	Colleges       []string
	ClassNames     []string
	MayReveal      bool
	NextURL        string
	StaffRows      []manage.StaffRow
	Classes        []domain.Class
	Roles          []domain.Role
	School         *domain.School
	ClientIP       string
	Schools        []domain.School
	SupportSchools []string
	NeedSupport    bool // sent here to open a support access first
	// The audit log's filter.
	Actions  []struct{ Action, Title string }
	SchoolID int64
	Queue    *queueView
	Progress *manage.ProgressView
	Exports  []manage.ExportView
	// Customer service.
	Tickets      []domain.Ticket
	Ticket       *domain.Ticket
	TicketStatus string
	Reminds      bool
}

type kindOption struct{ Value, Title string }

type reasonRow struct {
	Code, Title, Text, Default string
	InUse                      bool
}

type campaignRow struct {
	ID                int64
	Name, School      string
	Kind              string
	OpensAt, ClosesAt time.Time
	Open              bool
	JoinCode          string
}

func (c *Console) render(w http.ResponseWriter, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, name, p); err != nil {
		c.log.Error("console: render", "page", name, "error", err)
	}
}

// who is the signed-in staff member, or nil.
func (c *Console) who(r *http.Request) *staff.Staff {
	ck, err := r.Cookie(CookieName)
	if err != nil {
		return nil
	}
	s, err := c.staff.Authenticate(r.Context(), ck.Value, c.env.ClientIP(r))
	if err != nil {
		return nil
	}
	return &s
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	c.render(w, "signin.html", page{Title: "登录管理后台"})
}

func (c *Console) password(w http.ResponseWriter, r *http.Request) {
	s := c.who(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	c.render(w, "password.html", page{Title: "修改密码", Staff: &s.User, CSRF: s.Session.CSRF})
}

// signedIn is the staff member of a page, or nil after redirecting to the
// sign-in page (or to the password page while a one-time password is in
// use).
func (c *Console) signedIn(w http.ResponseWriter, r *http.Request) *staff.Staff {
	s := c.who(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return nil
	}
	if s.User.MustChangePassword {
		http.Redirect(w, r, "/console/password", http.StatusSeeOther)
		return nil
	}
	return s
}

// base is every page's header: who is signed in and the CSRF token.
func base(s *staff.Staff, title string) page {
	return page{Title: title, Staff: &s.User, CSRF: s.Session.CSRF, Admin: s.User.Role.Manages(), Reviewer: s.User.Role.Reviews(), Now: time.Now()}
}

func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch domain.Public(err).Code {
	case manage.CodeSupportAccess: // the vendor's staff: open a support access first
		http.Redirect(w, r, "/console/?need=support", http.StatusSeeOther)
		return
	case domain.CodeInternal:
		c.log.ErrorContext(r.Context(), "console", "path", r.URL.Path, "error", err)
		http.Error(w, "服务器开小差了，请稍后重试。", http.StatusInternalServerError)
		return
	}
	http.NotFound(w, r) // outside the scope, or not the caller's to manage
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	list, err := c.staff.Campaigns(r.Context(), *s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "采集批次")
	p.NeedSupport = r.URL.Query().Get("need") == "support"
	seen := map[int64]bool{}
	for _, cm := range list {
		p.Campaigns = append(p.Campaigns, campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name, Kind: domain.CampaignKind(cm.Kind).Title(),
			OpensAt: cm.OpensAt, ClosesAt: cm.ClosesAt, Open: cm.OpenAt(p.Now), JoinCode: cm.JoinCode})
		if !seen[cm.SchoolID] {
			seen[cm.SchoolID] = true
			p.Schools = append(p.Schools, cm.School)
			if slices.Contains(s.Scope.SupportSchools, cm.SchoolID) {
				p.SupportSchools = append(p.SupportSchools, cm.School.Name)
			}
		}
	}
	c.render(w, "home.html", p)
}

// roster is the page of a campaign's roster import.
func (c *Console) roster(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	cm, err := c.manage.Campaign(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "导入名单")
	p.Campaign, p.Fields = &campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name}, roster.Fields()
	c.render(w, "roster.html", p)
}

// kinds are the campaign types a form offers.
func kinds() []kindOption {
	var out []kindOption
	for _, k := range []string{"freshman", "campus", "diploma", "other"} {
		out = append(out, kindOption{Value: k, Title: domain.CampaignKind(k).Title()})
	}
	return out
}

func specs() []*photo.Spec {
	var out []*photo.Spec
	for _, name := range []string{"chsi", "xueji-blue", "xueji-white", "idcard", "sscard", "1inch", "2inch"} {
		if sp, err := photo.LookupSpec(name); err == nil {
			out = append(out, sp)
		}
	}
	return out
}

// reasons are every reason code, marked and worded as the campaign uses it.
func reasons(inUse []domain.ReasonSetting) []reasonRow {
	text := map[domain.Reason]string{}
	for _, s := range inUse {
		text[s.Code] = s.Text
	}
	var out []reasonRow
	for _, r := range domain.Reasons() {
		t, ok := text[r]
		if !ok {
			t = r.Advice()
		}
		out = append(out, reasonRow{Code: string(r), Title: r.Title(), Text: t, Default: r.Advice(), InUse: ok})
	}
	return out
}

// newCampaign is the form of a new campaign (school and platform admins).
func (c *Console) newCampaign(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	if !s.User.Role.Manages() {
		http.NotFound(w, r)
		return
	}
	p := base(s, "新建采集批次")
	p.Specs, p.Kinds, p.Reasons = specs(), kinds(), reasons(domain.Campaign{}.ReasonsInUse())
	c.render(w, "newcampaign.html", p)
}

// campaign is a campaign's settings, its poster and its links.
func (c *Console) campaign(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	v, err := c.manage.CampaignSettings(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "批次设置")
	p.Settings, p.Specs, p.Kinds, p.Reasons = &v, specs(), kinds(), reasons(v.Reasons)
	p.JoinURL = manage.JoinURL(c.env.PublicBase(r), domain.Campaign{JoinCode: v.JoinCode})
	c.render(w, "campaign.html", p)
}

// students is a campaign's students within the caller's scope, filtered.
func (c *Console) students(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	cm, err := c.manage.CampaignOf(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	f := domain.StudentFilter{College: q.Get("college"), Class: q.Get("class"), Query: q.Get("q"), After: after, Limit: 50}
	pg, err := c.manage.Students(r.Context(), *s, id, f)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	groups, err := c.manage.Groups(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "学生列表")
	p.Campaign = &campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name}
	p.Students, p.Filter, p.MayReveal = &pg, f, s.User.Role.MayReveal()
	for _, g := range groups {
		if !slices.Contains(p.Colleges, g.College) && g.College != "" {
			p.Colleges = append(p.Colleges, g.College)
		}
		if (f.College == "" || g.College == f.College) && g.Name != "" && !slices.Contains(p.ClassNames, g.Name) {
			p.ClassNames = append(p.ClassNames, g.Name)
		}
	}
	if pg.Next != 0 {
		nq := url.Values{"college": {f.College}, "class": {f.Class}, "q": {f.Query}, "after": {strconv.FormatInt(pg.Next, 10)}}
		p.NextURL = r.URL.Path + "?" + nq.Encode()
	}
	c.render(w, "students.html", p)
}

// progress is a campaign's progress per college and class, with the
// chart over time.
func (c *Console) progress(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	v, err := c.manage.Progress(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "采集进度")
	p.Progress, p.Campaign, p.Reminds = &v, &campaignRow{ID: id, Name: v.Campaign}, s.User.Role.Reminds()
	c.render(w, "progress.html", p)
}

// exportPage is a campaign's export form and its recent exports.
func (c *Console) exportPage(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	cm, err := c.manage.Campaign(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	list, err := c.manage.Exports(r.Context(), *s, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "导出照片")
	p.Campaign, p.Exports = &campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name}, list
	c.render(w, "export.html", p)
}

// staffPage is the school's staff, the new-account form, counsellors'
// classes and the IP allow-list (admins).
func (c *Console) staffPage(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	rows, err := c.manage.StaffList(r.Context(), *s)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "人员与权限")
	p.StaffRows, p.ClientIP = rows, c.env.ClientIP(r)
	if s.User.Role == domain.RolePlatformAdmin {
		p.Roles = domain.Roles()
	} else {
		p.Roles = []domain.Role{domain.RoleCollegeAdmin, domain.RoleCounsellor, domain.RoleSchoolReviewer}
		sc, err := c.manage.SchoolOf(r.Context(), *s)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		p.School = &sc
		if p.Classes, err = c.manage.Classes(r.Context(), *s, 0); err != nil {
			c.fail(w, r, err)
			return
		}
		for _, k := range p.Classes {
			if k.College != "" && !slices.Contains(p.Colleges, k.College) {
				p.Colleges = append(p.Colleges, k.College)
			}
		}
	}
	c.render(w, "staff.html", p)
}

// audit is the school's audit log, newest first (admins only).
func (c *Console) audit(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	school, _ := strconv.ParseInt(q.Get("school_id"), 10, 64)
	rows, err := c.manage.Audit(r.Context(), *s, school, before, q.Get("action"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "审计日志")
	p.Audit, p.Filter.Query = rows, q.Get("action")
	if len(rows) == 100 {
		nq := url.Values{"action": {q.Get("action")}, "school_id": {q.Get("school_id")}, "before": {strconv.FormatInt(rows[len(rows)-1].Seq, 10)}}
		p.NextURL = r.URL.Path + "?" + nq.Encode()
	}
	if s.Scope.Vendor {
		p.SchoolID = school
		list, err := c.staff.Campaigns(r.Context(), *s)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		seen := map[int64]bool{}
		for _, cm := range list {
			if !seen[cm.SchoolID] {
				seen[cm.SchoolID] = true
				p.Schools = append(p.Schools, cm.School)
			}
		}
	}
	p.Actions = manage.AuditActions
	c.render(w, "audit.html", p)
}

// tickets is customer service's list: the tickets in scope, those due
// first.
func (c *Console) tickets(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	if s.Scope.Vendor && len(s.Scope.SupportSchools) == 0 {
		// Tickets hold students' words and images: the vendor's staff
		// open a support access to a school first.
		http.Redirect(w, r, "/console/?need=support", http.StatusSeeOther)
		return
	}
	status := r.URL.Query().Get("status")
	if status == "" {
		status = string(domain.TicketOpen)
	} else if status == "all" {
		status = ""
	}
	list, err := c.ticket.Queue(r.Context(), *s, store.TicketFilter{Status: domain.TicketStatus(status)})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "在线客服")
	p.Tickets, p.TicketStatus = list, status
	c.render(w, "tickets.html", p)
}

// ticketPage is a ticket's thread with what staff may do from it.
func (c *Console) ticketPage(w http.ResponseWriter, r *http.Request) {
	s := c.signedIn(w, r)
	if s == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	t, err := c.ticket.Get(r.Context(), *s, id, staff.Where{IP: c.env.ClientIP(r), UA: r.UserAgent()})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := base(s, "客服问题")
	p.Ticket = &t
	c.render(w, "ticket.html", p)
}
