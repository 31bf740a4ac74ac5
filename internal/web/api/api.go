// Package api is Zhipai's JSON API (/api/v1): every student action, for
// the H5 pages and a WeChat mini-program alike. Browsers authenticate with
// an HttpOnly session cookie plus a CSRF header on every change; the
// mini-program sends its token as a bearer token. Errors are
// {"code": "...", "message": "..."} with the matching HTTP status and,
// for 429 and 503, a Retry-After header. The routes are described by the
// OpenAPI document served at /api/openapi.json.
package api

import (
	_ "embed"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"zhipai/internal/auth"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/manage"
	"zhipai/internal/notify"
	"zhipai/internal/review"
	"zhipai/internal/staff"
	"zhipai/internal/ticket"
)

// Config configures the API.
type Config struct {
	SecureCookies bool
	// PublicURL is the address students use (its origin is this server's).
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (see clientIP); none: the peer is the client.
	TrustedProxies []netip.Prefix
	// MaxPhotoBytes bounds a photo upload (30 MB).
	MaxPhotoBytes int64
	// PhotoBodies bounds the photo bodies being received at once, overall
	// and per user; PhotoIdle is how long a body may send nothing before
	// the connection is dropped (a phone on a slow network sends something
	// every second or so; a stalled sender sends nothing).
	PhotoBodies, PhotoBodiesPerUser int
	PhotoIdle                       time.Duration
	// Refused, when set, is told of every error answer's code and status
	// (the metrics count refusals by code).
	Refused func(code string, status int)
}

// CookieName is the session cookie.
const CookieName = "zp_session"

// API serves the routes.
type API struct {
	cfg     Config
	auth    *auth.Service
	enrol   *enrol.Service
	capture *capture.Service
	staff   *staff.Service
	manage  *manage.Service
	review  *review.Service
	notify  *notify.Service
	tickets *ticket.Service
	log     *slog.Logger
	bodies  *bodies
	// draining closes when the server begins to shut down: long-polls
	// answer at once with what they have, so that apps ask again (another
	// instance, or this one restarted) and the shutdown does not wait them
	// out.
	draining chan struct{}
	drainOne sync.Once
}

// Drain ends every long-poll now and every one that starts later (the
// server is shutting down).
func (a *API) Drain() { a.drainOne.Do(func() { close(a.draining) }) }

// Staff is the staff side's use case (for the console's pages).
func (a *API) Staff() *staff.Service { return a.staff }

// Review is the review workspace (for the console).
func (a *API) Review() *review.Service { return a.review }

// Tickets is customer service (for the console).
func (a *API) Tickets() *ticket.Service { return a.tickets }

// Manage is the staff side's campaign management (for the console).
func (a *API) Manage() *manage.Service { return a.manage }

// Services are the use cases the API serves.
type Services struct {
	Auth    *auth.Service
	Enrol   *enrol.Service
	Capture *capture.Service
	Staff   *staff.Service
	Manage  *manage.Service
	Review  *review.Service
	Notify  *notify.Service
	Ticket  *ticket.Service
}

