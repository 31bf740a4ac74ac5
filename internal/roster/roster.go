// Package roster imports the school's roster (学籍): the students a
// campaign may match, from an XLSX or CSV file (GB18030 or UTF-8).
package roster

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/secret"
	"zhipai/internal/sheet"
	"zhipai/internal/store"
)

// headerTitle is a column's name in the school's template.
func headerTitle(col string) string {
	return map[string]string{colName: "姓名", colDocType: "证件类型", colDocNumber: "证件号码", colExamNo: "考生号", colStudentNo: "学号",
		colCollege: "学院", colMajor: "专业", colClass: "班级", colGrade: "年级", colLevel: "层次", colGender: "性别", colPhone: "手机号"}[col]
}

// Roster columns (requirements RO-2), with the header spellings schools
// use for them.
const (
	colName      = "name"
	colDocType   = "doc_type"
	colDocNumber = "doc_number"
	colExamNo    = "exam_no"
	colStudentNo = "student_no"
	colCollege   = "college"
	colMajor     = "major"
	colClass     = "class"
	colGrade     = "grade"
	colLevel     = "level"
	colGender    = "gender"
	colPhone     = "phone"
)

var headerAliases = map[string]string{
	"姓名": colName, "名字": colName, "name": colName,
	"证件类型": colDocType, "doc_type": colDocType,
	"证件号码": colDocNumber, "证件号": colDocNumber, "身份证号": colDocNumber, "身份证号码": colDocNumber, "doc_number": colDocNumber,
	"考生号": colExamNo, "高考报名号": colExamNo, "exam_no": colExamNo,
	"学号": colStudentNo, "student_no": colStudentNo,
	"学院": colCollege, "院系": colCollege, "学院/院系": colCollege, "系部": colCollege, "college": colCollege,
	"专业": colMajor, "major": colMajor,
	"班级": colClass, "class": colClass,
	"年级": colGrade, "入学年份": colGrade, "年级/入学年份": colGrade, "grade": colGrade,
	"层次": colLevel, "培养层次": colLevel, "level": colLevel,
	"性别": colGender, "gender": colGender,
	"手机号": colPhone, "手机": colPhone, "phone": colPhone,
}

// Deps are the collaborators.
type Deps struct {
	Store *store.Store
	Keys  *secret.Keys
	Log   *slog.Logger
}

// Service imports rosters.
type Service struct {
	Deps
	now func() time.Time
}

// New builds the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{Deps: d, now: time.Now}
}

// RowError is a row that cannot be imported, and why.
type RowError struct {
	Row    int    `json:"row"` // 1-based, the header being row 1
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// Report is the outcome of an import.
type Report struct {
	Rows     int        `json:"rows"`
	Created  int        `json:"created"`
	Updated  int        `json:"updated"`
	Errors   []RowError `json:"errors"`
	Batch    string     `json:"batch"`
	Imported bool       `json:"imported"`
	// Columns are the file's headers and the fields they are read as.
	Columns []Column `json:"columns"`
	// Missing names required fields no column is read as (a preview).
	Missing []string `json:"missing,omitempty"`
}

// ReadFile reads the rows of an .xlsx (first sheet) or .csv file
// (UTF-8, with or without BOM, or GB18030 as Excel saves it in China).
func ReadFile(name string, data []byte) ([][]string, error) {
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".xlsx"):
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, fail(CodeFile, err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, fail(CodeFile, errors.New("the workbook has no sheet"))
		}
		rows, err := f.GetRows(sheets[0])
		if err != nil {
			return nil, fail(CodeFile, err)
		}
		return rows, nil
	case strings.HasSuffix(strings.ToLower(name), ".csv"):
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		var r io.Reader = bytes.NewReader(data)
		if !utf8.Valid(data) {
			r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
		}
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil {
			return nil, fail(CodeFile, err)
		}
		return rows, nil
	}
	return nil, fail(CodeFile, errors.New("the file must be .xlsx or .csv"))
}

