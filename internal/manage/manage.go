// Package manage is what school staff do to run a campaign without a
// shell: the roster's template, a preview of an upload with every row's
// problems, the import itself (upsert, late additions while the campaign
// runs), and the row errors as a spreadsheet to fix. Each import is in
// the audit log.
package manage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"zhipai/internal/audit"
	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/job"
	"zhipai/internal/roster"
	"zhipai/internal/secret"
	"zhipai/internal/sheet"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// Service runs campaign management for staff.
type Service struct {
	store  *store.Store
	roster *roster.Service
	audit  *audit.Log
	staff  *staff.Service
	keys   *secret.Keys
	blobs  blob.Store
	now    func() time.Time
	// Exports: where their files go, the queue that builds them.
	exportDir string
	queue     *job.Queue
	reminder  Reminder
	renderer  Renderer
}

// New builds the service.
func New(st *store.Store, r *roster.Service, a *audit.Log, sf *staff.Service, keys *secret.Keys, blobs blob.Store) *Service {
	return &Service{store: st, roster: r, audit: a, staff: sf, keys: keys, blobs: blobs, now: time.Now}
}

// The public codes of campaign management.
const CodeForbidden = "manage.forbidden"

// Errors are their messages.
var Errors = domain.Catalogue{
	CodeForbidden:       "你的角色不能进行此操作，请联系本校管理员。",
	CodeCampaignInvalid: "批次设置有误，请按提示修改。",
	CodeJoinCodeTaken:   "该特征码已被使用，请换一个（或留空自动生成）。",
	CodeSupportAccess:   "查看学校的个人信息前，请先填写支持访问原因（将记入该校审计日志）。",
	CodeReason:          "请填写原因（2-200 个字），它会记入审计日志。",
	CodeStaffClass:      "只能给辅导员分配班级，且班级须在本校名单中。",
	CodeExportInvalid:   "导出设置有误，请按提示修改。",
	CodeExportGone:      "下载链接已过期或无效，请重新导出。",
}

// Campaign loads a campaign the staff member may manage: outside their
// scope it does not exist for them (404); inside it, only the school's
// admin and the platform admin manage it.
func (s *Service) Campaign(ctx context.Context, who staff.Staff, id int64) (domain.Campaign, error) {
	c, err := s.store.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !who.Scope.Vendor && c.SchoolID != who.Scope.SchoolID {
		return c, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return c, domain.Internal("campaign: %w", err)
	}
	if !who.User.Role.Manages() {
		return c, Errors.Fail(CodeForbidden, nil)
	}
	return c, nil
}

// Roster previews (dryRun) or imports a roster file into a campaign.
func (s *Service) Roster(ctx context.Context, who staff.Staff, campaignID int64, name string, data []byte, dryRun bool, opt roster.Options, where staff.Where) (roster.Report, error) {
	c, err := s.Campaign(ctx, who, campaignID)
	if err != nil {
		return roster.Report{}, err
	}
	rows, err := roster.ReadFile(name, data)
	if err != nil {
		return roster.Report{}, err
	}
	rep, err := s.roster.Run(ctx, c.ID, rows, opt, dryRun)
	if err != nil || dryRun {
		return rep, err
	}
	after := fmt.Sprintf("rows=%d created=%d updated=%d errors=%d imported=%v batch=%s", rep.Rows, rep.Created, rep.Updated, len(rep.Errors), rep.Imported, rep.Batch)
	return rep, s.record(ctx, who, where, c.SchoolID, "roster.import", "campaign:"+strconv.FormatInt(c.ID, 10), "", after, "")
}

// record writes an audit row of a staff member's action.
func (s *Service) record(ctx context.Context, who staff.Staff, where staff.Where, tenant int64, action, target, before, after, reason string) error {
	if _, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: tenant, ActorID: who.User.ID, ActorRole: string(who.User.Role), IP: where.IP, UA: where.UA,
		Action: action, Target: target, Before: before, After: after, Reason: reason}); err != nil {
		return domain.Internal("audit: %w", err)
	}
	return nil
}

