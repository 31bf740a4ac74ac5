package api

// The OpenAPI document is what a mini-program's client is generated from:
// these tests keep it complete (operation ids, required fields, examples,
// the error codes of each operation by status) and true to the server
// (every error a test of this package gets from the server must be listed
// for its operation; see TestMain). TestOpenAPIDocumentsEveryRoute in
// api_test.go checks that the document and Routes() list the same routes.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"zhipai/internal/auth"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
)

// recorded is every error answer written while the tests ran.
var recorded struct {
	sync.Mutex
	errs []recordedError
}

type recordedError struct {
	pattern, code string
	status        int
}

// TestMain records every error answer of every test of the package (this
// file's and api_test's) and, once they all passed, checks that each one is
// documented for its operation and status.
func TestMain(m *testing.M) {
	recordError = func(pattern, code string, status int) {
		recorded.Lock()
		defer recorded.Unlock()
		recorded.errs = append(recorded.errs, recordedError{pattern, code, status})
	}
	code := m.Run()
	recordError = nil
	if code == 0 {
		if missing := undocumentedErrors(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "--- FAIL: TestMain: errors answered by the server but not in openapi.json (add each code to the response of its status and to the operation's x-error-codes):\n\t%s\n", strings.Join(missing, "\n\t"))
			fmt.Println("FAIL")
			code = 1
		}
	}
	os.Exit(code)
}

// undocumentedErrors lists the recorded errors the document does not give
// for their operation and status.
func undocumentedErrors() []string {
	d, err := loadDoc()
	if err != nil {
		return []string{err.Error()}
	}
	recorded.Lock()
	defer recorded.Unlock()
	seen := map[recordedError]bool{}
	var out []string
	for _, e := range recorded.errs {
		if seen[e] {
			continue
		}
		seen[e] = true
		if msg := d.documents(e); msg != "" {
			out = append(out, msg)
		}
	}
	sort.Strings(out)
	return out
}

// documents says what is missing for a recorded error ("" when nothing).
func (d *doc) documents(e recordedError) string {
	what := fmt.Sprintf("%s: %d %s", e.pattern, e.status, e.code)
	if e.pattern == "/api/" { // the catch-all: documented in info.description
		want := map[string]int{domain.CodeNotFound: http.StatusNotFound, CodeMethod: http.StatusMethodNotAllowed}
		desc, _ := d.m("info")["description"].(string)
		if want[e.code] != e.status || !strings.Contains(desc, e.code) || !strings.Contains(desc, strconv.Itoa(e.status)) {
			return what + ": not described in info.description"
		}
		return ""
	}
	method, path, ok := strings.Cut(e.pattern, " ")
	op := asMap(asMap(d.m("paths")[path])[strings.ToLower(method)])
	if !ok || op == nil {
		return what + ": the route is not in the document"
	}
	resp := d.resolve(asMap(asMap(op["responses"])[strconv.Itoa(e.status)]))
	if resp == nil {
		return fmt.Sprintf("%s: %s has no %d response", what, op["operationId"], e.status)
	}
	if !slices.Contains(strs(resp["x-error-codes"]), e.code) {
		return fmt.Sprintf("%s: %s's %d response does not list %s", what, op["operationId"], e.status, e.code)
	}
	if !slices.Contains(strs(op["x-error-codes"]), e.code) {
		return fmt.Sprintf("%s: %s's x-error-codes do not list %s", what, op["operationId"], e.code)
	}
	return ""
}

// doc is the OpenAPI document as plain JSON values.
type doc struct{ root map[string]any }

func loadDoc() (*doc, error) {
	var root map[string]any
	if err := json.Unmarshal(OpenAPI(), &root); err != nil {
		return nil, fmt.Errorf("openapi.json: %v", err)
	}
	return &doc{root}, nil
}