// Options of an import.
type Options struct {
	// Columns maps a file's header to a roster field (name, doc_number,
	// student_no...), over the built-in spellings: the school's own
	// headers need no renaming (requirements RO-2's mapping). A field
	// mapped to "" is ignored.
	Columns map[string]string
	// Progress, when set, is told how far the import is, out of total:
	// the rows checked, then the rows written.
	Progress func(done, total int)
}

// Field is a roster field, as the console offers it for mapping.
type Field struct {
	Field string `json:"field"`
	Title string `json:"title"`
}

// Fields lists the roster fields in template order.
func Fields() []Field {
	var out []Field
	for _, f := range []string{colName, colDocType, colDocNumber, colExamNo, colStudentNo, colCollege, colMajor, colClass, colGrade, colLevel, colGender, colPhone} {
		out = append(out, Field{Field: f, Title: headerTitle(f)})
	}
	return out
}

// Column is a header of the file and the field it is read as ("" for
// none).
type Column struct {
	Header string `json:"header"`
	Field  string `json:"field"`
}

// Import validates every row and, when all are valid, upserts them by
// document (re-importing updates the rows and keeps their bindings). One
// bad row imports nothing: the school fixes the file and imports again
// (requirements RO-2, RO-6).
func (s *Service) Import(ctx context.Context, campaignID int64, rows [][]string) (Report, error) {
	return s.Run(ctx, campaignID, rows, Options{}, false)
}

// Preview checks the rows as Import would and reports, without writing.
func (s *Service) Preview(ctx context.Context, campaignID int64, rows [][]string) (Report, error) {
	return s.Run(ctx, campaignID, rows, Options{}, true)
}

// Run previews (dryRun) or imports rows with options. A preview of a file
// without the required columns reports them as Missing (so that the
// school can map its headers); an import refuses it.
func (s *Service) Run(ctx context.Context, campaignID int64, rows [][]string, opt Options, dryRun bool) (Report, error) {
	rep := Report{Errors: []RowError{}, Columns: []Column{}, Batch: s.now().UTC().Format("20060102T150405Z")}
	if _, err := s.Store.Campaign(ctx, campaignID); errors.Is(err, store.ErrNotFound) {
		return rep, enrol.Errors.Fail(enrol.CodeCampaignNotFound, nil)
	} else if err != nil {
		return rep, domain.Internal("campaign %d: %w", campaignID, err)
	}
	if len(rows) == 0 {
		return rep, fail(CodeEmpty, nil)
	}
	known := map[string]bool{}
	for _, f := range Fields() {
		known[f.Field] = true
	}
	cols := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		c, ok := headerAliases[strings.ToLower(h)]
		if m, mapped := opt.Columns[h]; mapped {
			if m != "" && !known[m] {
				return rep, Errors.FailMsg(CodeHeader, fmt.Sprintf("列“%s”不能对应到“%s”。", h, m))
			}
			c, ok = m, m != ""
		}
		if h == "" && !ok {
			continue
		}
		col := Column{Header: h}
		if ok {
			if _, dup := cols[c]; dup {
				return rep, Errors.FailMsg(CodeHeader, fmt.Sprintf("有两列都对应“%s”（第二列是“%s”），请删除一列或改一下对应。", headerTitle(c), h))
			}
			cols[c] = i
			col.Field = c
		}
		rep.Columns = append(rep.Columns, col)
	}
	for _, need := range []string{colName, colDocNumber} {
		if _, ok := cols[need]; !ok {
			rep.Missing = append(rep.Missing, headerTitle(need))
		}
	}
	if len(rep.Missing) > 0 {
		if dryRun {
			return rep, nil
		}
		return rep, fail(CodeHeader, nil)
	}
	total := 2 * (len(rows) - 1)
	progress := func(done int) {
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
	}
	cell := func(row []string, col string) string {
		if i, ok := cols[col]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var out []domain.RosterRow
	seenDoc, seenNo := map[string]int{}, map[string]int{}
	for i, row := range rows[1:] {
		line := i + 2
		if i%500 == 0 {
			progress(i)
		}
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		rep.Rows++
		bad := func(col, reason string) {
			rep.Errors = append(rep.Errors, RowError{Row: line, Column: col, Reason: reason})
		}
		if col, reason := unsafeCell(row, cols); reason != "" {
			bad(col, reason)
			continue
		}
		name := idnumber.NormaliseName(cell(row, colName))
		if err := idnumber.ValidName(name); err != nil {
			bad("姓名", err.Error())
			continue
		}
		typ := cell(row, colDocType)
		if typ == "" {
			typ = string(idnumber.ResidentID)
		}
		n, err := enrol.ParseDocument(typ, cell(row, colDocNumber))
		if err != nil {
			bad("证件号码", domain.Public(err).Message)
			continue
		}
		key := string(n.Type) + ":" + n.Key
		if first, dup := seenDoc[key]; dup {
			bad("证件号码", fmt.Sprintf("与第 %d 行证件号码重复", first))
			continue
		}
		seenDoc[key] = line
		if no := cell(row, colStudentNo); no != "" {
			if first, dup := seenNo[no]; dup {
				bad("学号", fmt.Sprintf("与第 %d 行学号重复", first))
				continue
			}
			seenNo[no] = line
		}
		out = append(out, domain.RosterRow{
			CampaignID: campaignID, Name: name, DocType: string(n.Type), DocIndex: enrol.DocIndex(s.Keys, n), DocEnc: enrol.SealDoc(s.Keys, n),
			DocMasked: idnumber.Mask(n.Value), ExamNo: cell(row, colExamNo), StudentNo: cell(row, colStudentNo),
			College: cell(row, colCollege), Major: cell(row, colMajor), ClassName: cell(row, colClass), Grade: cell(row, colGrade),
			Level: cell(row, colLevel), Gender: cell(row, colGender), ImportBatch: rep.Batch,
		})
	}
	progress(len(rows) - 1)
	if len(rep.Errors) > 0 || len(out) == 0 || dryRun {
		progress(total)
		return rep, nil
	}
	start := time.Now()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		rep.Created, rep.Updated, err = s.Store.UpsertRosterRows(ctx, tx, campaignID, out, func(i int) {
			progress(len(rows) - 1 + i*(len(rows)-1)/len(out))
		})
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("roster: import: %w", err)
	}
	rep.Imported = true
	if len(out) >= 1000 {
		if err := s.Store.AnalyzeRoster(ctx); err != nil {
			s.Log.WarnContext(ctx, "roster: analyze", "error", err) // only the plans of later lists suffer
		}
	}
	progress(total)
	s.Log.InfoContext(ctx, "roster imported", "campaign", campaignID, "rows", len(out), "created", rep.Created, "updated", rep.Updated,
		"batch", rep.Batch, "ms", time.Since(start).Milliseconds())
	return rep, nil
}