// New builds the API.
func New(cfg Config, s Services, log *slog.Logger) *API {
	if cfg.MaxPhotoBytes == 0 {
		cfg.MaxPhotoBytes = 30 << 20
	}
	if cfg.PhotoBodies == 0 {
		cfg.PhotoBodies = 64
	}
	if cfg.PhotoBodiesPerUser == 0 {
		cfg.PhotoBodiesPerUser = 2
	}
	if cfg.PhotoIdle == 0 {
		cfg.PhotoIdle = 20 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{cfg: cfg, auth: s.Auth, enrol: s.Enrol, capture: s.Capture, staff: s.Staff, manage: s.Manage, review: s.Review, notify: s.Notify, tickets: s.Ticket, log: log, draining: make(chan struct{}), bodies: newBodies(cfg.PhotoBodies, cfg.PhotoBodiesPerUser)}
}

// Route is one endpoint.
type Route struct {
	Method, Path string
	// Auth: the caller must be signed in.
	Auth    bool
	handler func(w http.ResponseWriter, r *http.Request, c domain.Caller) error
	// photo: the body is an image (raw or multipart), not JSON.
	photo bool
	// Staff: a staff route, authenticated by the staff cookie (staffOnly).
	Staff bool
}

// Routes lists every endpoint (the OpenAPI test walks it).
func (a *API) Routes() []Route {
	sr, cr, ir, ur, br, st := sessionRoutes{a}, campaignRoutes{a}, identityRoutes{a}, uploadRoutes{a}, submissionRoutes{a}, staffRoutes{a}
	sv := serviceRoutes{a}
	return []Route{
		{"GET", "/api/v1/auth/captcha", false, sr.captcha, false, false},
		{"POST", "/api/v1/auth/sms/send", false, sr.sendCode, false, false},
		{"POST", "/api/v1/auth/sms/verify", false, sr.verifyCode, false, false},
		{"POST", "/api/v1/auth/wechat", false, sr.wechatSignIn, false, false},
		{"POST", "/api/v1/auth/signout", true, sr.signOut, false, false},
		{"GET", "/api/v1/me", true, sr.me, false, false},
		{"GET", "/api/v1/doc-types", false, cr.docTypes, false, false},
		{"GET", "/api/v1/campaigns", false, cr.campaigns, false, false},
		{"GET", "/api/v1/join-codes/{code}", false, cr.campaignByCode, false, false},
		{"GET", "/api/v1/campaigns/{id}", false, cr.campaign, false, false},
		{"POST", "/api/v1/campaigns/{id}/join", true, cr.join, false, false},
		{"GET", "/api/v1/campaigns/{id}/status", true, cr.status, false, false},
		{"GET", "/api/v1/campaigns/{id}/consent", true, cr.consent, false, false},
		{"POST", "/api/v1/campaigns/{id}/consent", true, cr.acceptConsent, false, false},
		{"GET", "/api/v1/campaigns/{id}/face-consent", true, cr.faceConsent, false, false},
		{"PUT", "/api/v1/campaigns/{id}/face-consent", true, cr.decideFaceConsent, false, false},
		{"PUT", "/api/v1/campaigns/{id}/identity", true, ir.setIdentity, false, false},
		{"PUT", "/api/v1/campaigns/{id}/id-images/{side}", true, ir.idImage, true, false},
		{"GET", "/api/v1/id-checks/{id}", true, ir.idCheck, false, false},
		{"POST", "/api/v1/campaigns/{id}/match", true, ir.match, false, false},
		{"POST", "/api/v1/campaigns/{id}/confirm", true, ir.confirm, false, false},
		{"POST", "/api/v1/campaigns/{id}/uploads", true, ur.upload, true, false},
		{"GET", "/api/v1/uploads/{id}", true, ur.uploadStatus, false, false},
		{"GET", "/api/v1/uploads/{id}/result.jpg", true, ur.uploadImage(capture.ImageResult), false, false},
		{"GET", "/api/v1/uploads/{id}/preview.jpg", true, ur.uploadImage(capture.ImagePreview), false, false},
		{"POST", "/api/v1/uploads/{id}/submit", true, br.submit, false, false},
		{"GET", "/api/v1/submissions/{id}", true, br.submission, false, false},
		{"POST", "/api/v1/submissions/{id}/withdraw", true, br.withdraw, false, false},
		{"GET", "/api/v1/inbox", true, sv.inbox, false, false},
		{"POST", "/api/v1/inbox/read", true, sv.markRead, false, false},
		{"GET", "/api/v1/tickets", true, sv.myTickets, false, false},
		{"POST", "/api/v1/campaigns/{id}/tickets", true, sv.openTicket, false, false},
		{"GET", "/api/v1/tickets/{id}", true, sv.myTicket, false, false},
		{"POST", "/api/v1/tickets/{id}/messages", true, sv.reply, false, false},
		{"POST", "/api/v1/tickets/{id}/images", true, sv.replyImage, true, false},
		{"GET", "/api/v1/tickets/{id}/messages/{msg}/image", true, sv.myImage, false, false},
		// The staff side: its own cookie, checked by staffOnly.
		{"POST", "/api/v1/staff/auth/signin", false, st.signIn, false, false},
		{"GET", "/api/v1/staff/me", false, a.staffOnly(st.me, true), false, true},
		{"POST", "/api/v1/staff/auth/password", false, a.staffOnly(st.changePassword, true), false, true},
		{"POST", "/api/v1/staff/auth/signout", false, a.staffOnly(st.signOut, true), false, true},
		{"POST", "/api/v1/staff/auth/signout-all", false, a.staffOnly(st.signOutEverywhere, true), false, true},
		{"POST", "/api/v1/staff/campaigns", false, a.staffOnly(st.createCampaign, false), false, true},
		{"GET", "/api/v1/staff/audit", false, a.staffOnly(st.audit, false), false, true},
		{"GET", "/api/v1/staff/roster-template.xlsx", false, a.staffOnly(st.rosterTemplate, false), false, true},
		{"POST", "/api/v1/staff/campaigns/{id}/roster", false, a.staffOnly(st.roster, false), true, true},
		{"GET", "/api/v1/staff/campaigns", false, a.staffOnly(st.campaigns, false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}", false, a.staffOnly(st.campaignSettings, false), false, true},
		{"PUT", "/api/v1/staff/campaigns/{id}", false, a.staffOnly(st.updateCampaign, false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}/poster.png", false, a.staffOnly(st.poster("png"), false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}/poster.pdf", false, a.staffOnly(st.poster("pdf"), false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}/students", false, a.staffOnly(st.students, false), false, true},
		{"POST", "/api/v1/staff/students/{id}/reveal", false, a.staffOnly(st.reveal, false), false, true},
		{"PUT", "/api/v1/staff/students/{id}/exempt", false, a.staffOnly(st.exempt, false), false, true},
		{"POST", "/api/v1/staff/support-access", false, a.staffOnly(st.supportAccess, false), false, true},
		{"GET", "/api/v1/staff/users", false, a.staffOnly(st.staffList, false), false, true},
		{"POST", "/api/v1/staff/users", false, a.staffOnly(st.createStaff, false), false, true},
		{"PUT", "/api/v1/staff/users/{id}/classes", false, a.staffOnly(st.setClasses, false), false, true},
		{"PUT", "/api/v1/staff/users/{id}/disabled", false, a.staffOnly(st.disableStaff, false), false, true},
		{"GET", "/api/v1/staff/classes", false, a.staffOnly(st.classes, false), false, true},
		{"PUT", "/api/v1/staff/ip-allow", false, a.staffOnly(st.ipAllow, false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}/progress", false, a.staffOnly(st.progress, false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}/unfinished.xlsx", false, a.staffOnly(st.unfinished, false), false, true},
		{"POST", "/api/v1/staff/campaigns/{id}/exports", false, a.staffOnly(st.startExport, false), false, true},
		{"GET", "/api/v1/staff/campaigns/{id}/exports", false, a.staffOnly(st.exports, false), false, true},
		{"GET", "/api/v1/staff/exports/{id}", false, a.staffOnly(st.exportStatus, false), false, true},
		{"GET", "/api/v1/staff/exports/{id}/download", false, st.download, false, false},
		{"GET", "/api/v1/staff/review/queue", false, a.staffOnly(st.queue, false), false, true},
		{"POST", "/api/v1/staff/review/next", false, a.staffOnly(st.next, false), false, true},
		{"GET", "/api/v1/staff/review/items/{id}", false, a.staffOnly(st.openItem, false), false, true},
		{"POST", "/api/v1/staff/review/items/{id}/decision", false, a.staffOnly(st.decide, false), false, true},
		{"POST", "/api/v1/staff/review/items/{id}/skip", false, a.staffOnly(st.skip, false), false, true},
		{"POST", "/api/v1/staff/review/items/{id}/unlock", false, a.staffOnly(st.unlock, false), false, true},
		{"POST", "/api/v1/staff/review/batch-approve", false, a.staffOnly(st.batchApprove, false), false, true},
		{"GET", "/api/v1/staff/review/items/{id}/result.jpg", false, a.staffOnly(st.itemImage(review.ImageResult), false), false, true},
		{"GET", "/api/v1/staff/review/items/{id}/original", false, a.staffOnly(st.itemImage(review.ImageOriginal), false), false, true},
		{"GET", "/api/v1/staff/review/items/{id}/idcard", false, a.staffOnly(st.itemImage(review.ImageIDCard), false), false, true},
		{"GET", "/api/v1/staff/review/items/{id}/idcard-portrait.jpg", false, a.staffOnly(st.itemImage(review.ImageIDPortrait), false), false, true},
		{"POST", "/api/v1/staff/review/undo", false, a.staffOnly(st.undo, false), false, true},
		{"POST", "/api/v1/staff/review/items/{id}/sample", false, a.staffOnly(st.sample, false), false, true},
		{"GET", "/api/v1/staff/review/stats", false, a.staffOnly(st.stats, false), false, true},
		{"POST", "/api/v1/staff/campaigns/{id}/remind", false, a.staffOnly(sv.remind, false), false, true},
		{"GET", "/api/v1/staff/tickets", false, a.staffOnly(sv.tickets, false), false, true},
		{"GET", "/api/v1/staff/tickets/{id}", false, a.staffOnly(sv.ticket, false), false, true},
		{"POST", "/api/v1/staff/tickets/{id}/answer", false, a.staffOnly(sv.answer, false), false, true},
		{"POST", "/api/v1/staff/tickets/{id}/close", false, a.staffOnly(sv.closeTicket, false), false, true},
		{"POST", "/api/v1/staff/tickets/{id}/hand-back", false, a.staffOnly(sv.handBack, false), false, true},
		{"PUT", "/api/v1/staff/tickets/{id}/roster", false, a.staffOnly(sv.correctRoster, false), false, true},
		{"GET", "/api/v1/staff/tickets/{id}/messages/{msg}/image", false, a.staffOnly(sv.staffImage, false), false, true},
	}
}

//go:embed openapi.json
var openAPI []byte

// OpenAPI is the API's OpenAPI 3 document.
func OpenAPI() []byte { return openAPI }

// CodeMethod is the error of a request whose path is served, but not with
// its method (405, with an Allow header).
const CodeMethod = "request.method"

// recordError, when set (tests only), is told of every error answer: the
// pattern of the route that answered ("/api/" for the catch-all), the code
// and the status.
var recordError func(pattern, code string, status int)

// Register mounts the routes, the OpenAPI document, and JSON errors for
// the rest of /api/: 405 with Allow for a served path asked with another
// method, 404 for any other path.
func (a *API) Register(mux *http.ServeMux) {
	routes := a.Routes()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Path, a.wrap(rt))
	}
	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	methods := newMethodTable(append(routes, Route{Method: http.MethodGet, Path: "/api/openapi.json"}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow := methods.allowed(r.URL.EscapedPath()); len(allow) > 0 && !slices.Contains(allow, r.Method) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			a.writeError(w, r, errorOf(CodeMethod, nil))
			return
		}
		a.writeError(w, r, &domain.Error{Code: domain.CodeNotFound, Message: "接口不存在"})
	})
}

