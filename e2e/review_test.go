package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"github.com/xuri/excelize/v2"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/captcha"
)

// cleanPortrait is an evaluation photo the automatic checks pass cleanly
// (read at test time from ../shared, never copied into the repository).
const cleanPortrait = "pfcn_portrait/00592.jpg"

// TestReviewAndExport: six photos wait (three the checks pass cleanly,
// three of the astronaut, whose open mouth they flag). A reviewer rejects
// one with R09 by keyboard and batch-approves the clean ones; the student
// sees the rejection and retakes; the reviewer approves the retake with
// Enter, the earlier rejection beside it; a school admin sees the progress
// and exports; the test unzips the export and checks the names, the
// index, the checksums and that every photo meets the spec. Screenshots
// in out/e2e/review-*.png.
func TestReviewAndExport(t *testing.T) {
	clean := filepath.Join(apptest.EvalDir(), cleanPortrait)
	if _, err := os.Stat(clean); err != nil {
		t.Fatalf("the evaluation photos are not beside the repository (%v): ../shared/data/photos", err)
	}
	exe := chromium(t)
	srv, inbox := start(t)
	srv.run(t, "demo", "seed", "--submitted", "6", "--photos", clean+","+filepath.Join(apptest.Root(), "testdata", "astronaut.webp"))
	shots := artifacts(t)
	ctx := browser(t, exe, 1366, 768)
	tab := &pages{t: t, ctx: ctx, dir: shots, prefix: "review-", limit: 30 * time.Second}
	shot, run, text := tab.shot, tab.run, tab.text
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	key := func(k string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(k) }
	tap := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.WaitVisible(css(sel)),
			void(chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: "center"}), true)`, sel))), chromedp.Click(css(sel)))
	}
	signIn := func(login string) chromedp.Action[chromedp.Void] {
		var s app.DemoStaff
		for _, d := range app.DemoStaffAccounts() {
			if d.Login == login {
				s = d
			}
		}
		code, _ := totp.GenerateCode(s.TOTPSecret, time.Now())
		return chromedp.Steps(chromedp.Navigate(srv.url+"/console/signin"), chromedp.WaitVisible(css("#signin-form")),
			chromedp.SendKeys(css("#login"), s.Login), chromedp.SendKeys(css("#password"), s.Password), chromedp.SendKeys(css("#totp"), code),
			chromedp.Click(css("#signin")), chromedp.WaitVisible(css("#campaigns")))
	}

	run("the reviewer signs in", signIn("demo.reviewer"), chromedp.Click(css("#review-link")), chromedp.WaitVisible(css("#queue")), shot("queue"))
	if q := text("#q-findings"); !strings.Contains(q, "无问题（3）") || !strings.Contains(q, "R09") {
		t.Errorf("queue filter counts %q", q)
	}
	// The astronaut's photos: R09 and R01 are suggested; untick R01 (key
	// 1) and reject with R (R09 only).
	run("review the flagged photos", chromedp.SetValue(css("#q-findings"), "R09"), chromedp.Click(css("#q-go")),
		chromedp.WaitReady(css(`#q-findings option[selected][value="R09"]`)), chromedp.Click(css("#start-review")),
		chromedp.WaitVisible(css("#w-item")), void(chromedp.Poll[bool](`document.querySelector("#w-result").naturalWidth > 0 && document.querySelector("#w-original").naturalWidth > 0`)),
		shot("work"))
	first := text("#w-title")
	if f := text("#w-findings"); !strings.Contains(f, "R09") {
		t.Errorf("findings %q", f)
	}
	run("the keys", key("?"), chromedp.WaitVisible(css("#w-help")), shot("help"), key("?"))
	run("reject with R09 by keyboard", void(chromedp.Evaluate[bool](`(() => { const b = [...document.querySelectorAll("#w-reasons input")]; b.forEach((c) => { c.checked = c.value === "R09"; }); return true; })()`)),
		key("r"), void(chromedp.Poll[bool](`document.querySelector("#w-done").textContent.includes("已驳回")`)), shot("rejected"))
	if timer := text("#w-timer"); !strings.Contains(timer, "锁定") {
		t.Errorf("no countdown on the next item: %q", timer)
	}
	rejectedName := strings.Split(first, " · ")[0]
	// Batch approval of the clean ones.
	run("batch-approve the clean photos", chromedp.Navigate(srv.url+"/console/review?campaign=1&findings=none"), chromedp.WaitVisible(css("#queue")),
		chromedp.Click(css("#select-clean")), chromedp.Click(css("#batch-approve")), chromedp.WaitVisible(css("#batch-result")), shot("batch-approved"))
	if r := text("#batch-result"); !strings.Contains(r, "已通过 3 张") {
		t.Errorf("batch approval %q", r)
	}
	// Taken back within the undo window, they wait again; approved again.
	run("undo the batch", chromedp.WaitVisible(css("#batch-undo")), shot("batch-undo"), chromedp.Click(css("#batch-undo")),
		void(chromedp.Poll[bool](`document.querySelector("#toast").textContent.includes("已撤销 3 张")`)),
		chromedp.Navigate(srv.url+"/console/review?campaign=1&findings=none"), chromedp.WaitVisible(css("#queue")))
	if n := text("#queue-total"); !strings.Contains(n, "待审核 3 张") {
		t.Errorf("after the undo: %q", n)
	}
	run("approve the first three again by range", chromedp.SendKeys(css("#select-first"), "3"), chromedp.Click(css("#batch-approve")),
		void(chromedp.Poll[bool](`document.querySelector("#batch-result").textContent.includes("已通过 3 张")`)))

	// The student whose photo was rejected signs in on a phone, sees why,
	// and retakes.
	phone := ""
	for i := 0; i < 30; i++ {
		if app.DemoStudentAt(i).Name == rejectedName {
			phone = seededPhone(i + 1)
		}
	}
	if phone == "" {
		t.Fatalf("no demo student named %q", rejectedName)
	}
	mctx := browser(t, exe, 360, 780)
	mtab := &pages{t: t, ctx: mctx, dir: shots, prefix: "review-student-", limit: 30 * time.Second}
	mtab.run("the student signs in", chromedp.Navigate(srv.url+"/"), void(chromedp.Poll[bool](`document.querySelector("#captcha-question") && document.querySelector("#captcha-question").textContent.includes("等于")`)))
	answer, _ := captcha.Solve(mtab.text("#captcha-question"))
	mtab.run("ask for a code", chromedp.SendKeys(css("#phone"), phone), chromedp.SendKeys(css("#captcha-answer"), answer),
		tap("#agree"), tap("#send-code"), chromedp.WaitVisible(css("#send-code[disabled]")))
	code := ""
	for i := 0; i < 50 && code == ""; i++ {
		time.Sleep(100 * time.Millisecond)
		code = inbox.Code(phone)
	}
	mtab.run("see the rejection", chromedp.SendKeys(css("#code"), code), tap("#login"), chromedp.WaitVisible(css(".campaign button")),
		chromedp.Navigate(srv.url+"/#/c/1"), chromedp.WaitVisible(css("#rejected #reasons")), mtab.shot("rejected"))
	if r := mtab.text("#rejected"); !strings.Contains(r, "R09") {
		t.Fatalf("the student's rejection %q", r)
	}
	mtab.run("retake and submit", chromedp.SetUploadFiles(css("#photo-album"), []string{retakePhoto(t)}),
		void(chromedp.Poll[bool](`document.querySelector("#result-img") && document.querySelector("#result-img").naturalWidth === 480`, chromedp.WithPollingTimeout(30*time.Second))),
		tap("#submit"), chromedp.WaitVisible(css("#status #state")), chromedp.WaitVisible(css("#contact-footer")), mtab.shot("resubmitted"))
	// What reached the inbox, and a question to customer service.
	mtab.run("the inbox", chromedp.Navigate(srv.url+"/#/inbox"), chromedp.WaitVisible(css("#inbox")), mtab.shot("inbox"))
	if box := mtab.text("#inbox"); !strings.Contains(box, "照片未通过审核") || !strings.Contains(box, "照片已提交审核") {
		t.Errorf("the inbox %q", box)
	}
	// The rejection also went out by SMS, with its template and deadline
	// (a job: allow it a moment).
	smsSent := false
	for i := 0; i < 50 && !smsSent; i++ {
		for _, m := range inbox.Messages() {
			smsSent = smsSent || (m.Phone == phone && m.Template == "E2E_REJECTED" && m.Params["deadline"] != "")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !smsSent {
		t.Errorf("no rejection SMS to the student: %+v", inbox.Messages())
	}
	mtab.run("ask customer service", chromedp.Navigate(srv.url+"/#/c/1/help"), chromedp.WaitVisible(css("#ticket-body")),
		chromedp.SetValue(css("#ticket-kind"), "info_wrong"), chromedp.SendKeys(css("#ticket-body"), "我的班级导入错了，应为计科2602。"),
		mtab.shot("ticket-form"), tap("#ticket-send"), chromedp.WaitVisible(css("#thread")), mtab.shot("ticket"))

	// The retake, with the earlier rejection beside it, approved by Enter.
	// The flagged photos before it are skipped with S; the retake comes
	// with the rejected photo beside it and is approved with Enter.
	run("back to the flagged photos", chromedp.Navigate(srv.url+"/console/review/work?campaign=1&findings=R09"), chromedp.WaitVisible(css("#w-item")))
	for i := 0; i < 5 && !strings.HasPrefix(text("#w-title"), rejectedName); i++ {
		before := text("#w-title")
		run("skip", key("s"), void(chromedp.Poll[bool](fmt.Sprintf(`document.querySelector("#w-title").textContent !== %q`, before))))
	}
	run("the retake, beside the rejection", void(chromedp.Poll[bool](`!document.querySelector("#w-prev-box").hidden && document.querySelector("#w-prev").naturalWidth > 0`)),
		shot("retake-beside-rejection"))
	if title := text("#w-title"); !strings.HasPrefix(title, rejectedName) {
		t.Errorf("the flagged items reach %q, never the retake of %s", title, rejectedName)
	}
	run("approve with Enter", key("\r"), void(chromedp.Poll[bool](`document.querySelector("#w-done").textContent.includes("已通过")`)))

	// The school admin: progress, then an export.
	run("sign out the reviewer", chromedp.Navigate(srv.url+"/console/"), chromedp.Click(css("#signout")), chromedp.WaitVisible(css("#signin-form")))
	run("the school admin's progress", signIn("demo.school"), chromedp.Click(css(`a.progress-link`)), chromedp.WaitVisible(css("#progress-classes")), shot("progress"))
	if all := text("#progress-all"); !strings.Contains(all, "已通过 4") {
		t.Errorf("progress %q", all)
	}
	run("customer service", chromedp.Click(css("#tickets-link")), chromedp.WaitVisible(css("#tickets")), shot("tickets"),
		chromedp.Click(css("#tickets a")), chromedp.WaitVisible(css("#answer-form")),
		chromedp.SendKeys(css("#answer-body"), "已核实，班级已更正为计科2602。"), chromedp.Click(css("#answer-send")),
		until(`document.readyState === "complete" && document.querySelector("#ticket-state").textContent.includes("已回复")`), shot("ticket-answered"))
	mtab.run("the answer in the inbox", chromedp.Navigate(srv.url+"/#/inbox"), chromedp.WaitVisible(css("#inbox")),
		void(chromedp.Poll[bool](`document.querySelector("#inbox").textContent.includes("班级已更正")`)), mtab.shot("inbox-answer"))
	run("export", chromedp.Navigate(srv.url+"/console/campaigns/1/export"), chromedp.WaitVisible(css("#export-form")),
		chromedp.Click(css("#x-folders")), chromedp.Click(css("#export-go")))
	href := ""
	for deadline := time.Now().Add(60 * time.Second); href == "" && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		href, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#exports a.download") || {}).href || ""`)) // the page reloads while the job runs
	}
	if href == "" {
		t.Fatal("the export has no download link after a minute")
	}
	run("the finished export", chromedp.WaitVisible(css("#exports a.download")), shot("export"))
	resp, err := http.Get(href) // a signed link: no session needed
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download %s: %v %v", href, err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkExportZip(t, body, 4)
}

