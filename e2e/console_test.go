package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"zhipai/internal/app"
	"zhipai/internal/idnumber"
)

// TestConsoleSignIn drives the staff console at laptop size: a wrong
// TOTP code is refused; the demo school admin signs in with password and
// TOTP and sees the school's campaigns; a new account made by `zhipai user
// create` must change its one-time password first; signing out ends the
// session. Screenshots of each page in out/e2e/console-*.png.
func TestConsoleSignIn(t *testing.T) {
	exe := chromium(t)
	srv, _ := start(t)
	shots := artifacts(t)
	ctx := browser(t, exe, 1366, 768)
	tab := &pages{t: t, ctx: ctx, dir: shots, prefix: "console-", limit: 30 * time.Second}
	shot, run, text := tab.shot, tab.run, tab.text
	code := func(secret string) string {
		c, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signIn := func(login, password, otp string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(srv.url+"/console/"),
			chromedp.WaitVisible(css("#signin-form")),
			chromedp.SendKeys(css("#login"), login),
			chromedp.SendKeys(css("#password"), password),
			chromedp.SendKeys(css("#totp"), otp),
			chromedp.Click(css("#signin")))
	}
	var school app.DemoStaff
	for _, s := range app.DemoStaffAccounts() {
		if s.Login == "demo.school" {
			school = s
		}
	}
	wrong := "000000"
	if code(school.TOTPSecret) == wrong {
		wrong = "111111"
	}
	run("a wrong TOTP code", signIn(school.Login, school.Password, wrong), chromedp.WaitVisible(css("#signin-error")), shot("signin-refused"))
	if msg := text("#signin-error"); !strings.Contains(msg, "动态验证码") {
		t.Errorf("refusal says %q", msg)
	}
	run("the school admin signs in", signIn(school.Login, school.Password, code(school.TOTPSecret)), chromedp.WaitVisible(css("#campaigns")), shot("campaigns"))
	if list := text("#campaigns"); !strings.Contains(list, "示范大学") || !strings.Contains(list, "ZHIPAI2026") {
		t.Errorf("campaigns %q", list)
	}
	if who := text("#who"); !strings.Contains(who, "学校管理员") {
		t.Errorf("who %q", who)
	}
	// A new campaign from the form.
	run("create a campaign", chromedp.Click(css("#new-campaign")), chromedp.WaitVisible(css("#campaign-form")),
		chromedp.SendKeys(css("#c-name"), "2027 级校园卡照片采集"),
		chromedp.SetValue(css("#c-kind"), "campus"),
		void(chromedp.Evaluate[bool](`(document.querySelector("#c-opens").value = "2027-08-20T08:00", document.querySelector("#c-closes").value = "2027-09-10T18:00", true)`)),
		shot("new-campaign"),
		chromedp.Click(css("#campaign-save")), chromedp.WaitVisible(css("#poster-qr")), shot("campaign-created"))
	run("back to the list", chromedp.Navigate(srv.url+"/console/"), chromedp.WaitVisible(css("#campaigns")),
		void(chromedp.Poll[bool](`document.querySelector("#campaigns").textContent.includes("2027 级校园卡照片采集")`)), shot("campaigns-after-create"))
	// The demo campaign's settings: a longer review deadline, a reason
	// not used and another worded by the school; the poster beside them.
	run("edit the demo campaign", chromedp.Navigate(srv.url+"/console/campaigns/1"), chromedp.WaitVisible(css("#campaign-form")),
		void(chromedp.Poll[bool](`document.querySelector("#poster-qr").naturalWidth > 0`)),
		void(chromedp.Evaluate[bool](`(document.querySelector("#c-days").value = "3",
			document.querySelector('tr[data-code="R17"] .r-use').checked = false,
			document.querySelector('tr[data-code="R09"] .r-text').value = "请闭上嘴巴、表情自然后重拍。", true)`)),
		chromedp.Click(css("#campaign-save")), chromedp.WaitVisible(css("#campaign-saved")), shot("campaign-settings"))
	if qr := text("#join-url"); !strings.Contains(qr, "?join=ZHIPAI2026") {
		t.Errorf("poster address %q", qr)
	}
	// The roster: a file with bad rows is checked, each problem listed;
	// the fixed file imports.
	dir := t.TempDir()
	late := "11010120070101" + "997"
	late += string(idnumber.CheckChar(late))
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(bad, []byte("姓名,证件号码,学号,班级\n新同学,"+late+",20269997,1班\n,"+late[:17]+"0,20269996,1班\n"), 0o644)
	os.WriteFile(good, []byte("姓名,证件号码,学号,班级\n新同学,"+late+",20269997,1班\n"), 0o644)
	run("open the roster page", chromedp.Navigate(srv.url+"/console/campaigns/1/roster"), chromedp.WaitVisible(css("#roster-file")))
	run("check a file with bad rows", chromedp.SetUploadFiles(css("#roster-file"), []string{bad}), chromedp.Click(css("#roster-check")),
		chromedp.WaitVisible(css("#roster-problems")), chromedp.WaitVisible(css("#roster-errors")), shot("roster-problems"))
	if p := text("#roster-problems"); !strings.Contains(p, "姓名") && !strings.Contains(p, "校验位") {
		t.Errorf("roster problems %q", p)
	}
	if disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#roster-import").disabled`)); !disabled {
		t.Error("import is offered for a file with problems")
	}
	run("check and import the fixed file", chromedp.SetUploadFiles(css("#roster-file"), []string{good}), chromedp.Click(css("#roster-check")),
		void(chromedp.Poll[bool](`!document.querySelector("#roster-import").disabled`)), chromedp.Click(css("#roster-import")),
		void(chromedp.Poll[bool](`document.querySelector("#roster-summary").textContent.includes("已导入")`)), shot("roster-imported"))
	if sum := text("#roster-summary"); !strings.Contains(sum, "新增 1 人") {
		t.Errorf("import summary %q", sum)
	}
	// A school's own headers: "ID号" is not a header Zhipai knows, so the
	// check asks for the mapping; mapped, the file checks and imports with
	// the progress bar.
	own := filepath.Join(dir, "own.csv")
	late2 := "11010120070101" + "996"
	late2 += string(idnumber.CheckChar(late2))
	os.WriteFile(own, []byte("姓名,ID号,学号,班级\n补录同学,"+late2+",20269998,1班\n"), 0o644)
	run("a file with the school's own headers", chromedp.SetUploadFiles(css("#roster-file"), []string{own}), chromedp.Click(css("#roster-check")),
		chromedp.WaitVisible(css("#roster-mapping")), void(chromedp.Poll[bool](`document.querySelector("#roster-summary").textContent.includes("找不到")`)),
		shot("roster-mapping"))
	run("map the column and import", void(chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#roster-columns select[aria-label="“ID号”对应"]');
			s.value = "doc_number"; s.dispatchEvent(new Event("change")); return true; })()`)),
		chromedp.Click(css("#roster-check")), void(chromedp.Poll[bool](`!document.querySelector("#roster-import").disabled`)),
		chromedp.Click(css("#roster-import")), void(chromedp.Poll[bool](`document.querySelector("#roster-summary").textContent.includes("已导入")`)),
		shot("roster-mapped-imported"))
	// The students: filtered by college, a full ID number revealed with a
	// reason.
	run("the students", chromedp.Navigate(srv.url+"/console/campaigns/1/students"), chromedp.WaitVisible(css("#students")), shot("students"))
	run("filter by college", chromedp.SetValue(css("#f-college"), "计算机学院"), chromedp.Click(css("#f-go")),
		chromedp.WaitReady(css(`#f-college option[selected]`)), chromedp.WaitVisible(css("#students")))
	if list := text("#students"); strings.Contains(list, "数学学院") || !strings.Contains(list, "计算机学院") {
		t.Errorf("filtered list %q", list)
	}
	run("reveal an ID number", chromedp.Click(css("#students button.reveal")), chromedp.WaitVisible(css("#reveal-dialog")),
		chromedp.SendKeys(css("#reveal-reason"), "学生来电核对学籍信息"), shot("reveal-reason"), chromedp.Click(css("#reveal-go")),
		void(chromedp.Poll[bool](`!document.querySelector("#students tbody tr code.doc").textContent.includes("*")`)), shot("revealed"))
	// Staff: a counsellor with a class; the one-time password and TOTP QR
	// shown once.
	run("the staff page", chromedp.Click(css("#staff-link")), chromedp.WaitVisible(css("#staff-list")),
		chromedp.SendKeys(css("#s-name"), "钱老师"), chromedp.SendKeys(css("#s-login"), "qian.teacher"), chromedp.SetValue(css("#s-role"), "counsellor"),
		chromedp.Click(css("#staff-save")), chromedp.WaitVisible(css("#staff-created")),
		void(chromedp.Poll[bool](`document.querySelector("#new-qr").naturalWidth > 0`)), shot("staff-created"))
	if pw := text("#new-password"); len(pw) < 12 {
		t.Errorf("one-time password %q", pw)
	}
	run("assign a class", chromedp.Reload(), chromedp.WaitVisible(css(`tr[data-login="qian.teacher"] select.classes`)),
		void(chromedp.Evaluate[bool](`(document.querySelector('tr[data-login="qian.teacher"] select.classes option').selected = true, true)`)),
		chromedp.Click(css(`tr[data-login="qian.teacher"] button.save-classes`)),
		void(chromedp.Poll[bool](`document.querySelector('tr[data-login="qian.teacher"] button.save-classes').textContent === "已保存"`)))
	run("the IP allow-list keeps the admin's own address", void(chromedp.Evaluate[bool](`(document.querySelector("#ip-list").value = "10.0.0.0/8", true)`)),
		chromedp.Click(css("#ip-save")), chromedp.WaitVisible(css("#ip-error")), shot("ip-refused"),
		void(chromedp.Evaluate[bool](`(document.querySelector("#ip-list").value = "10.0.0.0/8\n" + document.querySelector("#my-ip").textContent, true)`)),
		chromedp.Click(css("#ip-save")), chromedp.WaitVisible(css("#ip-saved")), chromedp.Reload(), chromedp.WaitVisible(css("#staff-list")), shot("staff"))
	run("back to the campaigns", chromedp.Navigate(srv.url+"/console/"), chromedp.WaitVisible(css("#campaigns")))
	run("the audit log", chromedp.Click(css("#audit-link")), chromedp.WaitVisible(css("#audit")), shot("audit"))
	if log := text("#audit"); !strings.Contains(log, "roster.import") || !strings.Contains(log, "campaign.create") || !strings.Contains(log, "staff.signin") ||
		!strings.Contains(log, "person.reveal_id") || !strings.Contains(log, "campaign.update") || !strings.Contains(log, "staff.classes") || !strings.Contains(log, "school.ip_allow") {
		t.Errorf("audit log %q", log)
	}
	run("the audit log filtered to reveals", chromedp.SetValue(css("#a-action"), "person.reveal_id"), chromedp.Click(css("#a-go")),
		chromedp.WaitReady(css(`#a-action option[selected]`)), chromedp.WaitVisible(css("#audit")), shot("audit-reveals"))
	if log := text("#audit tbody"); !strings.Contains(log, "person.reveal_id") || strings.Contains(log, "staff.signin") || !strings.Contains(log, "学生来电核对学籍信息") {
		t.Errorf("filtered audit log %q", log)
	}
	run("sign out", chromedp.Click(css("#signout")), chromedp.WaitVisible(css("#signin-form")), shot("signed-out"))
	run("after signing out the console asks to sign in", chromedp.Navigate(srv.url+"/console/"), chromedp.WaitVisible(css("#signin-form")))

	// A new account: the one-time password must be changed first.
	out := srv.run(t, "user", "create", "--role", "school_admin", "--name", "新老师", "--login", "new.teacher", "--school", "DEMO")
	pw := regexp.MustCompile(`one-time password[^:]*: (\S+)`).FindStringSubmatch(out)
	key := regexp.MustCompile(`type the key (\S+)`).FindStringSubmatch(out)
	if pw == nil || key == nil || !strings.Contains(out, "otpauth://totp/") {
		t.Fatalf("user create printed:\n%s", out)
	}
	run("the new account signs in", signIn("new.teacher", pw[1], code(key[1])), chromedp.WaitVisible(css("#must-change")), shot("password"))
	run("a weak new password", chromedp.SendKeys(css("#old-password"), pw[1]), chromedp.SendKeys(css("#new-password"), "password1234"),
		chromedp.Click(css("#password-save")), chromedp.WaitVisible(css("#password-error")), shot("password-weak"))
	if msg := text("#password-error"); !strings.Contains(msg, "常见") {
		t.Errorf("weak password refusal %q", msg)
	}
	run("a good new password", void(chromedp.Evaluate[bool](`(document.querySelector("#new-password").value = "") === ""`)),
		chromedp.SendKeys(css("#new-password"), "a long and private passphrase 42"),
		chromedp.Click(css("#password-save")), chromedp.WaitVisible(css("#campaigns")), shot("campaigns-new-teacher"))
	// The vendor's admin sees a school's students only after giving a
	// support-access reason.
	var vendor app.DemoStaff
	for _, s := range app.DemoStaffAccounts() {
		if s.Login == "demo.admin" {
			vendor = s
		}
	}
	run("sign out the new teacher", chromedp.Click(css("#signout")), chromedp.WaitVisible(css("#signin-form")))
	run("the vendor's admin signs in", signIn(vendor.Login, vendor.Password, code(vendor.TOTPSecret)), chromedp.WaitVisible(css("#support-access")))
	run("students need a support access", chromedp.Navigate(srv.url+"/console/campaigns/1/students"), chromedp.WaitVisible(css("#need-support")), shot("vendor-needs-support"))
	run("open a support access", chromedp.SendKeys(css("#sa-reason"), "学校工单：核对名单导入"), chromedp.Click(css("#sa-go")),
		chromedp.WaitVisible(css("#support-open")), chromedp.Navigate(srv.url+"/console/campaigns/1/students"), chromedp.WaitVisible(css("#students")), shot("vendor-students"))
	if v := srv.run(t, "audit", "verify"); !strings.Contains(v, "intact") {
		t.Errorf("audit verify: %s", v)
	}
}
