package manage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/job"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// ExportTTL is how long a finished export can be downloaded.
const ExportTTL = 24 * time.Hour

// LinkTTL is how long a signed download link works.
const LinkTTL = time.Hour

// SetExports says where export files go and which queue builds them.
func (s *Service) SetExports(dir string, q *job.Queue) { s.exportDir, s.queue = dir, q }

// ExportView is an export as the console shows it.
type ExportView struct {
	ID        int64        `json:"id"`
	Status    string       `json:"status"` // queued, done, failed, expired (the file deleted)
	Params    ExportParams `json:"params"`
	Files     int          `json:"files"`
	Bytes     int64        `json:"bytes"`
	Skipped   []string     `json:"skipped,omitempty"`
	Error     string       `json:"error,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	ExpiresAt time.Time    `json:"expires_at,omitzero"`
	// Download is a signed link, valid for LinkTTL, once done.
	Download string `json:"download,omitempty"`
}

type exportRecord struct {
	Params  ExportParams `json:"params"`
	Skipped []string     `json:"skipped,omitempty"`
	// Sealed is the ZIP's password while the job waits; dropped once it
	// is built, and never in the audit log.
	Sealed []byte `json:"sealed,omitempty"`
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SweepExports deletes the files of exports past their time (the photos
// are personal data: no copy is kept longer than it is needed).
func (s *Service) SweepExports(ctx context.Context) error {
	list, err := s.store.ExpiredExports(ctx)
	if err != nil {
		return err
	}
	for _, e := range list {
		if !s.now().After(e.ExpiresAt) {
			continue
		}
		if err := os.Remove(filepath.Join(s.exportDir, filepath.Base(e.Blob))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := s.store.ExpireExport(ctx, e.ID); err != nil {
			return err
		}
	}
	return nil
}

// StartExport records an export and queues the job that builds it (and
// deletes the files of expired exports).
func (s *Service) StartExport(ctx context.Context, who staff.Staff, p ExportParams, where staff.Where) (ExportView, error) {
	c, _, err := s.exportCampaign(ctx, who, &p)
	if err != nil {
		return ExportView{}, err
	}
	if err := s.SweepExports(ctx); err != nil {
		return ExportView{}, domain.Internal("sweep exports: %w", err)
	}
	rec := exportRecord{Params: p}
	rec.Params.Encrypted = p.Password != ""
	if p.Password != "" {
		// The job reads the password sealed; nothing shows it again.
		rec.Sealed, rec.Params.Password = s.keys.SealField(p.Password, "export-password"), ""
	}
	stored, _ := json.Marshal(rec)
	rec.Sealed = nil
	b, _ := json.Marshal(rec) // what the audit log keeps: no password, sealed or not
	id, err := s.store.CreateExport(ctx, store.Export{SchoolID: c.SchoolID, CampaignID: c.ID, StaffID: who.User.ID, ParamsJSON: string(stored), Status: "queued"})
	if err != nil {
		return ExportView{}, domain.Internal("export: %w", err)
	}
	if err := s.queue.EnqueueExport(ctx, id); err != nil {
		return ExportView{}, domain.Internal("export: %w", err)
	}
	if err := s.record(ctx, who, where, c.SchoolID, "export.request", "export:"+strconv.FormatInt(id, 10), "", string(b), ""); err != nil {
		return ExportView{}, err
	}
	return s.ExportStatus(ctx, who, id)
}

// RunExport builds an export's ZIP for the staff member who asked, with
// their scope as it is now (the job).
func (s *Service) RunExport(ctx context.Context, id int64) error {
	e, err := s.store.ExportByID(ctx, id)
	if err != nil {
		return err
	}
	if e.Status != "queued" {
		return nil
	}
	if err := s.SweepExports(ctx); err != nil {
		return err
	}
	var rec exportRecord
	if err := json.Unmarshal([]byte(e.ParamsJSON), &rec); err != nil {
		return err
	}
	who, err := s.staff.ByID(ctx, e.StaffID)
	if err != nil {
		return s.store.FinishExport(ctx, id, "failed", "", "导出人的账号已停用。", "", 0, 0, time.Time{})
	}
	if err := os.MkdirAll(s.exportDir, 0o700); err != nil {
		return err
	}
	final := filepath.Join(s.exportDir, fmt.Sprintf("export-%d.zip", id))
	f, err := os.OpenFile(final+".part", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	p := rec.Params
	if len(rec.Sealed) > 0 {
		if p.Password, err = s.keys.OpenField(rec.Sealed, "export-password"); err != nil {
			f.Close()
			os.Remove(final + ".part")
			return s.store.FinishExport(ctx, id, "failed", "", "压缩包密码无法读取，请重新导出。", "", 0, 0, time.Time{})
		}
	}
	res, werr := s.WriteExport(ctx, who, p, f, staff.Where{IP: "job"})
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(final + ".part")
		if pe := domain.Public(werr); pe.Code != domain.CodeInternal {
			return s.store.FinishExport(ctx, id, "failed", "", pe.Message, "", 0, 0, time.Time{})
		}
		return werr // retried
	}
	if err := os.Rename(final+".part", final); err != nil {
		return err
	}
	st, _ := os.Stat(final)
	rec.Skipped = res.Skipped
	rec.Sealed = nil // the ZIP is built: the password is not kept
	b, _ := json.Marshal(rec)
	return s.store.FinishExport(ctx, id, "done", filepath.Base(final), "", string(b), res.Files, st.Size(), s.now().Add(ExportTTL))
}

// ExportStatus is an export of a campaign the caller manages.
func (s *Service) ExportStatus(ctx context.Context, who staff.Staff, id int64) (ExportView, error) {
	e, err := s.store.ExportByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ExportView{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return ExportView{}, domain.Internal("export: %w", err)
	}
	if _, err := s.Campaign(ctx, who, e.CampaignID); err != nil {
		return ExportView{}, err
	}
	return s.exportView(e), nil
}

// Exports lists a campaign's recent exports.
func (s *Service) Exports(ctx context.Context, who staff.Staff, campaignID int64) ([]ExportView, error) {
	c, err := s.Campaign(ctx, who, campaignID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.Exports(ctx, c.ID)
	if err != nil {
		return nil, domain.Internal("exports: %w", err)
	}
	out := []ExportView{}
	for _, e := range list {
		out = append(out, s.exportView(e))
	}
	return out, nil
}

func (s *Service) exportView(e store.Export) ExportView {
	var rec exportRecord
	json.Unmarshal([]byte(e.ParamsJSON), &rec)
	rec.Params.Password = ""
	v := ExportView{ID: e.ID, Status: e.Status, Params: rec.Params, Files: e.Files, Bytes: e.Bytes, Skipped: rec.Skipped, Error: e.Error,
		CreatedAt: e.CreatedAt, ExpiresAt: e.ExpiresAt}
	now := s.now()
	if e.Status == "done" && now.Before(e.ExpiresAt) {
		exp := now.Add(LinkTTL).Unix()
		v.Download = fmt.Sprintf("/api/v1/staff/exports/%d/download?exp=%d&sig=%s", e.ID, exp, s.sign(e.ID, exp))
	}
	return v
}

func (s *Service) sign(id, exp int64) string {
	return s.keys.Index("export-link", fmt.Sprintf("%d:%d", id, exp))
}

// ExportFile opens a finished export for a signed link that has not
// expired; the download is audited.
func (s *Service) ExportFile(ctx context.Context, id, exp int64, sig string, where staff.Where) (*os.File, string, error) {
	gone := Errors.Fail(CodeExportGone, nil)
	if s.now().Unix() > exp || sig != s.sign(id, exp) {
		return nil, "", gone
	}
	e, err := s.store.ExportByID(ctx, id)
	if err != nil || e.Status != "done" || s.now().After(e.ExpiresAt) {
		return nil, "", gone
	}
	f, err := os.Open(filepath.Join(s.exportDir, filepath.Base(e.Blob)))
	if err != nil {
		return nil, "", gone
	}
	if _, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: e.SchoolID, ActorRole: "signed-link", IP: where.IP, UA: where.UA, Action: "export.download",
		Target: "export:" + strconv.FormatInt(id, 10)}); err != nil {
		f.Close()
		return nil, "", domain.Internal("audit: %w", err)
	}
	return f, fmt.Sprintf("照片导出-%d.zip", id), nil
}