func mustDoc(t *testing.T) *doc {
	t.Helper()
	d, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *doc) m(key string) map[string]any { return asMap(d.root[key]) }

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func strs(v any) []string {
	var out []string
	for _, s := range asList(v) {
		if s, ok := s.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// resolve follows a local $ref ("#/components/...").
func (d *doc) resolve(v map[string]any) map[string]any {
	for range 10 {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		cur := d.root
		for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = asMap(cur[k])
		}
		v = cur
	}
	return v
}

type operation struct {
	method, path string
	op           map[string]any
}

func (o operation) String() string {
	return fmt.Sprintf("%s %s (%v)", strings.ToUpper(o.method), o.path, o.op["operationId"])
}

// operations lists the document's operations, in path order.
func (d *doc) operations() []operation {
	var out []operation
	for path, item := range d.m("paths") {
		for method, op := range asMap(item) {
			out = append(out, operation{method, path, asMap(op)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].path+" "+out[i].method < out[j].path+" "+out[j].method
	})
	return out
}

// wantOperationIDs are the ids clients are generated with: renaming one
// breaks every generated client, so each is fixed here.
var wantOperationIDs = map[string]string{
	"GET /api/v1/id-checks/{id}":                          "getIDCheck",
	"GET /api/v1/campaigns/{id}/face-consent":             "getFaceConsent",
	"PUT /api/v1/campaigns/{id}/face-consent":             "putFaceConsent",
	"GET /api/v1/inbox":                                   "getInbox",
	"POST /api/v1/inbox/read":                             "markInboxRead",
	"GET /api/v1/tickets":                                 "listMyTickets",
	"POST /api/v1/campaigns/{id}/tickets":                 "openTicket",
	"GET /api/v1/tickets/{id}":                            "getMyTicket",
	"POST /api/v1/tickets/{id}/messages":                  "replyTicket",
	"POST /api/v1/tickets/{id}/images":                    "addTicketImage",
	"GET /api/v1/tickets/{id}/messages/{msg}/image":       "getMyTicketImage",
	"POST /api/v1/staff/review/undo":                      "undoApprovals",
	"POST /api/v1/staff/campaigns/{id}/remind":            "remindUnfinished",
	"GET /api/v1/staff/tickets":                           "listTickets",
	"GET /api/v1/staff/tickets/{id}":                      "getTicket",
	"POST /api/v1/staff/tickets/{id}/answer":              "answerTicket",
	"POST /api/v1/staff/tickets/{id}/close":               "closeTicket",
	"POST /api/v1/staff/tickets/{id}/hand-back":           "handBackForRetake",
	"PUT /api/v1/staff/tickets/{id}/roster":               "correctRoster",
	"GET /api/v1/staff/tickets/{id}/messages/{msg}/image": "getTicketImage",
	"GET /api/v1/auth/captcha":                            "getCaptcha",
	"POST /api/v1/staff/auth/signin":                      "staffSignIn",
	"GET /api/v1/staff/me":                                "getStaffMe",
	"POST /api/v1/staff/auth/password":                    "changeStaffPassword",
	"POST /api/v1/staff/auth/signout":                     "staffSignOut",
	"POST /api/v1/staff/auth/signout-all":                 "staffSignOutEverywhere",
	"POST /api/v1/staff/campaigns":                        "createCampaign",
	"GET /api/v1/staff/audit":                             "listAudit",
	"GET /api/v1/staff/roster-template.xlsx":              "getRosterTemplate",
	"POST /api/v1/staff/campaigns/{id}/roster":            "importRoster",
	"GET /api/v1/staff/campaigns":                         "listStaffCampaigns",
	"GET /api/v1/staff/campaigns/{id}":                    "getCampaignSettings",
	"PUT /api/v1/staff/campaigns/{id}":                    "updateCampaign",
	"GET /api/v1/staff/campaigns/{id}/poster.png":         "getCampaignPosterPNG",
	"GET /api/v1/staff/campaigns/{id}/poster.pdf":         "getCampaignPosterPDF",
	"GET /api/v1/staff/campaigns/{id}/students":           "listStudents",
	"POST /api/v1/staff/students/{id}/reveal":             "revealDocNumber",
	"PUT /api/v1/staff/students/{id}/exempt":              "setStudentExempt",
	"POST /api/v1/staff/support-access":                   "openSupportAccess",
	"GET /api/v1/staff/users":                             "listStaff",
	"POST /api/v1/staff/users":                            "createStaff",
	"PUT /api/v1/staff/users/{id}/classes":                "setStaffClasses",
	"PUT /api/v1/staff/users/{id}/disabled":               "setStaffDisabled",
	"GET /api/v1/staff/classes":                           "listClasses",
	"PUT /api/v1/staff/ip-allow":                          "setStaffIPAllow",
	"POST /api/v1/auth/sms/send":                          "sendSMSCode",
	"POST /api/v1/auth/sms/verify":                        "verifySMSCode",
	"POST /api/v1/auth/wechat":                            "signInWeChat",
	"POST /api/v1/auth/signout":                           "signOut",
	"GET /api/v1/me":                                      "getMe",
	"GET /api/v1/doc-types":                               "listDocTypes",
	"GET /api/v1/campaigns":                               "listCampaigns",
	"GET /api/v1/join-codes/{code}":                       "getCampaignByJoinCode",
	"GET /api/v1/campaigns/{id}":                          "getCampaign",
	"POST /api/v1/campaigns/{id}/join":                    "joinCampaign",
	"GET /api/v1/campaigns/{id}/status":                   "getCampaignStatus",
	"GET /api/v1/campaigns/{id}/consent":                  "getConsent",
	"POST /api/v1/campaigns/{id}/consent":                 "acceptConsent",
	"PUT /api/v1/campaigns/{id}/identity":                 "putIdentity",
	"PUT /api/v1/campaigns/{id}/id-images/{side}":         "putIDImage",
	"POST /api/v1/campaigns/{id}/match":                   "matchRoster",
	"POST /api/v1/campaigns/{id}/confirm":                 "confirmRecord",
	"POST /api/v1/campaigns/{id}/uploads":                 "createUpload",
	"GET /api/v1/uploads/{id}":                            "getUpload",
	"GET /api/v1/uploads/{id}/result.jpg":                 "getUploadResult",
	"GET /api/v1/uploads/{id}/preview.jpg":                "getUploadPreview",
	"POST /api/v1/uploads/{id}/submit":                    "submitUpload",
	"GET /api/v1/submissions/{id}":                        "getSubmission",
	"POST /api/v1/submissions/{id}/withdraw":              "withdrawSubmission",
}

// TestOpenAPIOperationIDs: every operation has a unique camelCase
// operationId, and none has changed.
func TestOpenAPIOperationIDs(t *testing.T) {
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	seen := map[string]string{} // operationId: its route
	routes := map[string]bool{}
	for _, o := range mustDoc(t).operations() {
		id, _ := o.op["operationId"].(string)
		key := strings.ToUpper(o.method) + " " + o.path
		routes[key] = true
		switch {
		case !camel.MatchString(id):
			t.Errorf("%s: operationId %q is not camelCase", key, id)
		case seen[id] != "":
			t.Errorf("%s: operationId %q is also %s's", key, id, seen[id])
		}
		seen[id] = key
		if want, ok := wantOperationIDs[key]; ok && id != want {
			t.Errorf("%s: operationId %q, want %q (generated clients call it by that name)", key, id, want)
		}
	}
	for key := range wantOperationIDs {
		if !routes[key] {
			t.Errorf("%s is not in the document", key)
		}
	}
}

// binary reports a media type whose bytes are not JSON (an image, or a
// form of nothing but files): no example can be written for it.
func (d *doc) binary(schema map[string]any) bool {
	schema = d.resolve(schema)
	if schema["type"] == "string" && schema["format"] == "binary" {
		return true
	}
	props := asMap(schema["properties"])
	if schema["type"] != "object" || len(props) == 0 {
		return false
	}
	for _, p := range props {
		if !d.binary(asMap(p)) {
			return false
		}
	}
	return true
}

// TestOpenAPIExamples: every request body and every response that has a
// JSON body carries an example (or named examples), and each example is
// valid against its schema: required fields present, no field the schema
// does not declare, the declared types and enums.
func TestOpenAPIExamples(t *testing.T) {
	d := mustDoc(t)
	for _, o := range d.operations() {
		type body struct {
			where string
			v     map[string]any
		}
		var bodies []body
		if rb := asMap(o.op["requestBody"]); rb != nil {
			bodies = append(bodies, body{"request body", d.resolve(rb)})
		}
		for status, r := range asMap(o.op["responses"]) {
			bodies = append(bodies, body{"response " + status, d.resolve(asMap(r))})
		}
		for _, b := range bodies {
			for mt, media := range asMap(b.v["content"]) {
				media := asMap(media)
				schema := asMap(media["schema"])
				if d.binary(schema) {
					continue
				}
				where := fmt.Sprintf("%s: %s %s", o, b.where, mt)
				var values []any
				if ex, ok := media["example"]; ok {
					values = append(values, ex)
				}
				for name, ex := range asMap(media["examples"]) {
					v, ok := d.resolve(asMap(ex))["value"]
					if !ok {
						t.Errorf("%s: example %q has no value", where, name)
					}
					values = append(values, v)
				}
				if len(values) == 0 {
					t.Errorf("%s: no example", where)
				}
				for _, v := range values {
					for _, e := range d.validate(schema, v, "") {
						t.Errorf("%s: example: %s", where, e)
					}
				}
			}
		}
	}
}

// validate checks a JSON value against the subset of schema the document
// uses.
func (d *doc) validate(schema map[string]any, v any, at string) []string {
	schema = d.resolve(schema)
	if at == "" {
		at = "."
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if enum := asList(schema["enum"]); enum != nil && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("%T, want an object", v)
			break
		}
		props := asMap(schema["properties"])
		for _, r := range strs(schema["required"]) {
			if _, ok := m[r]; !ok {
				bad("required %q is missing", r)
			}
		}
		for k, fv := range m {
			p, ok := props[k]
			if !ok {
				bad("%q is not a property of the schema", k)
				continue
			}
			errs = append(errs, d.validate(asMap(p), fv, strings.TrimSuffix(at, ".")+"."+k)...)
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			bad("%T, want an array", v)
			break
		}
		for i, item := range l {
			errs = append(errs, d.validate(asMap(schema["items"]), item, fmt.Sprintf("%s[%d]", strings.TrimSuffix(at, "."), i))...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			bad("%T, want a string", v)
		} else if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				bad("%q is not an RFC 3339 time", s)
			}
		}
	case "integer":
		if n, ok := v.(float64); !ok || n != math.Trunc(n) {
			bad("%v, want an integer", v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			bad("%v, want a number", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("%v, want a boolean", v)
		}
	default:
		bad("schema without a type")
	}
	return errs
}

// TestOpenAPIRequiredProperties: every object schema, named or inline,
// lists the fields always present in required, and each exists.
func TestOpenAPIRequiredProperties(t *testing.T) {
	d := mustDoc(t)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				req := strs(v["required"])
				if len(req) == 0 {
					t.Errorf("%s: an object schema without required", at)
				}
				for _, r := range req {
					if _, ok := props[r]; !ok {
						t.Errorf("%s: required %q is not among the properties", at, r)
					}
				}
			}
			for k, c := range v {
				if k != "example" && k != "examples" {
					walk(c, at+"/"+k)
				}
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(d.root, "#")
	for name, s := range d.m("components")["schemas"].(map[string]any) {
		if asMap(s)["type"] == "object" && asMap(s)["properties"] == nil {
			t.Errorf("schema %s: an object without properties", name)
		}
	}
}

// dynamicMessages are the codes whose message depends on the case; the
// example must be one of these.
var dynamicMessages = map[string]func(msg string) bool{
	enrol.CodeName: func(msg string) bool { return msg == idnumber.ValidName("").Error() },
}

// TestOpenAPIErrorResponses: each operation lists its errors by status,
// each with its codes in x-error-codes and an example per code that has
// the code and the server's message; the operation's x-error-codes sum
// them up; a default Error response is kept.
func TestOpenAPIErrorResponses(t *testing.T) {
	d := mustDoc(t)
	known := map[string]bool{}
	for _, c := range append(catalogue.Codes(), photo.Codes()...) {
		known[c] = true
	}
	known[CodeMethod] = true
	for _, o := range d.operations() {
		responses := asMap(o.op["responses"])
		if _, ok := responses["default"]; !ok {
			t.Errorf("%s: no default response", o)
		}
		var all []string
		for status, r := range responses {
			n, err := strconv.Atoi(status)
			r := d.resolve(asMap(r))
			codes := strs(r["x-error-codes"])
			if err != nil || n < 400 {
				if len(codes) > 0 {
					t.Errorf("%s: response %s lists error codes", o, status)
				}
				continue
			}
			if len(codes) == 0 {
				t.Errorf("%s: response %s lists no error code", o, status)
			}
			media := asMap(asMap(r["content"])["application/json"])
			if asMap(media["schema"])["$ref"] != "#/components/schemas/Error" {
				t.Errorf("%s: response %s is not an Error", o, status)
			}
			examples := asMap(media["examples"])
			for _, code := range codes {
				all = append(all, code)
				if !strings.Contains(asString(r["description"]), "`"+code+"`") {
					t.Errorf("%s: response %s: the description does not name %s", o, status, code)
				}
				switch {
				case !known[code] && !strings.HasPrefix(code, "idcard."):
					t.Errorf("%s: response %s lists %s, which is no error code", o, status, code)
				case statusOf(code) != n:
					t.Errorf("%s: response %s lists %s, whose status is %d", o, status, code, statusOf(code))
				}
				ex := asMap(d.resolve(asMap(examples[code]))["value"])
				if ex == nil {
					t.Errorf("%s: response %s: no example for %s", o, status, code)
					continue
				}
				msg := asString(ex["message"])
				good := msg != "" && (msg == catalogue[code] || msg == photo.Message(code))
				if f, ok := dynamicMessages[code]; ok {
					good = f(msg)
				} else if strings.HasPrefix(code, "idcard.") && catalogue[code] == "" {
					good = msg != "" // the card check's own message
				}
				if ex["code"] != code || !good {
					t.Errorf("%s: response %s: the example of %s is %v, want the code and its message %q", o, status, code, ex, catalogue[code]+photo.Message(code))
				}
			}
			for name := range examples {
				if !slices.Contains(codes, name) {
					t.Errorf("%s: response %s: example %q is not one of x-error-codes", o, status, name)
				}
			}
		}
		slices.Sort(all)
		if got := strs(o.op["x-error-codes"]); !slices.Equal(got, slices.Compact(all)) {
			t.Errorf("%s: x-error-codes %v, want the codes of its responses %v", o, got, slices.Compact(all))
		}
	}
}

func asString(v any) string { s, _ := v.(string); return s }

// TestOpenAPISecurity: public routes are "security: []"; the others take
// the cookie or the bearer token, a cookie change also the CSRF header, and
// list 401 auth.required (and 403 auth.csrf for changes).
func TestOpenAPISecurity(t *testing.T) {
	d := mustDoc(t)
	schemes := asMap(d.m("components")["securitySchemes"])
	for name, want := range map[string][3]string{
		"cookie": {"apiKey", "cookie", CookieName},
		"csrf":   {"apiKey", "header", "X-CSRF-Token"},
		"bearer": {"http", "", ""},
	} {
		s := asMap(schemes[name])
		if s["type"] != want[0] || want[1] != "" && (s["in"] != want[1] || s["name"] != want[2]) || asString(s["description"]) == "" {
			t.Errorf("security scheme %s: %v", name, s)
		}
	}
	if asMap(schemes["bearer"])["scheme"] != "bearer" {
		t.Errorf("security scheme bearer: %v", schemes["bearer"])
	}
	desc := asString(d.m("info")["description"])
	for _, want := range []string{CookieName, "X-CSRF-Token", "csrf_token", "Authorization: Bearer <token>", "/api/v1/auth/wechat", "token"} {
		if !strings.Contains(desc, want) {
			t.Errorf("info.description does not explain %q", want)
		}
	}
	for _, rt := range New(Config{}, Services{}, nil).Routes() {
		op := asMap(asMap(d.m("paths")[rt.Path])[strings.ToLower(rt.Method)])
		if op == nil {
			continue // TestOpenAPIDocumentsEveryRoute reports it
		}
		sec, _ := json.Marshal(op["security"])
		codes := func(status string) []string {
			return strs(d.resolve(asMap(asMap(op["responses"])[status]))["x-error-codes"])
		}
		switch {
		case rt.Staff:
			if string(sec) != `[{"staffCookie":[]}]` {
				t.Errorf("%s %s is a staff route: security must be the staff cookie, is %s", rt.Method, rt.Path, sec)
			}
			continue
		case !rt.Auth:
			if string(sec) != "[]" {
				t.Errorf("%s %s is public: security must be [], is %s", rt.Method, rt.Path, sec)
			}
		case rt.Method == http.MethodGet:
			if op["security"] != nil {
				t.Errorf("%s %s: takes the document's security (cookie or bearer), has %s", rt.Method, rt.Path, sec)
			}
		default:
			if string(sec) != `[{"cookie":[],"csrf":[]},{"bearer":[]}]` {
				t.Errorf("%s %s: security must be cookie with csrf, or bearer; is %s", rt.Method, rt.Path, sec)
			}
			if !slices.Contains(codes("403"), auth.CodeCSRF) {
				t.Errorf("%s %s: 403 %s is not listed", rt.Method, rt.Path, auth.CodeCSRF)
			}
		}
		if rt.Auth && !slices.Contains(codes("401"), auth.CodeAuthRequired) {
			t.Errorf("%s %s: 401 %s is not listed", rt.Method, rt.Path, auth.CodeAuthRequired)
		}
	}
}

// TestOpenAPIChinesePunctuation: the document's Chinese text uses
// full-width punctuation, never an ASCII , : ; ? ! ( ) next to a Chinese
// character.
func TestOpenAPIChinesePunctuation(t *testing.T) {
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(k, at+" (key)")
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", at, i))
			}
		case string:
			for _, bad := range asciiPunctNearChinese(v) {
				t.Errorf("%s: ASCII punctuation in Chinese text: …%s…", at, bad)
			}
		}
	}
	walk(mustDoc(t).root, "#")
}

