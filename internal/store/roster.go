package store

import (
	"context"
	"database/sql"

	"zhipai/internal/domain"
)

// UpsertRosterRow inserts a row, or updates the row with the same
// document (upsert by key, requirements RO-2). A row already bound to an
// account keeps its binding. It reports whether the row was new.
func (s *Store) UpsertRosterRow(ctx context.Context, tx *Tx, r domain.RosterRow) (created bool, err error) {
	var id int64
	err = s.row(ctx, tx, `SELECT id FROM roster_rows WHERE campaign_id = ? AND doc_index = ?`, r.CampaignID, r.DocIndex).Scan(&id)
	if err == sql.ErrNoRows {
		_, err = s.insert(ctx, tx, `INSERT INTO roster_rows (campaign_id, name, doc_type, doc_index, doc_enc, doc_masked, exam_no, student_no,
			college, major, class_name, grade, level, gender, import_batch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.CampaignID, r.Name, r.DocType, r.DocIndex, r.DocEnc, r.DocMasked, r.ExamNo, r.StudentNo, r.College, r.Major,
			r.ClassName, r.Grade, r.Level, r.Gender, r.ImportBatch, s.ms())
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	_, err = s.exec(ctx, tx, `UPDATE roster_rows SET name = ?, doc_type = ?, doc_enc = ?, doc_masked = ?, exam_no = ?, student_no = ?,
		college = ?, major = ?, class_name = ?, grade = ?, level = ?, gender = ?, import_batch = ? WHERE id = ?`,
		r.Name, r.DocType, r.DocEnc, r.DocMasked, r.ExamNo, r.StudentNo, r.College, r.Major, r.ClassName, r.Grade, r.Level, r.Gender, r.ImportBatch, id)
	return false, err
}

// UpsertRosterRows upserts a campaign's rows in one transaction, telling
// done how many are written so far: new documents are inserted, known
// ones updated (their bindings kept). The campaign's known documents are
// read once up front and each row is one INSERT ... ON CONFLICT on the
// unique (campaign_id, doc_index) index, so no statement depends on the
// planner's estimate of a table that grows by tens of thousands of rows
// inside the transaction.
func (s *Store) UpsertRosterRows(ctx context.Context, tx *Tx, campaignID int64, list []domain.RosterRow, done func(int)) (created, updated int, err error) {
	known := map[string]bool{}
	rows, err := s.rows(ctx, tx, `SELECT doc_index FROM roster_rows WHERE campaign_id = ?`, campaignID)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return 0, 0, err
		}
		known[d] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	now := s.ms()
	for i, r := range list {
		if done != nil && i%500 == 0 {
			done(i)
		}
		_, err := s.exec(ctx, tx, `INSERT INTO roster_rows (campaign_id, name, doc_type, doc_index, doc_enc, doc_masked, exam_no, student_no,
			college, major, class_name, grade, level, gender, import_batch, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id, doc_index) DO UPDATE SET name = excluded.name, doc_type = excluded.doc_type, doc_enc = excluded.doc_enc,
			doc_masked = excluded.doc_masked, exam_no = excluded.exam_no, student_no = excluded.student_no, college = excluded.college,
			major = excluded.major, class_name = excluded.class_name, grade = excluded.grade, level = excluded.level, gender = excluded.gender,
			import_batch = excluded.import_batch`,
			campaignID, r.Name, r.DocType, r.DocIndex, r.DocEnc, r.DocMasked, r.ExamNo, r.StudentNo, r.College, r.Major,
			r.ClassName, r.Grade, r.Level, r.Gender, r.ImportBatch, now)
		if err != nil {
			return 0, 0, err
		}
		if known[r.DocIndex] {
			updated++
		} else {
			created++
			known[r.DocIndex] = true
		}
	}
	if updated > 0 { // a re-import may move students: their submissions follow
		if _, err := s.exec(ctx, tx, `UPDATE submissions SET
			college = (SELECT r.college FROM enrolments e JOIN roster_rows r ON r.id = e.roster_row_id WHERE e.id = submissions.enrolment_id),
			class_name = (SELECT r.class_name FROM enrolments e JOIN roster_rows r ON r.id = e.roster_row_id WHERE e.id = submissions.enrolment_id)
			WHERE campaign_id = ? AND EXISTS (SELECT 1 FROM enrolments e JOIN roster_rows r ON r.id = e.roster_row_id WHERE e.id = submissions.enrolment_id
				AND (r.college <> submissions.college OR r.class_name <> submissions.class_name))`, campaignID); err != nil {
			return 0, 0, err
		}
	}
	return created, updated, nil
}

const rosterCols = `id, campaign_id, name, doc_type, doc_index, doc_enc, doc_masked, exam_no, student_no, college, major, class_name,
	grade, level, gender, COALESCE(bound_user_id, 0), import_batch`

func scanRoster(sc interface{ Scan(...any) error }) (domain.RosterRow, error) {
	var r domain.RosterRow
	err := sc.Scan(&r.ID, &r.CampaignID, &r.Name, &r.DocType, &r.DocIndex, &r.DocEnc, &r.DocMasked, &r.ExamNo, &r.StudentNo,
		&r.College, &r.Major, &r.ClassName, &r.Grade, &r.Level, &r.Gender, &r.BoundUserID, &r.ImportBatch)
	return r, err
}

// RosterRowByDoc finds a campaign's row by document index.
func (s *Store) RosterRowByDoc(ctx context.Context, campaignID int64, docIndex string) (domain.RosterRow, error) {
	r, err := scanRoster(s.row(ctx, nil, `SELECT `+rosterCols+` FROM roster_rows WHERE campaign_id = ? AND doc_index = ?`, campaignID, docIndex))
	return r, notFound(err, "roster row in campaign", campaignID)
}

// RosterRow gets a row.
func (s *Store) RosterRow(ctx context.Context, id int64) (domain.RosterRow, error) {
	r, err := scanRoster(s.row(ctx, nil, `SELECT `+rosterCols+` FROM roster_rows WHERE id = ?`, id))
	return r, notFound(err, "roster row", id)
}

// BindRosterRow binds a row to an account, once: ErrConflict when another
// account holds it (requirements RO-5).
func (s *Store) BindRosterRow(ctx context.Context, tx *Tx, rowID, userID int64) error {
	res, err := s.exec(ctx, tx, `UPDATE roster_rows SET bound_user_id = ? WHERE id = ? AND (bound_user_id IS NULL OR bound_user_id = ?)`, userID, rowID, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// RosterCount counts a campaign's rows.
func (s *Store) RosterCount(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM roster_rows WHERE campaign_id = ?`, campaignID).Scan(&n)
	return n, err
}

// AnalyzeRoster refreshes the planner's statistics of the roster table
// (after a large import, so that the staff's lists are planned for the
// table as it now is, not as it was before tens of thousands of rows).
func (s *Store) AnalyzeRoster(ctx context.Context) error {
	_, err := s.exec(ctx, nil, `ANALYZE roster_rows`)
	return err
}
