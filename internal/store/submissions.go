package store

import (
	"context"
	"database/sql"
	"time"

	"zhipai/internal/domain"
)

const submissionCols = `id, enrolment_id, upload_id, state, reasons, note, deadline_at, created_at, updated_at, findings, due_at,
	claimed_by, claimed_until, decided_by, decided_at, exported_at`

func scanSubmission(sc interface{ Scan(...any) error }) (domain.Submission, error) {
	var s domain.Submission
	var deadline sql.NullInt64
	var created, updated, due, until, decided, exported int64
	err := sc.Scan(&s.ID, &s.EnrolmentID, &s.UploadID, &s.State, &s.Reasons, &s.Note, &deadline, &created, &updated, &s.Findings, &due,
		&s.ClaimedBy, &until, &s.DecidedBy, &decided, &exported)
	s.Deadline, s.CreatedAt, s.UpdatedAt = nullMs(deadline), msTime(created), msTime(updated)
	s.DueAt, s.ClaimedUntil, s.DecidedAt, s.ExportedAt = optMs(due), optMs(until), optMs(decided), optMs(exported)
	return s, err
}

// Events lists a submission's history, oldest first.
func (s *Store) Events(ctx context.Context, submissionID int64) ([]domain.Event, error) {
	rows, err := s.rows(ctx, nil, `SELECT actor, from_state, to_state, reasons, note, at FROM submission_events WHERE submission_id = ? ORDER BY id`, submissionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		var e domain.Event
		var at int64
		if err := rows.Scan(&e.Actor, &e.From, &e.To, &e.Reasons, &e.Note, &at); err != nil {
			return nil, err
		}
		e.At = msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// InsertSubmission submits an upload: ErrConflict when it was submitted
// already (a double submit).
// findings are the automatic checks' warnings, due the review deadline.
func (s *Store) InsertSubmission(ctx context.Context, tx *Tx, enrolmentID, uploadID int64, state domain.State, findings string, due time.Time) (int64, error) {
	id, err := s.insert(ctx, tx, `INSERT INTO submissions (enrolment_id, upload_id, state, findings, due_at, created_at, updated_at, campaign_id, school_id, college, class_name)
		SELECT e.id, ?, ?, ?, ?, ?, ?, e.campaign_id, c.school_id, COALESCE(r.college, ''), COALESCE(r.class_name, '')
		FROM enrolments e JOIN campaigns c ON c.id = e.campaign_id LEFT JOIN roster_rows r ON r.id = e.roster_row_id WHERE e.id = ?`,
		uploadID, state, findings, msOrZero(due), s.ms(), s.ms(), enrolmentID)
	if err == nil {
		err = s.setLatest(ctx, tx, id, state)
	}
	if err != nil {
		return 0, err
	}
	return id, s.recordEvent(ctx, tx, id, "student", "", state, "", "")
}

// setLatest keeps the state of an enrolment's latest submission on the
// enrolment (what progress counts); submissions only move while latest.
func (s *Store) setLatest(ctx context.Context, tx *Tx, id int64, state domain.State) error {
	_, err := s.exec(ctx, tx, `UPDATE enrolments SET sub_state = ?, sub_exported = 0 WHERE id = (SELECT enrolment_id FROM submissions WHERE id = ?)`, state, id)
	return err
}

// Submission gets a submission.
func (s *Store) Submission(ctx context.Context, id int64) (domain.Submission, error) {
	sub, err := scanSubmission(s.row(ctx, nil, `SELECT `+submissionCols+` FROM submissions WHERE id = ?`, id))
	return sub, notFound(err, "submission", id)
}

// LatestSubmission is an enrolment's newest submission.
func (s *Store) LatestSubmission(ctx context.Context, enrolmentID int64) (domain.Submission, error) {
	sub, err := scanSubmission(s.row(ctx, nil, `SELECT `+submissionCols+` FROM submissions WHERE enrolment_id = ? ORDER BY id DESC LIMIT 1`, enrolmentID))
	return sub, notFound(err, "submission of enrolment", enrolmentID)
}

// Transition moves a submission from one state to another, if it is still
// in the first (a concurrent move makes this ErrConflict), and records the
// event: who, reasons, note.
func (s *Store) Transition(ctx context.Context, id int64, from, to domain.State, actor, reasons, note string, deadline time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		return s.move(ctx, tx, id, from, to, actor, reasons, note,
			`UPDATE submissions SET state = ?, reasons = ?, note = ?, deadline_at = ?, updated_at = ? WHERE id = ? AND state = ?`,
			to, reasons, note, msOrNull(deadline), s.ms(), id, from)
	})
}

// move runs a state change's conditional UPDATE and, when it matched a
// row (else ErrConflict: someone moved the submission meanwhile), keeps
// the enrolment's state in step and records the event, which runs the
// transition hook: every move of a submission goes through here.
func (s *Store) move(ctx context.Context, tx *Tx, id int64, from, to domain.State, actor, reasons, note, query string, args ...any) error {
	if err := changed(s.exec(ctx, tx, query, args...)); err != nil {
		return err
	}
	if err := s.setLatest(ctx, tx, id, to); err != nil {
		return err
	}
	return s.recordEvent(ctx, tx, id, actor, from, to, reasons, note)
}

// changed is ErrConflict when a conditional statement matched no row.
func changed(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// msOrZero is a time as stored in a NOT NULL column: 0 for none.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// msOrNull is a time as stored in a nullable column: NULL for none.
func msOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}
