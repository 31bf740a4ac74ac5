package manage

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // decoding each photo's header for the re-check
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"zhipai/internal/zipaes"

	"github.com/xuri/excelize/v2"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/sheet"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// Codes of exports.
const (
	CodeExportInvalid = "manage.export_invalid"
	CodeExportGone    = "manage.export_gone"
)

// ExportParams say what an export holds and how its files are named
// (requirements EX-1..EX-7).
type ExportParams struct {
	CampaignID int64  `json:"campaign_id"`
	College    string `json:"college,omitempty"`
	Class      string `json:"class,omitempty"`
	// Name is the file-name template: {身份证号} {学号} {考生号} {报名号}
	// {姓名} {学院} {专业} {班级} {学校标识码}; ".jpg" is added when it
	// has no extension. A student without the value a template needs is
	// named 学校标识码_班级_姓名 instead.
	Name string `json:"name"`
	// Folders puts the files in 学院/专业/班级 folders.
	Folders bool `json:"folders,omitempty"`
	// SinceLast takes only the photos not in an earlier export.
	SinceLast bool `json:"since_last,omitempty"`
	// Renditions are the specs to export each photo in ("单点采集，多点
	// 通用"): "campaign" (the campaign's own), or a built-in spec such as
	// idcard (358x441 white, the campus card's) or xueji-blue. The first is
	// at the ZIP's root, each further one in a folder of its name; empty is
	// the campaign's alone. Every file is re-checked against its spec.
	Renditions []string `json:"renditions,omitempty"`
	// Password encrypts every entry with AES-256 (WinZip AE-2, which 7-Zip
	// and WinRAR open); it is sent to the school by another channel. The
	// export job keeps it sealed beside the parameters, never in them,
	// and only until the ZIP is built.
	Password string `json:"password,omitempty"`
	// Encrypted says the ZIP has a password (set by the server).
	Encrypted bool `json:"encrypted,omitempty"`
}

// ExportResult is what an export wrote.
type ExportResult struct {
	Files   int      `json:"files"`
	Skipped []string `json:"skipped,omitempty"` // photos that failed the re-check, with why
}

var placeholders = []string{"身份证号", "学号", "考生号", "报名号", "姓名", "学院", "专业", "班级", "学校标识码"}

// rendition is one spec an export writes: where its files go and what
// they must meet.
type rendition struct {
	name, folder string
	spec         *photo.Spec
	campaign     bool // the approved file itself, not a new rendering
}

// renditions resolves the names; unknown ones are the caller's error.
func (p *ExportParams) renditions(own *photo.Spec) ([]rendition, error) {
	names := p.Renditions
	if len(names) == 0 {
		names = []string{"campaign"}
	}
	if len(names) > 4 {
		return nil, Errors.FailMsg(CodeExportInvalid, "一次最多导出 4 种规格。")
	}
	var out []rendition
	seen := map[string]bool{}
	for i, n := range names {
		r := rendition{name: n, spec: own, campaign: n == "campaign" || n == own.Name}
		if !r.campaign {
			sp, ok := photo.BuiltinSpecs()[n]
			if !ok {
				return nil, Errors.FailMsg(CodeExportInvalid, "没有这种照片规格："+n+"。可选："+strings.Join(photo.SpecNames(), "、")+"。")
			}
			r.spec = sp
		}
		if seen[r.spec.Name] {
			return nil, Errors.FailMsg(CodeExportInvalid, "规格 "+r.spec.Name+" 重复了。")
		}
		seen[r.spec.Name] = true
		if i > 0 {
			r.folder = r.spec.Name + "/"
		}
		out = append(out, r)
	}
	return out, nil
}

func (p *ExportParams) check() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Password != "" && (utf8.RuneCountInString(p.Password) < 8 || len(p.Password) > 64) {
		return Errors.FailMsg(CodeExportInvalid, "压缩包密码至少 8 位、最多 64 个字符。")
	}
	if p.Name == "" {
		p.Name = "{学号}.jpg"
	}
	if utf8.RuneCountInString(p.Name) > 100 || strings.ContainsAny(p.Name, "/\\") {
		return Errors.FailMsg(CodeExportInvalid, "文件名模板最多 100 个字，且不能含有 / 或 \\。")
	}
	rest := p.Name
	for _, ph := range placeholders {
		rest = strings.ReplaceAll(rest, "{"+ph+"}", "")
	}
	if strings.ContainsAny(rest, "{}") {
		return Errors.FailMsg(CodeExportInvalid, "文件名模板中有不认识的占位符：可用 {"+strings.Join(placeholders, "} {")+"}。")
	}
	if rest == p.Name {
		return Errors.FailMsg(CodeExportInvalid, "文件名模板至少要有一个占位符，例如 {学号}.jpg。")
	}
	if path.Ext(p.Name) == "" {
		p.Name += ".jpg"
	}
	return nil
}