// maxCell bounds every cell of a roster: no name, number or class name is
// longer, and a longer cell is a mistake (or an attack on the database).
const maxCell = 64

// unsafeCell finds the first cell of a row that is too long or would run
// as a formula when the row comes back out in a spreadsheet (an error
// report, an export): such a row is refused with the reason.
func unsafeCell(row []string, cols map[string]int) (col, reason string) {
	names := map[int]string{}
	for name, i := range cols {
		names[i] = name
	}
	for i, cellText := range row {
		name, ok := names[i]
		if !ok {
			continue // a column the roster does not read is not stored
		}
		v := strings.TrimSpace(cellText)
		switch {
		case utf8.RuneCountInString(v) > maxCell:
			return headerTitle(name), fmt.Sprintf("内容过长（超过 %d 个字），请检查是否填错了列。", maxCell)
		case sheet.FormulaLike(v):
			return headerTitle(name), "内容以 =、+、-、@ 开头，表格软件会把它当作公式，请删除开头的符号。"
		}
	}
	return "", ""
}

// The public codes of roster files.
const (
	CodeFile   = "roster.file_invalid"
	CodeEmpty  = "roster.empty"
	CodeHeader = "roster.header"
)

// Errors are their messages.
var Errors = domain.Catalogue{
	CodeFile:   "名单文件无法读取：请上传 .xlsx 或 .csv 文件（可先下载模板）。",
	CodeEmpty:  "名单文件是空的。",
	CodeHeader: "表头需要“姓名”和“证件号码”（或“身份证号”）两列，请按模板填写。",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