// templateHeader is the roster template's header (requirements RO-2).
var templateHeader = []string{"姓名", "证件类型", "证件号码", "考生号", "学号", "学院", "专业", "班级", "年级", "层次", "性别"}

// Template is the roster template as XLSX: the header and one example row
// of a fictitious student.
func Template() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "名单"
	f.SetSheetName("Sheet1", sh)
	f.SetSheetRow(sh, "A1", &templateHeader)
	f.SetSheetRow(sh, "A2", &[]string{"张三（示例，请删除）", "居民身份证", "11010519491231002X", "26110101000001", "20260001", "计算机学院", "软件工程", "软件工程 2026-1 班", "2026", "本科", "男"})
	f.SetColWidth(sh, "A", "K", 16)
	st, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // text: keep leading zeros and the X
	f.SetColStyle(sh, "C:E", st)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ErrorsXLSX is an import's row errors as XLSX, one row each with its
// reason, every cell neutralised for spreadsheets.
func ErrorsXLSX(rep roster.Report) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "错误"
	f.SetSheetName("Sheet1", sh)
	f.SetSheetRow(sh, "A1", &[]string{"行号", "列", "原因"})
	for i, e := range rep.Errors {
		row := sheet.SafeRow([]string{strconv.Itoa(e.Row), e.Column, e.Reason})
		f.SetSheetRow(sh, "A"+strconv.Itoa(i+2), &row)
	}
	f.SetColWidth(sh, "C", "C", 60)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// AuditActions are the audited actions with their Chinese names, for the
// console's filter.
var AuditActions = []struct{ Action, Title string }{
	{"staff.signin", "登录"}, {"staff.signin_failed", "登录失败"}, {"staff.password_change", "修改密码"},
	{"staff.password_change_failed", "修改密码失败"}, {"staff.signout_everywhere", "在所有设备上退出"},
	{"staff.create", "新建人员"}, {"staff.classes", "分配班级"}, {"staff.disable", "停用或启用人员"},
	{"campaign.create", "新建批次"}, {"campaign.update", "修改批次设置"}, {"roster.import", "导入名单"},
	{"person.reveal_id", "查看完整证件号码"}, {"person.exempt", "免采"}, {"review.approved", "审核通过"}, {"review.rejected", "审核驳回"},
	{"review.unlock", "解锁已通过的照片"}, {"photo.view_original", "查看原始照片"}, {"photo.view_idcard", "查看证件照片"}, {"export.photos", "导出照片"},
	{"export.download", "下载导出"}, {"support.access", "服务商支持访问"}, {"school.ip_allow", "修改 IP 白名单"},
}

// AuditRow is an audit log row as the console shows it.
type AuditRow struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorID   int64     `json:"actor_id"`
	ActorRole string    `json:"actor_role"`
	IP        string    `json:"ip"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Before    string    `json:"before,omitempty"`
	After     string    `json:"after,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// Audit is a page of the caller's school's audit log, newest first (the
// platform admin reads any tenant, 0 being the vendor's own actions); only
// admins read it.
func (s *Service) Audit(ctx context.Context, who staff.Staff, tenant, before int64, action string) ([]AuditRow, error) {
	if !who.User.Role.Manages() {
		return nil, Errors.Fail(CodeForbidden, nil)
	}
	if !who.Scope.Vendor {
		tenant = who.Scope.SchoolID
	}
	list, err := s.store.AuditPage(ctx, tenant, before, action, 100)
	if err != nil {
		return nil, domain.Internal("audit: %w", err)
	}
	out := make([]AuditRow, 0, len(list))
	for _, e := range list {
		out = append(out, AuditRow{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorRole: e.ActorRole, IP: e.IP, Action: e.Action, Target: e.Target,
			Before: e.Before, After: e.After, Reason: e.Reason})
	}
	return out, nil
}