// seededPhone is the phone `demo seed --submitted` gives the student of a
// roster row.
func seededPhone(row int) string { return fmt.Sprintf("139%08d", 10000000+row) }

// checkExportZip: photos in 学院/专业/班级 folders named {学号}.jpg, an
// index row each, SHA256SUMS verifying every file, each photo the 学信网
// spec's 480x640 JPEG of 20-40 KB.
func checkExportZip(t *testing.T, body []byte, photos int) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the export is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	lines := strings.Split(strings.TrimSpace(string(files["SHA256SUMS"])), "\n")
	if len(lines) != photos+1 {
		t.Fatalf("SHA256SUMS lists %d files, want %d photos and the index:\n%s", len(lines), photos, files["SHA256SUMS"])
	}
	for _, l := range lines {
		sum, name, _ := strings.Cut(l, "  ")
		got := sha256.Sum256(files[name])
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: checksum does not verify", name)
		}
		if name == "索引.xlsx" {
			continue
		}
		if parts := strings.Split(name, "/"); len(parts) != 4 || !strings.HasPrefix(parts[3], "2026") || !strings.HasSuffix(parts[3], ".jpg") {
			t.Errorf("file name %q", name)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(files[name]))
		if err != nil || format != "jpeg" || cfg.Width != 480 || cfg.Height != 640 || len(files[name]) < 20<<10 || len(files[name]) > 40<<10 {
			t.Errorf("%s does not meet the spec: %v %s %dx%d %d B", name, err, format, cfg.Width, cfg.Height, len(files[name]))
		}
	}
	x, err := excelize.OpenReader(bytes.NewReader(files["索引.xlsx"]))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Sheet1")
	if len(rows) != photos+1 || rows[0][0] != "姓名" || rows[0][8] != "文件名" {
		t.Errorf("index %q", rows)
	}
}
