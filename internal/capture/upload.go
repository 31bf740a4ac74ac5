package capture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/photo"
	"zhipai/internal/store"
)

// FindingView is a compliance finding as the student reads it.
type FindingView struct {
	Code        string  `json:"code"`
	Severity    string  `json:"severity"`
	Reason      string  `json:"reason"`
	ReasonTitle string  `json:"reason_title"`
	Message     string  `json:"message"`
	Value       float64 `json:"value"`
	Threshold   float64 `json:"threshold"`
}

// UploadView is an upload and what processing made of it.
type UploadView struct {
	ID        int64               `json:"id"`
	Status    domain.UploadStatus `json:"status"`
	Error     *ErrorView          `json:"error,omitempty"`
	Findings  []FindingView       `json:"findings"`
	Blocking  bool                `json:"blocking"`
	CanSubmit bool                `json:"can_submit"`
	HasResult bool                `json:"has_result"`
	Output    *OutputView         `json:"output,omitempty"`
	CreatedAt time.Time           `json:"created_at"`
}

// ErrorView is a refusal.
type ErrorView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// OutputView describes the standardized photo.
type OutputView struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	KB     float64 `json:"kb"`
	DPI    int     `json:"dpi"`
}

var idemKeyRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// Upload stores a photo and queues its standardization, in one
// transaction: the upload and its job exist together or not at all. The
// idempotency key makes a retried request return the first upload instead
// of making a second.
func (s *Service) Upload(ctx context.Context, who domain.Caller, campaignID int64, key string, data []byte) (UploadView, bool, error) {
	if !idemKeyRe.MatchString(key) {
		return UploadView{}, false, fail(CodeIdempotencyKey, nil)
	}
	if u, err := s.Store.UploadByKey(ctx, who.UserID, key); err == nil {
		return s.uploadView(ctx, u), false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return UploadView{}, false, domain.Internal("upload by key: %w", err)
	}
	// Refused photos cost no try, so tries alone do not bound a student's
	// photo work: this does.
	if err := s.Limiter.Check(ctx, "upload-user", strconv.FormatInt(who.UserID, 10), fail(CodeUploadRate, nil)); err != nil {
		return UploadView{}, false, err
	}
	e, c, err := s.Enrol.Enrolment(ctx, who, campaignID, true)
	if err != nil {
		return UploadView{}, false, err
	}
	if e.ConfirmedAt.IsZero() {
		return UploadView{}, false, fail(CodeNotConfirmed, nil)
	}
	if err := s.checkNotLocked(ctx, e.ID); err != nil {
		return UploadView{}, false, err
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return UploadView{}, false, domain.Errors.Fail(domain.CodeRequestTooLarge, nil)
	}
	if _, err := photo.Sniff(data); err != nil {
		return UploadView{}, false, err
	}
	// A first look at the limit before storing anything; the binding one
	// is in the transaction below.
	if err := s.checkUploadLimit(ctx, nil, e.ID, c.MaxUploads); err != nil {
		return UploadView{}, false, err
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	rejected, _, err := s.Store.RejectedFingerprints(ctx, e.ID)
	if err != nil {
		return UploadView{}, false, domain.Internal("fingerprints: %w", err)
	}
	for _, r := range rejected {
		if r == sha {
			return UploadView{}, false, fail(CodeDuplicate, nil)
		}
	}
	pending, err := s.Store.PendingUploads(ctx)
	if err != nil {
		return UploadView{}, false, domain.Internal("queue depth: %w", err)
	}
	if pending >= s.cfg.QueueLimit {
		// About a second per photo per core, rounded up to whole seconds.
		wait := time.Duration(1+pending/s.cfg.PhotoWorkers) * time.Second
		return UploadView{}, false, fail(CodeQueueFull, nil).WithRetry(min(wait, time.Minute))
	}
	blobKey, err := blob.PutBytes(ctx, s.Blob, "photo", data)
	if err != nil {
		return UploadView{}, false, domain.Internal("store photo: %w", err)
	}
	var id int64
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := s.Store.LockEnrolment(ctx, tx, e.ID); err != nil {
			return err
		}
		// Counted and inserted under the enrolment's lock: two uploads
		// at the limit cannot both pass.
		if err := s.checkUploadLimit(ctx, tx, e.ID, c.MaxUploads); err != nil {
			return err
		}
		var err error
		id, err = s.Store.InsertUpload(ctx, tx, domain.Upload{EnrolmentID: e.ID, UserID: who.UserID, IdempotencyKey: key, OriginalBlob: blobKey, SHA256: sha})
		if err != nil {
			return err
		}
		return s.Queue.EnqueueStandardize(ctx, tx, id)
	})
	if err != nil {
		s.Blob.Delete(ctx, blobKey)
		var pe *domain.Error
		if errors.As(err, &pe) {
			return UploadView{}, false, err
		}
		if errors.Is(err, store.ErrConflict) { // the same key raced in
			if u, err2 := s.Store.UploadByKey(ctx, who.UserID, key); err2 == nil {
				return s.uploadView(ctx, u), false, nil
			}
		}
		return UploadView{}, false, domain.Internal("upload: %w", err)
	}
	s.Log.InfoContext(ctx, "photo uploaded", "user", who.UserID, "campaign", c.ID, "upload", id, "bytes", len(data))
	u, err := s.Store.Upload(ctx, id)
	if err != nil {
		return UploadView{}, false, domain.Internal("upload %d: %w", id, err)
	}
	return s.uploadView(ctx, u), true, nil
}

