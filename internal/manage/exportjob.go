package manage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/job"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// ExportTTL is how long a finished export can be downloaded.
const ExportTTL = 24 * time.Hour

// LinkTTL is how long a signed download link works.
const LinkTTL = time.Hour

// SetExports says which queue builds exports, and in which directory
// exports were kept as files before they were blobs (deleted there as
// they expire, and served until then).
func (s *Service) SetExports(legacyDir string, q *job.Queue) { s.exportDir, s.queue = legacyDir, q }

// legacyExport is the file of an export made before exports were blobs
// (export-N.zip in the export directory), "" for a blob.
func (s *Service) legacyExport(e store.Export) string {
	if strings.HasPrefix(e.Blob, "export-") && strings.HasSuffix(e.Blob, ".zip") && s.exportDir != "" {
		return filepath.Join(s.exportDir, filepath.Base(e.Blob))
	}
	return ""
}

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

// SweepExports deletes the ZIPs of exports past their time (the photos
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
		if file := s.legacyExport(e); file != "" {
			if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		} else if e.Blob != "" {
			if err := s.blobs.Delete(ctx, e.Blob); err != nil {
				return err
			}
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
	p := rec.Params
	if len(rec.Sealed) > 0 {
		if p.Password, err = s.keys.OpenField(rec.Sealed, "export-password"); err != nil {
			return s.store.FinishExport(ctx, id, "failed", "", "压缩包密码无法读取，请重新导出。", "", 0, 0, time.Time{})
		}
	}
	key, size, res, err := s.storeExport(ctx, who, p)
	if err != nil {
		if pe := domain.Public(err); pe.Code != domain.CodeInternal {
			return s.store.FinishExport(ctx, id, "failed", "", pe.Message, "", 0, 0, time.Time{})
		}
		return err // retried
	}
	rec.Skipped = res.Skipped
	rec.Sealed = nil // the ZIP is built: the password is not kept
	b, _ := json.Marshal(rec)
	if err := s.store.FinishExport(ctx, id, "done", key, "", string(b), res.Files, size, s.now().Add(ExportTTL)); err != nil {
		s.blobs.Delete(context.WithoutCancel(ctx), key)
		return err
	}
	return nil
}

// storeExport writes the ZIP into the blob store as it is built: on any
// instance, in constant memory, sealed like the photos in it.
func (s *Service) storeExport(ctx context.Context, who staff.Staff, p ExportParams) (string, int64, ExportResult, error) {
	if s.blobs == nil {
		return "", 0, ExportResult{}, domain.Internal("export: no blob store")
	}
	pr, pw := io.Pipe()
	var (
		res  ExportResult
		werr error
		size = countWriter{w: pw}
		done = make(chan struct{})
	)
	// A writer's error closes the pipe with it, so the store's Put fails
	// too and keeps nothing.
	go func() {
		defer close(done)
		defer func() { // as the job's own goroutine would: a bug fails this export, not the server
			if v := recover(); v != nil {
				werr = domain.Internal("export: panic: %v", v)
				pw.CloseWithError(werr)
			}
		}()
		res, werr = s.WriteExport(ctx, who, p, &size, staff.Where{IP: "job"})
		pw.CloseWithError(werr)
	}()
	key, perr := s.blobs.Put(ctx, "export", pr, -1)
	pr.CloseWithError(errors.New("export: the store stopped reading")) // a failed upload ends the writing
	<-done
	switch {
	case werr != nil && domain.Public(werr).Code != domain.CodeInternal:
		return "", 0, res, werr // the staff member is told why
	case perr != nil:
		return "", 0, res, domain.Internal("export: store: %w", perr)
	case werr != nil:
		return "", 0, res, werr
	}
	return key, size.n, res, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
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
func (s *Service) ExportFile(ctx context.Context, id, exp int64, sig string, where staff.Where) (ExportDownload, error) {
	gone := Errors.Fail(CodeExportGone, nil)
	if s.now().Unix() > exp || sig != s.sign(id, exp) {
		return ExportDownload{}, gone
	}
	e, err := s.store.ExportByID(ctx, id)
	if err != nil || e.Status != "done" || s.now().After(e.ExpiresAt) {
		return ExportDownload{}, gone
	}
	var r io.ReadSeekCloser
	if file := s.legacyExport(e); file != "" {
		r, err = os.Open(file)
	} else {
		r, err = s.blobs.Open(ctx, e.Blob)
	}
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, blob.ErrNotFound) {
		return ExportDownload{}, gone
	} else if err != nil {
		return ExportDownload{}, domain.Internal("export: %w", err)
	}
	if _, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: e.SchoolID, ActorRole: "signed-link", IP: where.IP, UA: where.UA, Action: "export.download",
		Target: "export:" + strconv.FormatInt(id, 10)}); err != nil {
		r.Close()
		return ExportDownload{}, domain.Internal("audit: %w", err)
	}
	return ExportDownload{ReadSeekCloser: r, Name: fmt.Sprintf("照片导出-%d.zip", id), Made: e.FinishedAt}, nil
}

// ExportDownload is a finished export's ZIP, read from the store as it is
// sent (and seeking, for a download resumed with a Range).
type ExportDownload struct {
	io.ReadSeekCloser
	Name string
	Made time.Time
}