// exportCampaign loads a campaign the caller may export: its school's
// admin, the platform admin.
func (s *Service) exportCampaign(ctx context.Context, who staff.Staff, p *ExportParams) (domain.Campaign, []rendition, error) {
	c, err := s.Campaign(ctx, who, p.CampaignID)
	if err != nil {
		return c, nil, err
	}
	if err := p.check(); err != nil {
		return c, nil, err
	}
	spec, err := enrol.CampaignSpec(c)
	if err != nil {
		return c, nil, domain.Internal("spec: %w", err)
	}
	rends, err := p.renditions(spec) // refused at the request, not in the job
	if err == nil && (len(rends) > 1 || !rends[0].campaign) && s.renderer == nil {
		err = domain.Internal("no renderer for renditions")
	}
	return c, rends, err
}

// WriteExport streams a campaign's approved photos as a ZIP to w, one
// photo in memory at a time: each named by the template (in folders if
// asked), re-checked against the campaign's spec (size and KB window)
// before it goes in; then 索引.xlsx (ID numbers masked unless the role may
// reveal them, formula-like cells neutralised) and SHA256SUMS in
// sha256sum's format, so that `sha256sum -c SHA256SUMS` verifies the
// unzipped files. Audited; the photos are marked exported.
func (s *Service) WriteExport(ctx context.Context, who staff.Staff, p ExportParams, w io.Writer, where staff.Where) (ExportResult, error) {
	c, rends, err := s.exportCampaign(ctx, who, &p)
	if err != nil {
		return ExportResult{}, err
	}
	password := p.Password
	zw := zip.NewWriter(w)
	add := func(name string, at time.Time, data []byte) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: at})
		if err != nil {
			return err
		}
		_, err = fw.Write(data)
		return err
	}
	if password != "" {
		aw, err := zipaes.NewWriter(zw, password)
		if err != nil {
			return ExportResult{}, domain.Internal("zip: %w", err)
		}
		add = aw.Add
	}
	var sums strings.Builder
	idx := excelize.NewFile()
	defer idx.Close()
	sw, err := idx.NewStreamWriter("Sheet1")
	if err != nil {
		return ExportResult{}, domain.Internal("index: %w", err)
	}
	sw.SetRow("A1", []any{"姓名", "证件类型", "证件号", "学号", "考生号", "学院", "专业", "班级", "文件名", "通过时间", "审核人"})
	res := ExportResult{}
	used := map[string]int{}
	var done []int64
	fullIDs := who.User.Role.MayReveal()
	line := 2
	for after := int64(0); ; {
		list, err := s.store.Approved(ctx, who.Scope, c.ID, p.College, p.Class, p.SinceLast, after, 200)
		if err != nil {
			return res, domain.Internal("approved: %w", err)
		}
		for _, it := range list {
			after = it.ID
			doc := ""
			if full, err := s.keys.OpenField(it.DocEnc, domain.IndexDocument); err == nil {
				doc = full
			}
			files, why, err := s.renderAll(ctx, it, rends)
			if err != nil {
				return res, err
			}
			if why != "" {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s（%s）：%s", it.Student.Name, it.Student.StudentNo, why))
				continue
			}
			name := fileName(p, c, it, doc)
			if n := used[name]; n > 0 {
				ext := path.Ext(name)
				used[name]++
				name = fmt.Sprintf("%s_%d%s", strings.TrimSuffix(name, ext), n+1, ext)
			} else {
				used[name] = 1
			}
			for i, data := range files {
				if err := add(rends[i].folder+name, it.DecidedAt, data); err != nil {
					return res, fmt.Errorf("export: write: %w", err)
				}
				sum := sha256.Sum256(data)
				fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), rends[i].folder+name)
			}
			shown := it.Student.DocMasked
			if fullIDs && doc != "" {
				shown = doc
			}
			row := sheet.SafeRow([]string{it.Student.Name, idnumber.Type(it.Student.DocType).Title(), shown, it.Student.StudentNo, it.Student.ExamNo,
				it.Student.College, it.Student.Major, it.Student.ClassName, name, it.DecidedAt.Local().Format("2006-01-02 15:04"), it.DecidedBy})
			cells := make([]any, len(row))
			for i, v := range row {
				cells[i] = v
			}
			sw.SetRow("A"+strconv.Itoa(line), cells)
			line++
			res.Files++
			done = append(done, it.ID)
		}
		if len(list) < 200 {
			break
		}
	}
	if err := sw.Flush(); err != nil {
		return res, domain.Internal("index: %w", err)
	}
	var ib bytes.Buffer
	if err := idx.Write(&ib); err != nil {
		return res, domain.Internal("index: %w", err)
	}
	if err := add("索引.xlsx", s.now(), ib.Bytes()); err != nil {
		return res, fmt.Errorf("export: write: %w", err)
	}
	sum := sha256.Sum256(ib.Bytes())
	fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), "索引.xlsx")
	if err := add("SHA256SUMS", s.now(), []byte(sums.String())); err != nil {
		return res, fmt.Errorf("export: write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return res, fmt.Errorf("export: zip: %w", err)
	}
	if err := s.store.MarkExported(ctx, done); err != nil {
		return res, domain.Internal("mark exported: %w", err)
	}
	names := []string{}
	for _, r := range rends {
		names = append(names, r.spec.Name)
	}
	after := fmt.Sprintf("files=%d skipped=%d name=%s college=%s class=%s folders=%v since_last=%v full_ids=%v renditions=%s encrypted=%v", res.Files, len(res.Skipped), p.Name,
		p.College, p.Class, p.Folders, p.SinceLast, fullIDs, strings.Join(names, ","), password != "")
	return res, s.record(ctx, who, where, c.SchoolID, "export.photos", "campaign:"+strconv.FormatInt(c.ID, 10), "", after, "")
}