// checkUploadLimit refuses an upload when the enrolment has used its
// tries (store.CountUploads says which uploads count).
func (s *Service) checkUploadLimit(ctx context.Context, tx *store.Tx, enrolmentID int64, max int) error {
	if max <= 0 {
		return nil
	}
	n, err := s.Store.CountUploads(ctx, tx, enrolmentID)
	if err != nil {
		return domain.Internal("count uploads: %w", err)
	}
	if n >= max {
		return fail(CodeUploadLimit, nil)
	}
	return nil
}

// checkNotLocked refuses changes while a submission is under review or
// after approval.
func (s *Service) checkNotLocked(ctx context.Context, enrolmentID int64) error {
	sub, err := s.Store.LatestSubmission(ctx, enrolmentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return domain.Internal("submission: %w", err)
	}
	switch sub.State {
	case domain.StateApproved:
		return fail(CodeLocked, nil)
	case domain.StatePending, domain.StateInReview:
		return fail(CodeUnderReview, nil)
	case domain.StateRejected:
		if !sub.Deadline.IsZero() && !s.now().Before(sub.Deadline) {
			return fail(CodeRetakeExpired, nil)
		}
	}
	return nil
}

// UploadStatus reads one of the caller's uploads; anyone else's is not
// found.
func (s *Service) UploadStatus(ctx context.Context, who domain.Caller, uploadID int64) (UploadView, error) {
	u, err := s.ownUpload(ctx, who, uploadID)
	if err != nil {
		return UploadView{}, err
	}
	return s.uploadView(ctx, u), nil
}

func (s *Service) ownUpload(ctx context.Context, who domain.Caller, uploadID int64) (domain.Upload, error) {
	u, err := s.Store.Upload(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.UserID != who.UserID {
		return domain.Upload{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return domain.Upload{}, domain.Internal("upload: %w", err)
	}
	return u, nil
}

// Image kinds of an upload.
const (
	ImageResult  = "result"
	ImagePreview = "preview"
)

// UploadImage returns the standardized photo or the preview of the
// original, of the caller's own upload only.
func (s *Service) UploadImage(ctx context.Context, who domain.Caller, uploadID int64, kind string) ([]byte, error) {
	u, err := s.ownUpload(ctx, who, uploadID)
	if err != nil {
		return nil, err
	}
	key := u.ResultBlob
	if kind == ImagePreview {
		key = u.PreviewBlob
	}
	if key == "" {
		return nil, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	b, err := blob.Get(ctx, s.Blob, key)
	if err != nil {
		return nil, domain.Internal("image: %w", err)
	}
	return b, nil
}

// storedReport is the report kept with an upload. Landmarks are dropped:
// face geometry is not kept after processing (requirements PS-3).
func storedReport(r *photo.Report) *photo.Report {
	if r == nil {
		return nil
	}
	c := *r
	c.Landmarks = nil
	return &c
}

func (s *Service) uploadView(ctx context.Context, u domain.Upload) UploadView {
	v := UploadView{ID: u.ID, Status: u.Status, Findings: []FindingView{}, Blocking: u.Blocking, HasResult: u.ResultBlob != "", CreatedAt: u.CreatedAt}
	if u.ErrorCode != "" {
		v.Error = &ErrorView{Code: u.ErrorCode, Message: messageOf(u.ErrorCode)}
	}
	if u.ReportJSON != "" {
		var r photo.Report
		if err := json.Unmarshal([]byte(u.ReportJSON), &r); err == nil {
			for _, f := range r.Findings {
				v.Findings = append(v.Findings, FindingView{Code: f.Code, Severity: string(f.Severity), Reason: string(f.Reason),
					ReasonTitle: f.Reason.Title(), Message: f.Message, Value: f.Value, Threshold: f.Threshold})
			}
			if r.Output != nil {
				v.Output = &OutputView{Width: r.Output.Width, Height: r.Output.Height, KB: float64(r.Output.Bytes*10/1024) / 10, DPI: r.Output.DPI}
			}
		}
	}
	v.CanSubmit = u.Status == domain.UploadDone && !u.Blocking && u.ResultBlob != ""
	return v
}

// messageOf is the message of a stored refusal: the photo engine's, the
// use case's own (a duplicate), or the generic one.
func messageOf(code string) string {
	for _, m := range []string{photo.Message(code), Errors[code], domain.Errors[code]} {
		if m != "" {
			return m
		}
	}
	return domain.Errors[domain.CodeInternal]
}
