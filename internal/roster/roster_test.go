package roster_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/roster"
	"zhipai/internal/store"
)

var ctx = context.Background()

func TestRosterImport(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid := env.Demo.CampaignID
	a, b := app.DemoStudentAt(0), app.DemoStudentAt(1)
	late := "11010120070101" + "999"
	late += string(idnumber.CheckChar(late))

	// Every kind of bad row is reported, and nothing is imported.
	badCheck := a.DocNumber[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", a.DocNumber[17])+1)%11])
	csv := "姓名,身份证号,学号,院系,专业,班级\n" +
		"张三," + badCheck + ",1,计算机学院,软件工程,1班\n" +
		"," + late + ",2,计算机学院,软件工程,1班\n" +
		"李四," + b.DocNumber + ",3,数学学院,数学,2班\n" +
		"李四二," + b.DocNumber + ",4,数学学院,数学,2班\n" +
		"王五," + late + ",3,数学学院,数学,2班\n"
	rows := apptest.Must(roster.ReadFile("r.csv", []byte(csv)))(t)
	rep := apptest.Must(env.App.Roster.Import(ctx, cid, rows))(t)
	if rep.Imported || len(rep.Errors) != 4 || rep.Rows != 5 {
		t.Fatalf("bad roster: %+v", rep)
	}
	want := []string{"校验位", "姓名", "重复", "重复"}
	for i, e := range rep.Errors {
		if !strings.Contains(e.Reason, want[i]) && !(i == 1 && e.Column == "姓名") {
			t.Errorf("row error %d: %+v, want %q", i, e, want[i])
		}
	}
	if n := apptest.Must(env.App.Store.RosterCount(ctx, cid))(t); n != 30 {
		t.Fatalf("a rejected import changed the roster: %d rows", n)
	}

	// A good .xlsx adds a late student and updates one (upsert by document).
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "证件类型", "证件号码", "学院/院系", "专业", "班级", "手机号"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"王小明", "居民身份证", late, "外国语学院", "日语", "日语 1 班", "13800000000"})
	f.SetSheetRow("Sheet1", "A3", &[]any{b.Name, "身份证", b.DocNumber, "新学院", "新专业", "新班", ""})
	var buf bytes.Buffer
	f.Write(&buf)
	rows = apptest.Must(roster.ReadFile("R.XLSX", buf.Bytes()))(t)
	rep = apptest.Must(env.App.Roster.Import(ctx, cid, rows))(t)
	if !rep.Imported || rep.Created != 1 || rep.Updated != 1 || len(rep.Errors) != 0 {
		t.Fatalf("xlsx import %+v", rep)
	}
	if n := apptest.Must(env.App.Store.RosterCount(ctx, cid))(t); n != 31 {
		t.Fatalf("rows %d", n)
	}

	// Excel in China saves CSV in GB18030.
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("姓名,证件号码\n王小明," + late + "\n")
	rows = apptest.Must(roster.ReadFile("gb.csv", []byte(gb)))(t)
	if rows[1][0] != "王小明" {
		t.Fatalf("GB18030 read as %q", rows[1][0])
	}

	for name, data := range map[string]string{"r.txt": "x", "r.xlsx": "not a zip", "r.csv": "学号,班级\n1,2\n"} {
		rows, err := roster.ReadFile(name, []byte(data))
		if err == nil {
			_, err = env.App.Roster.Import(ctx, cid, rows)
		}
		if err == nil {
			t.Errorf("%s imported", name)
		}
	}
}

// TestRosterRefusesFormulasAndHugeCells: a cell a spreadsheet would run as
// a formula, or a cell longer than any roster field, refuses its row with
// the reason; the CLI's error report writes every cell harmless.
func TestRosterRefusesFormulasAndHugeCells(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	a, b := app.DemoStudentAt(3), app.DemoStudentAt(4)
	csv := "姓名,身份证号,学号,班级\n" +
		a.Name + "," + a.DocNumber + `,"=HYPERLINK(""http://evil.example"")",1班` + "\n" +
		b.Name + "," + b.DocNumber + ",2," + strings.Repeat("班", 100*1024/3) + "\n"
	rows := apptest.Must(roster.ReadFile("r.csv", []byte(csv)))(t)
	rep := apptest.Must(env.App.Roster.Import(ctx, env.Demo.CampaignID, rows))(t)
	if rep.Imported || len(rep.Errors) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if e := rep.Errors[0]; e.Row != 2 || e.Column != "学号" || !strings.Contains(e.Reason, "公式") {
		t.Errorf("formula row: %+v", e)
	}
	if e := rep.Errors[1]; e.Row != 3 || e.Column != "班级" || !strings.Contains(e.Reason, "过长") {
		t.Errorf("huge row: %+v", e)
	}
}

// TestColumnMapping: a school's own header ("ID号") is unknown; the
// preview lists the file's columns and what is missing instead of
// refusing, the import refuses, and with the mapping both go through.
func TestColumnMapping(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ctx := context.Background()
	doc := "11010120070101993"
	doc += string(idnumber.CheckChar(doc))
	rows := [][]string{{"姓名", "ID号", "备注"}, {"补录同学", doc, "x"}}
	rep := apptest.Must(env.App.Roster.Run(ctx, env.Demo.CampaignID, rows, roster.Options{}, true))(t)
	if len(rep.Missing) != 1 || rep.Missing[0] != "证件号码" || len(rep.Columns) != 3 || rep.Columns[0].Field != "name" || rep.Columns[1].Field != "" {
		t.Fatalf("preview %+v", rep)
	}
	if _, err := env.App.Roster.Run(ctx, env.Demo.CampaignID, rows, roster.Options{}, false); domain.Public(err).Code != roster.CodeHeader {
		t.Fatalf("import without the mapping: %v", err)
	}
	var progress []int
	opt := roster.Options{Columns: map[string]string{"ID号": "doc_number", "姓名": "name"}, Progress: func(done, total int) { progress = append(progress, done*100/total) }}
	rep = apptest.Must(env.App.Roster.Run(ctx, env.Demo.CampaignID, rows, opt, false))(t)
	if !rep.Imported || rep.Created != 1 || len(rep.Missing) != 0 {
		t.Fatalf("import with the mapping %+v", rep)
	}
	if len(progress) < 2 || progress[len(progress)-1] != 100 {
		t.Errorf("progress %v", progress)
	}
	if _, err := env.App.Roster.Run(ctx, env.Demo.CampaignID, rows, roster.Options{Columns: map[string]string{"ID号": "password"}}, true); domain.Public(err).Code != roster.CodeHeader {
		t.Errorf("a mapping to no field: %v", err)
	}
	if _, err := env.App.Roster.Run(ctx, env.Demo.CampaignID, rows, roster.Options{Columns: map[string]string{"ID号": "name"}}, true); domain.Public(err).Code != roster.CodeHeader {
		t.Errorf("two columns for one field: %v", err)
	}
}