// asciiPunctNearChinese returns the surroundings of each ASCII , : ; ? ! (
// ) whose nearest non-space neighbour on either side is Chinese.
func asciiPunctNearChinese(s string) []string {
	chinese := func(r rune) bool {
		return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff01 && r <= 0xff60 ||
			strings.ContainsRune("“”‘’…·—", r)
	}
	rs := []rune(s)
	near := func(i, dir int) bool {
		for j := i + dir; j >= 0 && j < len(rs); j += dir {
			if rs[j] != ' ' {
				return chinese(rs[j])
			}
		}
		return false
	}
	var out []string
	for i, r := range rs {
		if strings.ContainsRune(",:;?!()", r) && (near(i, -1) || near(i, +1)) {
			out = append(out, string(rs[max(0, i-8):min(len(rs), i+9)]))
		}
	}
	return out
}

// TestMethodNotAllowed: a served path asked with another method is 405
// with Allow and a JSON error; any other path under /api/ is still 404.
func TestMethodNotAllowed(t *testing.T) {
	mux := http.NewServeMux()
	New(Config{}, Services{}, nil).Register(mux) // no route is reached: no service needed
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/api/v1/me", 405, "GET"},
		{"GET", "/api/v1/nope", 404, ""},
		{"POST", "/api/v1/me", 405, "GET"},
		{"GET", "/api/v1/auth/sms/send", 405, "POST"},
		{"DELETE", "/api/v1/campaigns/7/consent", 405, "GET, POST"},
		{"GET", "/api/v1/campaigns/7/identity", 405, "PUT"},
		{"POST", "/api/v1/campaigns/abc/identity", 405, "PUT"}, // a wildcard takes any segment
		{"DELETE", "/api/v1/campaigns/7/id-images/front", 405, "PUT"},
		{"DELETE", "/api/v1/join-codes/AB%2FCD", 405, "GET"}, // an escaped slash stays in its segment
		{"PATCH", "/api/v1/uploads/9/result.jpg", 405, "GET"},
		{"POST", "/api/openapi.json", 405, "GET"},
		{"GET", "/api/v1/me/", 404, ""},
		{"GET", "/api/v1/campaigns/7/join/x", 404, ""},
		{"GET", "/api/v1/uploads/9/result.png", 404, ""},
		{"GET", "/api/v2/me", 404, ""},
		{"DELETE", "/api/", 404, ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		var e ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Errorf("%s %s: body %q: %v", tc.method, tc.path, w.Body, err)
			continue
		}
		want := map[int]ErrorBody{405: {CodeMethod, "不支持该请求方法。"}, 404: {domain.CodeNotFound, "接口不存在"}}[tc.status]
		if w.Code != tc.status || w.Header().Get("Allow") != tc.allow || e != want ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d Allow %q %+v, want %d Allow %q %+v", tc.method, tc.path, w.Code, w.Header().Get("Allow"), e, tc.status, tc.allow, want)
		}
	}
}

