package store

import (
	"context"
	"time"
)

// The states of a card check.
const (
	CardChecking = "checking" // stored, its job queued or running
	CardAccepted = "accepted" // the enrolment holds the photo now
	CardRefused  = "refused"  // a finding or the reading refused it; the photo is deleted
	CardFailed   = "failed"   // the job gave up; the student uploads again
	// CardSuperseded: another photo of the same side came before this one
	// was checked; it is deleted unchecked.
	CardSuperseded = "superseded"
)

// CardCheck is the check of one ID-card photo.
type CardCheck struct {
	ID, EnrolmentID, UserID int64
	Side, BlobKey, Status   string
	// ResultEnc is the sealed result (findings, what the front says).
	ResultEnc               []byte
	ErrorCode, ErrorMessage string
	CreatedAt, UpdatedAt    time.Time
}

// Finished reports whether the check has its answer.
func (c CardCheck) Finished() bool { return c.Status != CardChecking }

const cardCheckCols = `id, enrolment_id, user_id, side, blob_key, status, result_enc, error_code, error_message, created_at, updated_at`

func scanCardCheck(sc interface{ Scan(...any) error }) (CardCheck, error) {
	var c CardCheck
	var created, updated int64
	err := sc.Scan(&c.ID, &c.EnrolmentID, &c.UserID, &c.Side, &c.BlobKey, &c.Status, &c.ResultEnc, &c.ErrorCode, &c.ErrorMessage, &created, &updated)
	c.CreatedAt, c.UpdatedAt = msTime(created), msTime(updated)
	return c, err
}

// InsertCardCheck stores a photo's check, checking, in the transaction
// that queues its job. The same side's checks still waiting are
// superseded by it: their jobs delete their photos unchecked.
func (s *Store) InsertCardCheck(ctx context.Context, tx *Tx, c CardCheck) (int64, error) {
	if err := s.supersedeCardChecks(ctx, tx, c.EnrolmentID, c.Side); err != nil {
		return 0, err
	}
	return s.insert(ctx, tx, `INSERT INTO card_checks (enrolment_id, user_id, side, blob_key, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.EnrolmentID, c.UserID, c.Side, c.BlobKey, CardChecking, s.ms(), s.ms())
}

func (s *Store) supersedeCardChecks(ctx context.Context, tx *Tx, enrolmentID int64, side string) error {
	_, err := s.exec(ctx, tx, `UPDATE card_checks SET status = ?, updated_at = ? WHERE enrolment_id = ? AND side = ? AND status = ?`,
		CardSuperseded, s.ms(), enrolmentID, side, CardChecking)
	return err
}

// SetIDImage records a checked photo of the document's side on the
// enrolment (for the front, with the blind index of the number read off
// it, "" when none was), superseding the side's checks still waiting. It
// returns the blob of the photo it replaces ("" when none).
func (s *Store) SetIDImage(ctx context.Context, enrolmentID int64, side, blobKey, cardDocIndex string) (replaced string, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		if err := s.supersedeCardChecks(ctx, tx, enrolmentID, side); err != nil {
			return err
		}
		replaced, err = s.setIDImage(ctx, tx, enrolmentID, side, blobKey, cardDocIndex)
		return err
	})
	return replaced, err
}

func (s *Store) setIDImage(ctx context.Context, tx *Tx, enrolmentID int64, side, blobKey, cardDocIndex string) (replaced string, err error) {
	col := "id_back_blob"
	if side == "front" {
		col = "id_front_blob"
	}
	if err := s.row(ctx, tx, `SELECT `+col+` FROM enrolments WHERE id = ?`, enrolmentID).Scan(&replaced); err != nil {
		return "", notFound(err, "enrolment", enrolmentID)
	}
	if side == "front" {
		_, err = s.exec(ctx, tx, `UPDATE enrolments SET id_front_blob = ?, card_doc_index = ? WHERE id = ?`, blobKey, cardDocIndex, enrolmentID)
	} else {
		_, err = s.exec(ctx, tx, `UPDATE enrolments SET id_back_blob = ? WHERE id = ?`, blobKey, enrolmentID)
	}
	if replaced == blobKey {
		replaced = ""
	}
	return replaced, err
}

// CardCheck gets a check.
func (s *Store) CardCheck(ctx context.Context, id int64) (CardCheck, error) {
	c, err := scanCardCheck(s.row(ctx, nil, `SELECT `+cardCheckCols+` FROM card_checks WHERE id = ?`, id))
	return c, notFound(err, "card check", id)
}

// CardChecking reports whether a photo of the enrolment's card is still
// being checked.
func (s *Store) CardChecking(ctx context.Context, enrolmentID int64) (bool, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM card_checks WHERE enrolment_id = ? AND status = ?`, enrolmentID, CardChecking).Scan(&n)
	return n > 0, err
}

// AcceptCardCheck records a check's acceptance and its photo on the
// enrolment (SetIDImage) in one transaction. It returns the blob the
// photo replaces, and false when the check was no longer waiting
// (superseded, or finished by an earlier run of its job): then nothing
// changed.
func (s *Store) AcceptCardCheck(ctx context.Context, c CardCheck, cardDocIndex string, resultEnc []byte) (replaced string, ok bool, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE card_checks SET status = ?, result_enc = ?, updated_at = ? WHERE id = ? AND status = ?`,
			CardAccepted, resultEnc, s.ms(), c.ID, CardChecking)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil || n == 0 {
			return err
		}
		ok = true
		replaced, err = s.setIDImage(ctx, tx, c.EnrolmentID, c.Side, c.BlobKey, cardDocIndex)
		return err
	})
	if err != nil || !ok {
		return "", false, err
	}
	return replaced, true, s.announce(ctx, channelCardChecks, c.ID)
}

// FinishCardCheck records a check's refusal or failure, if it was still
// waiting (false when not: nothing changed).
func (s *Store) FinishCardCheck(ctx context.Context, id int64, status, code, message string) (bool, error) {
	r, err := s.exec(ctx, nil, `UPDATE card_checks SET status = ?, error_code = ?, error_message = ?, updated_at = ? WHERE id = ? AND status = ?`,
		status, code, message, s.ms(), id, CardChecking)
	if err != nil {
		return false, err
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, s.announce(ctx, channelCardChecks, id)
}