// methodTable knows the methods of each route path, to tell a wrong
// method (405) from a wrong path (404).
type methodTable []routeMethod

type routeMethod struct {
	segments []string // of the path pattern: literals and {wildcards}
	method   string
}

func newMethodTable(routes []Route) methodTable {
	t := make(methodTable, 0, len(routes))
	for _, rt := range routes {
		t = append(t, routeMethod{strings.Split(strings.TrimPrefix(rt.Path, "/"), "/"), rt.Method})
	}
	return t
}

// allowed lists, sorted, the methods of the routes whose pattern matches
// an escaped request path; none for a path no route serves.
func (t methodTable) allowed(escapedPath string) []string {
	path := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var out []string
	for _, e := range t {
		if matchSegments(e.segments, path) && !slices.Contains(out, e.method) {
			out = append(out, e.method)
		}
	}
	slices.Sort(out)
	return out
}

// matchSegments matches the segments of an escaped path as http.ServeMux
// does: a literal segment equals the unescaped one, a {name} wildcard
// takes one non-empty segment, a final {name...} the rest of the path and
// a final {$} only the empty segment after a trailing slash.
func matchSegments(pattern, path []string) bool {
	for i, p := range pattern {
		if i >= len(path) {
			return false
		}
		wildcard := strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")
		switch {
		case p == "{$}":
			return i == len(path)-1 && path[i] == ""
		case wildcard && strings.HasSuffix(p, "...}"):
			return true
		case wildcard:
			if path[i] == "" {
				return false
			}
		default:
			if seg, err := url.PathUnescape(path[i]); err != nil || seg != p {
				return false
			}
		}
	}
	return len(path) == len(pattern)
}