func TestMatchSegments(t *testing.T) {
	split := func(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/api/v1/me", "/api/v1/me", true},
		{"/api/v1/me", "/api/v1/me/", false},
		{"/api/v1/me", "/api/v1", false},
		{"/api/v1/campaigns/{id}", "/api/v1/campaigns/12", true},
		{"/api/v1/campaigns/{id}", "/api/v1/campaigns/", false},
		{"/api/v1/campaigns/{id}/join", "/api/v1/campaigns/12/join", true},
		{"/api/v1/campaigns/{id}/join", "/api/v1/campaigns/12/joins", false},
		{"/api/v1/uploads/{id}/result.jpg", "/api/v1/uploads/1/result%2Ejpg", true},
		{"/api/v1/join-codes/{code}", "/api/v1/join-codes/A%2FB", true},
		{"/api/v1/join-codes/{code}", "/api/v1/join-codes/A/B", false},
		{"/files/{rest...}", "/files/a/b/c", true},
		{"/files/{rest...}", "/files", false},
		{"/dir/{$}", "/dir/", true},
		{"/dir/{$}", "/dir/x", false},
	} {
		if got := matchSegments(split(tc.pattern), split(tc.path)); got != tc.want {
			t.Errorf("%s against %s: %v, want %v", tc.path, tc.pattern, got, tc.want)
		}
	}
}