// Renderer makes renditions of an approved photo from its original (the
// engine).
type Renderer interface {
	Render(ctx context.Context, original []byte, spec *photo.Spec) ([]byte, error)
}

// SetRenderer installs the renderer (at composition).
func (s *Service) SetRenderer(r Renderer) { s.renderer = r }

// renderAll is a photo in every rendition, each re-checked against its
// spec; why is the first that fails (the photo is then left out whole, so
// that no system gets it in one size and not another).
func (s *Service) renderAll(ctx context.Context, it store.ExportItem, rends []rendition) (files [][]byte, why string, err error) {
	var original []byte
	for _, r := range rends {
		var data []byte
		if r.campaign {
			if data, err = s.blobGet(ctx, it.ResultBlob); err != nil {
				return nil, "", domain.Internal("photo of submission %d: %w", it.ID, err)
			}
		} else {
			if original == nil {
				if original, err = s.blobGet(ctx, it.OriginalBlob); err != nil {
					return nil, "", domain.Internal("original of submission %d: %w", it.ID, err)
				}
			}
			if data, err = s.renderer.Render(ctx, original, r.spec); err != nil {
				if pe := domain.Public(err); pe.Code != domain.CodeInternal {
					return nil, r.spec.Title + "：" + pe.Message, nil
				}
				return nil, "", domain.Internal("render %s: %w", r.spec.Name, err)
			}
		}
		if w := recheck(data, r.spec); w != "" {
			return nil, r.spec.Title + "：" + w, nil
		}
		files = append(files, data)
	}
	return files, "", nil
}

// recheck is why a photo does not meet its spec, or "".
func recheck(data []byte, spec *photo.Spec) string {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case err != nil || format != "jpeg":
		return "不是可读的 JPEG"
	case cfg.Width != spec.Width || cfg.Height != spec.Height:
		return fmt.Sprintf("尺寸 %d×%d，规格要求 %d×%d", cfg.Width, cfg.Height, spec.Width, spec.Height)
	case spec.MinKB > 0 && len(data) < spec.MinKB*1024, spec.MaxKB > 0 && len(data) > spec.MaxKB*1024:
		return fmt.Sprintf("大小 %d KB，规格要求 %d-%d KB", len(data)/1024, spec.MinKB, spec.MaxKB)
	}
	return ""
}

// fileName is a photo's path in the ZIP.
func fileName(p ExportParams, c domain.Campaign, it store.ExportItem, doc string) string {
	st := it.Student
	values := map[string]string{"身份证号": "", "学号": st.StudentNo, "考生号": st.ExamNo, "报名号": st.ExamNo, "姓名": st.Name,
		"学院": st.College, "专业": it.Student.Major, "班级": st.ClassName, "学校标识码": c.School.Code}
	if st.DocType == string(idnumber.ResidentID) {
		values["身份证号"] = doc
	}
	name, missing := p.Name, false
	for _, ph := range placeholders {
		if strings.Contains(name, "{"+ph+"}") {
			missing = missing || values[ph] == ""
			name = strings.ReplaceAll(name, "{"+ph+"}", values[ph])
		}
	}
	if missing { // the fallback: 学校标识码_班级_姓名
		name = c.School.Code + "_" + st.ClassName + "_" + st.Name + path.Ext(p.Name)
	}
	name = safeName(name)
	if p.Folders {
		name = safeName(orDash(st.College)) + "/" + safeName(orDash(it.Student.Major)) + "/" + safeName(orDash(st.ClassName)) + "/" + name
	}
	return name
}

func orDash(s string) string {
	if s == "" {
		return "未分组"
	}
	return s
}

// safeName makes a string a file name on every system schools use.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.Trim(s, ". ")
	if s == "" {
		return "_"
	}
	return s
}

// blobGet reads a stored photo.
func (s *Service) blobGet(ctx context.Context, key string) ([]byte, error) {
	if s.blobs == nil {
		return nil, fmt.Errorf("no blob store")
	}
	return blob.Get(ctx, s.blobs, key)
}
