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
	"strconv"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/photo"
	"zhipai/internal/staff"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// CookieName is the staff session cookie (the API's).
const CookieName = "zp_staff"

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") },
}).ParseFS(templates, "templates/*.html"))

// Console serves the pages.
type Console struct {
	staff  *staff.Service
	manage *manage.Service
	log    *slog.Logger
}

// Register mounts the console at /console/.
func Register(mux *http.ServeMux, s *staff.Service, m *manage.Service, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Console{staff: s, manage: m, log: log}
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /console/assets/", http.StripPrefix("/console/assets/", http.FileServerFS(files)))
	mux.HandleFunc("GET /console/{$}", c.home)
	mux.HandleFunc("GET /console/signin", c.signIn)
	mux.HandleFunc("GET /console/password", c.password)
	mux.HandleFunc("GET /console/campaigns/{id}/roster", c.roster)
	mux.HandleFunc("GET /console/campaigns/new", c.newCampaign)
	mux.HandleFunc("GET /console/audit", c.audit)
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
	Now   time.Time
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
	s, err := c.staff.Authenticate(r.Context(), ck.Value)
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

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	s := c.who(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	if s.User.MustChangePassword {
		http.Redirect(w, r, "/console/password", http.StatusSeeOther)
		return
	}
	list, err := c.staff.Campaigns(r.Context(), *s)
	if err != nil {
		c.log.Error("console: campaigns", "error", err)
		http.Error(w, "服务器开小差了，请稍后重试。", http.StatusInternalServerError)
		return
	}
	now := time.Now()
	p := page{Title: "采集批次", Staff: &s.User, CSRF: s.Session.CSRF, Now: now, Admin: isAdmin(s.User)}
	for _, cm := range list {
		p.Campaigns = append(p.Campaigns, campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name, Kind: domain.CampaignKind(cm.Kind).Title(),
			OpensAt: cm.OpensAt, ClosesAt: cm.ClosesAt, Open: cm.OpenAt(now), JoinCode: cm.JoinCode})
	}
	c.render(w, "home.html", p)
}

// roster is the page of a campaign's roster import.
func (c *Console) roster(w http.ResponseWriter, r *http.Request) {
	s := c.who(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	cm, err := c.manage.Campaign(r.Context(), *s, id)
	if err != nil {
		http.NotFound(w, r) // outside the scope, or not the caller's to manage
		return
	}
	c.render(w, "roster.html", page{Title: "导入名单", Staff: &s.User, CSRF: s.Session.CSRF, Campaign: &campaignRow{ID: cm.ID, Name: cm.Name, School: cm.School.Name}})
}

func isAdmin(u domain.StaffUser) bool {
	return u.Role.Manages()
}

// newCampaign is the form of a new campaign (school and platform admins).
func (c *Console) newCampaign(w http.ResponseWriter, r *http.Request) {
	s := c.who(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	if !isAdmin(s.User) {
		http.NotFound(w, r)
		return
	}
	var specs []*photo.Spec
	for _, name := range []string{"chsi", "xueji-blue", "xueji-white", "idcard", "sscard", "1inch", "2inch"} {
		if sp, err := photo.LookupSpec(name); err == nil {
			specs = append(specs, sp)
		}
	}
	c.render(w, "newcampaign.html", page{Title: "新建采集批次", Staff: &s.User, CSRF: s.Session.CSRF, Specs: specs})
}

// audit is the school's audit log, newest first (admins only).
func (c *Console) audit(w http.ResponseWriter, r *http.Request) {
	s := c.who(r)
	if s == nil {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	rows, err := c.manage.Audit(r.Context(), *s, 0, 0, r.URL.Query().Get("action"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	c.render(w, "audit.html", page{Title: "审计日志", Staff: &s.User, CSRF: s.Session.CSRF, Audit: rows, Admin: true})
}