// TestOpenAPIUndocumentedErrors: the check TestMain runs on the recorded
// errors accepts what the document lists and names what it does not.
func TestOpenAPIUndocumentedErrors(t *testing.T) {
	d := mustDoc(t)
	for _, tc := range []struct {
		e    recordedError
		good bool
	}{
		{recordedError{"POST /api/v1/auth/sms/verify", auth.CodeCodeWrong, 400}, true},
		{recordedError{"POST /api/v1/campaigns/{id}/match", enrol.CodeNoMatch, 422}, true},
		{recordedError{"/api/", CodeMethod, 405}, true},
		{recordedError{"/api/", domain.CodeNotFound, 404}, true},
		{recordedError{"POST /api/v1/auth/sms/verify", auth.CodeCodeWrong, 409}, false},      // no 409 response
		{recordedError{"POST /api/v1/auth/sms/verify", auth.CodeSMSTooFrequent, 429}, false}, // not among its 429 codes
		{recordedError{"DELETE /api/v1/me", domain.CodeInternal, 500}, false},                // no such operation
		{recordedError{"/api/", domain.CodeInternal, 500}, false},
	} {
		if msg := d.documents(tc.e); (msg == "") != tc.good {
			t.Errorf("%+v: %q, want documented=%v", tc.e, msg, tc.good)
		}
	}
}