type callerKey struct{}

// wrap authenticates, checks CSRF, runs the handler and writes its error.
func (a *API) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := a.clientIP(r)
		var c domain.Caller
		c.IP = ip
		if err := a.guard(r, rt); err != nil {
			a.writeError(w, r, err)
			return
		}
		if rt.Auth {
			var err error
			if c, err = a.authenticate(r, ip); err != nil {
				a.writeError(w, r, err)
				return
			}
		}
		if err := rt.handler(w, r, c); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// authenticate takes a bearer token (mini-program) or the session cookie
// (browser). The two never mix: a bearer token is accepted only for a
// session the mini-program opened (WeChat sign-in, which returns the token
// in the body), and a browser's session, whose token only ever travels in
// its HttpOnly cookie, must carry the session's CSRF token on every change
// (the origin was checked by guard).
func (a *API) authenticate(r *http.Request, ip string) (domain.Caller, error) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		c, err := a.auth.Authenticate(r.Context(), strings.TrimPrefix(h, "Bearer "), ip)
		if err == nil && c.Channel != domain.ChannelWeChat {
			return domain.Caller{}, errorOf(auth.CodeAuthRequired, nil)
		}
		return c, err
	}
	ck, err := r.Cookie(CookieName)
	if err != nil {
		return domain.Caller{}, errorOf(auth.CodeAuthRequired, nil)
	}
	c, err := a.auth.Authenticate(r.Context(), ck.Value, ip)
	if err != nil {
		return c, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if r.Header.Get("X-CSRF-Token") != c.CSRF {
			return c, errorOf(auth.CodeCSRF, nil)
		}
	}
	return c, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// readJSON decodes a small JSON body into v.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		return errorOf(domain.CodeRequest, err)
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errorOf(domain.CodeNotFound, nil)
	}
	return id, nil
}

// setSession writes the session cookie.
func (a *API) setSession(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", Expires: expires, MaxAge: int(time.Until(expires).Seconds()),
		HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}
