package store

import (
	"context"

	"zhipai/internal/domain"
)

const uploadCols = `id, enrolment_id, user_id, idempotency_key, status, original_blob, result_blob, preview_blob, sha256, phash, report_json, error_code,
	blocking, created_at, updated_at`

func scanUpload(sc interface{ Scan(...any) error }) (domain.Upload, error) {
	var u domain.Upload
	var blocking int
	var created, updated int64
	err := sc.Scan(&u.ID, &u.EnrolmentID, &u.UserID, &u.IdempotencyKey, &u.Status, &u.OriginalBlob, &u.ResultBlob, &u.PreviewBlob, &u.SHA256,
		&u.PHash, &u.ReportJSON, &u.ErrorCode, &blocking, &created, &updated)
	u.Blocking, u.CreatedAt, u.UpdatedAt = blocking == 1, msTime(created), msTime(updated)
	return u, err
}

// InsertUpload stores a new upload in a transaction (the caller enqueues
// its job in the same one). A retried upload (same user and idempotency
// key) gets ErrConflict: the caller returns the existing one.
func (s *Store) InsertUpload(ctx context.Context, tx *Tx, u domain.Upload) (int64, error) {
	return s.insert(ctx, tx, `INSERT INTO uploads (enrolment_id, user_id, idempotency_key, status, original_blob, sha256, phash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.EnrolmentID, u.UserID, u.IdempotencyKey, domain.UploadQueued, u.OriginalBlob, u.SHA256, u.PHash, s.ms(), s.ms())
}

// UploadByKey finds a user's upload by idempotency key.
func (s *Store) UploadByKey(ctx context.Context, userID int64, key string) (domain.Upload, error) {
	u, err := scanUpload(s.row(ctx, nil, `SELECT `+uploadCols+` FROM uploads WHERE user_id = ? AND idempotency_key = ?`, userID, key))
	return u, notFound(err, "upload with key", key)
}

// Upload gets an upload.
func (s *Store) Upload(ctx context.Context, id int64) (domain.Upload, error) {
	u, err := scanUpload(s.row(ctx, nil, `SELECT `+uploadCols+` FROM uploads WHERE id = ?`, id))
	return u, notFound(err, "upload", id)
}

// LatestUpload is an enrolment's newest upload.
func (s *Store) LatestUpload(ctx context.Context, enrolmentID int64) (domain.Upload, error) {
	u, err := scanUpload(s.row(ctx, nil, `SELECT `+uploadCols+` FROM uploads WHERE enrolment_id = ? ORDER BY id DESC LIMIT 1`, enrolmentID))
	return u, notFound(err, "upload of enrolment", enrolmentID)
}

// CountUploads counts the uploads of an enrolment that use up one of its
// tries: those that produced a standardized photo, and those still
// waiting or in processing (so that a burst of uploads cannot overrun the
// limit before any is done). A photo the pipeline refused (no face, two
// people, a screenshot...) produced nothing and costs nothing.
//
// Inside a transaction that will insert an upload, call LockEnrolment
// first: then no other transaction can count and insert for the same
// enrolment until this one ends.
func (s *Store) CountUploads(ctx context.Context, tx *Tx, enrolmentID int64) (int, error) {
	var n int
	err := s.row(ctx, tx, `SELECT COUNT(*) FROM uploads u WHERE enrolment_id = ? AND `+triesUsedSQL,
		enrolmentID, domain.UploadQueued, domain.UploadProcessing, domain.UploadDone).Scan(&n)
	return n, err
}

// triesUsedSQL is CountUploads' condition on an upload u, given queued,
// processing and done as its arguments.
const triesUsedSQL = `(u.status IN (?, ?) OR u.status = ? AND u.result_blob <> '')`

// PendingUploads counts the uploads waiting for or in processing, across
// all students: the queue's depth.
func (s *Store) PendingUploads(ctx context.Context) (int, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM uploads WHERE status IN (?, ?)`, domain.UploadQueued, domain.UploadProcessing).Scan(&n)
	return n, err
}

// StartUpload marks an upload as being processed.
func (s *Store) StartUpload(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, nil, `UPDATE uploads SET status = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
		domain.UploadProcessing, s.ms(), id, domain.UploadQueued, domain.UploadProcessing)
	return err
}

// Outcome is what processing made of an upload.
type Outcome struct {
	Status                  domain.UploadStatus // done or failed
	ResultBlob, PreviewBlob string
	PHash                   string
	ReportJSON              string
	ErrorCode               string
	Blocking                bool
}

// FinishUpload records the outcome of processing (idempotent: processing
// the same upload again writes the same values).
//
// On PostgreSQL the change is then announced (NOTIFY zhipai_upload) to
// every instance listening (Listen), so a student's wait on another
// instance ends at once rather than at its next poll.
func (s *Store) FinishUpload(ctx context.Context, id int64, o Outcome) error {
	if _, err := s.exec(ctx, nil, `UPDATE uploads SET status = ?, result_blob = ?, preview_blob = ?, phash = ?, report_json = ?, error_code = ?,
		blocking = ?, updated_at = ? WHERE id = ?`,
		o.Status, o.ResultBlob, o.PreviewBlob, o.PHash, o.ReportJSON, o.ErrorCode, boolInt(o.Blocking), s.ms(), id); err != nil {
		return err
	}
	return s.announce(ctx, channelUploads, id)
}

// RejectedFingerprints lists the hashes (exact and perceptual) of an
// enrolment's photos whose submissions were rejected.
func (s *Store) RejectedFingerprints(ctx context.Context, enrolmentID int64) (sha, phash []string, err error) {
	rows, err := s.rows(ctx, nil, `SELECT u.sha256, u.phash FROM submissions sub JOIN uploads u ON u.id = sub.upload_id
		WHERE sub.enrolment_id = ? AND sub.state = ?`, enrolmentID, "rejected")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, nil, err
		}
		sha, phash = append(sha, a), append(phash, b)
	}
	return sha, phash, rows.Err()
}
