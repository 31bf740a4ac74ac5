package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"zhipai/internal/domain"
)

// reviewScope is the condition a staff scope puts on the review queue: the
// vendor's reviewers review every school (their job, each view audited); a
// school's staff their school, college or classes (scopeWhere).
func reviewScope(sc domain.Scope) (string, []any) { return workScope(sc, "sb") }

// workScope is reviewScope on any table that carries school_id, college
// and class_name (submissions, tickets): the vendor's staff work on every
// school, a school's staff on their school, college or classes.
func workScope(sc domain.Scope, t string) (string, []any) {
	if sc.Vendor {
		return "1 = 1", nil
	}
	return schoolScope(sc, t+".school_id", t+".college", t+".class_name")
}

const reviewFrom = ` FROM submissions sb JOIN enrolments e ON e.id = sb.enrolment_id JOIN roster_rows r ON r.id = e.roster_row_id
	JOIN campaigns c ON c.id = e.campaign_id`

const reviewCols = `sb.id, sb.enrolment_id, sb.upload_id, sb.state, sb.reasons, sb.note, sb.deadline_at, sb.created_at, sb.updated_at, sb.findings, sb.due_at,
	sb.claimed_by, sb.claimed_until, sb.decided_by, sb.decided_at, sb.exported_at, c.id, c.school_id,
	r.id, r.name, r.doc_type, r.doc_masked, r.exam_no, r.student_no, r.college, r.major, r.class_name,
	sb.first_by, sb.first_verdict, sb.first_reasons, sb.sample`

// scanReviewItem reads reviewCols, then any extra columns into extra.
func scanReviewItem(sc interface{ Scan(...any) error }, extra ...any) (domain.ReviewItem, error) {
	var it domain.ReviewItem
	var deadline sql.NullInt64
	var created, updated, due, until, decided, exported int64
	s, r := &it.Submission, &it.Student
	err := sc.Scan(append([]any{&s.ID, &s.EnrolmentID, &s.UploadID, &s.State, &s.Reasons, &s.Note, &deadline, &created, &updated, &s.Findings, &due,
		&s.ClaimedBy, &until, &s.DecidedBy, &decided, &exported, &it.CampaignID, &it.SchoolID,
		&r.ID, &r.Name, &r.DocType, &r.DocMasked, &r.ExamNo, &r.StudentNo, &r.College, &r.Major, &r.ClassName,
		&it.FirstBy, &it.FirstVerdict, &it.FirstReasons, &it.Sample}, extra...)...)
	s.Deadline, s.CreatedAt, s.UpdatedAt = nullMs(deadline), msTime(created), msTime(updated)
	s.DueAt, s.ClaimedUntil, s.DecidedAt, s.ExportedAt = optMs(due), optMs(until), optMs(decided), optMs(exported)
	r.CampaignID = it.CampaignID
	return it, err
}

// queueWhere is the queue's condition for a scope and a filter. Waiting
// items are pending (or claimed on the command line, in_review), each a
// student's latest submission.
func (s *Store) queueWhere(sc domain.Scope, f domain.QueueFilter) (string, []any) {
	where, args := reviewScope(sc)
	cond := []string{where}
	switch f.State {
	case "", "waiting":
		cond = append(cond, "sb.state IN ('pending', 'in_review')")
	case "sample":
		cond = append(cond, "sb.state = 'approved' AND sb.sample = 'drawn'")
	default:
		cond, args = append(cond, "sb.state = ?"), append(args, f.State)
	}
	if f.CampaignID != 0 {
		cond, args = append(cond, "sb.campaign_id = ?"), append(args, f.CampaignID)
	}
	switch f.Stage {
	case "first":
		cond = append(cond, "sb.first_verdict = ''")
	case "final":
		cond = append(cond, "sb.first_verdict <> ''")
	}
	if f.College != "" {
		cond, args = append(cond, "sb.college = ?"), append(args, f.College)
	}
	if f.Class != "" {
		cond, args = append(cond, "sb.class_name = ?"), append(args, f.Class)
	}
	switch f.Findings {
	case "":
	case "none":
		cond = append(cond, "sb.findings = ''")
	case "warn":
		cond = append(cond, "sb.findings <> ''")
	default:
		cond, args = append(cond, "(',' || sb.findings || ',') LIKE ?"), append(args, "%,"+f.Findings+",%")
	}
	if len(f.Skip) > 0 {
		cond = append(cond, "sb.id NOT IN ("+placeholders(len(f.Skip))+")")
		for _, id := range f.Skip {
			args = append(args, id)
		}
	}
	if f.OlderThan > 0 {
		cond, args = append(cond, "sb.created_at <= ?"), append(args, s.now().Add(-f.OlderThan).UnixMilli())
	}
	return strings.Join(cond, " AND "), args
}

// ReviewQueue is a page of the queue, by review deadline (QueueCounts
// says how many match).
func (s *Store) ReviewQueue(ctx context.Context, sc domain.Scope, f domain.QueueFilter) ([]domain.ReviewItem, error) {
	where, args := s.queueWhere(sc, f)
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	page := where
	if f.After != 0 {
		page += ` AND (sb.due_at, sb.id) > (SELECT due_at, id FROM submissions WHERE id = ?)`
		args = append(args, f.After)
	}
	rows, err := s.rows(ctx, nil, `SELECT `+reviewCols+reviewFrom+` WHERE `+page+` ORDER BY sb.due_at, sb.id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.ReviewItem{}
	for rows.Next() {
		it, err := scanReviewItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// QueueCounts counts the items of a filter, whatever its findings, by
// their automatic findings: "none", "warn" and each reason code (the
// total of any findings filter is one of these).
func (s *Store) QueueCounts(ctx context.Context, sc domain.Scope, f domain.QueueFilter) (map[string]int, error) {
	f.Findings = ""
	where, args := s.queueWhere(sc, f)
	rows, err := s.rows(ctx, nil, `SELECT sb.findings, COUNT(*) FROM submissions sb WHERE `+where+` GROUP BY sb.findings`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{"none": 0, "warn": 0}
	for rows.Next() {
		var fs string
		var n int
		if err := rows.Scan(&fs, &n); err != nil {
			return nil, err
		}
		if fs == "" {
			out["none"] += n
			continue
		}
		out["warn"] += n
		for _, code := range strings.Split(fs, ",") {
			out[code] += n
		}
	}
	return out, rows.Err()
}

// ReviewItem gets one submission a scope may review.
func (s *Store) ReviewItem(ctx context.Context, sc domain.Scope, id int64) (domain.ReviewItem, error) {
	where, args := reviewScope(sc)
	it, err := scanReviewItem(s.row(ctx, nil, `SELECT `+reviewCols+reviewFrom+` WHERE sb.id = ? AND `+where, append([]any{id}, args...)...))
	return it, notFound(err, "review item", id)
}

// Claim holds a submission for a reviewer until a moment, if nobody else
// holds it (a claim past its time is nobody's) and it still waits; it
// reports whether the claim was taken. The reviewer's own claim is
// renewed.
func (s *Store) Claim(ctx context.Context, id, staffID int64, until time.Time) (bool, error) {
	now := s.ms()
	res, err := s.exec(ctx, nil, `UPDATE submissions SET claimed_by = ?, claimed_until = ? WHERE id = ? AND state IN ('pending', 'in_review')
		AND (claimed_until < ? OR claimed_by = ?)`, staffID, until.UnixMilli(), id, now, staffID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimNext claims the first waiting item of the queue nobody holds, for
// a reviewer, and returns its id (0: none). Two reviewers never get the
// same item: the claim is a conditional UPDATE, retried on the next item
// when another reviewer took this one first (PostgreSQL skips the rows
// others are claiming).
func (s *Store) ClaimNext(ctx context.Context, sc domain.Scope, f domain.QueueFilter, staffID int64, until time.Time) (int64, error) {
	where, args := s.queueWhere(sc, f)
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	for range 20 {
		now := s.ms()
		var id int64
		err := s.row(ctx, nil, `SELECT sb.id FROM submissions sb WHERE `+where+` AND (sb.claimed_until < ? OR sb.claimed_by = ?) ORDER BY sb.due_at, sb.id LIMIT 1`+lock,
			append(append([]any{}, args...), now, staffID)...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		ok, err := s.Claim(ctx, id, staffID, until)
		if err != nil || ok {
			return id, err
		}
	}
	return 0, nil
}

// Release gives up a reviewer's claim (a skip).
func (s *Store) Release(ctx context.Context, id, staffID int64) error {
	_, err := s.exec(ctx, nil, `UPDATE submissions SET claimed_until = 0 WHERE id = ? AND claimed_by = ?`, id, staffID)
	return err
}

// Decide moves a claimed submission to approved or rejected for the
// reviewer who holds it (ErrConflict when they no longer do, or it moved
// meanwhile), recording who and when, and the event.
//
// A final decision that differs from a first pass marks the first pass
// reversed; sample draws an approval for a second look.
func (s *Store) Decide(ctx context.Context, id, staffID int64, from, to domain.State, actor, reasons, note string, retake time.Time, sample bool) error {
	mark := ""
	if sample && to == domain.StateApproved {
		mark = "drawn"
	}
	return s.InTx(ctx, func(tx *Tx) error {
		now := s.ms()
		return s.move(ctx, tx, id, from, to, actor, reasons, note,
			`UPDATE submissions SET state = ?, reasons = ?, note = ?, deadline_at = ?, updated_at = ?, decided_by = ?, decided_at = ?, claimed_until = 0,
				sample = ?, reversed_by = CASE WHEN first_by <> 0 AND first_verdict <> ? THEN first_by ELSE 0 END
			WHERE id = ? AND state = ? AND claimed_by = ? AND claimed_until >= ?`,
			to, reasons, note, msOrNull(retake), now, staffID, now, mark, to, id, from, staffID, now)
	})
}

// FirstPass records a first-level reviewer's verdict on a waiting item
// they hold (two-level review): the item stays waiting for the school's
// reviewer, who sees the verdict. ErrConflict when they no longer hold
// it, or it has a first pass already.
func (s *Store) FirstPass(ctx context.Context, id, staffID int64, verdict domain.State, reasons string) error {
	now := s.ms()
	return changed(s.exec(ctx, nil, `UPDATE submissions SET first_by = ?, first_verdict = ?, first_reasons = ?, first_at = ?, claimed_until = 0
		WHERE id = ? AND state = 'pending' AND first_verdict = '' AND claimed_by = ? AND claimed_until >= ?`, staffID, verdict, reasons, now, id, staffID, now))
}

// SampleCheck settles an approval drawn for a second look: kept (ok), or
// overturned into a rejection the student retakes, which counts against
// the reviewer who approved it. ErrConflict when it is not (or no longer)
// a drawn approval.
func (s *Store) SampleCheck(ctx context.Context, id int64, ok bool, actor, reasons, note string, retake time.Time) error {
	if ok {
		return changed(s.exec(ctx, nil, `UPDATE submissions SET sample = 'ok' WHERE id = ? AND state = 'approved' AND sample = 'drawn'`, id))
	}
	return s.InTx(ctx, func(tx *Tx) error {
		return s.move(ctx, tx, id, domain.StateApproved, domain.StateRejected, actor, reasons, note,
			`UPDATE submissions SET state = 'rejected', reasons = ?, note = ?, deadline_at = ?, updated_at = ?, sample = 'reversed', reversed_by = decided_by
			WHERE id = ? AND state = 'approved' AND sample = 'drawn' AND exported_at = 0`, reasons, note, msOrNull(retake), s.ms(), id)
	})
}

// ReviewerStat is one reviewer's work over a period.
type ReviewerStat struct {
	StaffID             int64
	Login, Name         string
	Approved, Rejected  int // final decisions
	FirstPasses         int // first-level verdicts of a two-level review
	ActiveHours         int // hours in which they decided anything
	Reversed            int // their decisions a later look overturned
	Sampled, SampledBad int // of their approvals drawn and looked at: all, overturned
}

// ReviewStats is every reviewer's work in a scope since a time, by
// submissions they decided (or passed first) then.
func (s *Store) ReviewStats(ctx context.Context, sc domain.Scope, campaignID int64, since time.Time) ([]ReviewerStat, error) {
	where, args := reviewScope(sc)
	if campaignID != 0 {
		where, args = where+" AND sb.campaign_id = ?", append(args, campaignID)
	}
	t := since.UnixMilli()
	// Each decision and each first pass is one row (who, when, what, and
	// whether it was overturned); the stats group them per reviewer.
	q := `WITH work AS (
		SELECT sb.decided_by AS who, sb.decided_at AS at, CASE WHEN sb.sample = 'reversed' THEN 'approved' ELSE sb.state END AS what,
			CASE WHEN sb.sample = 'reversed' THEN 1 ELSE 0 END AS bad,
			CASE WHEN sb.sample IN ('ok', 'reversed') THEN 1 ELSE 0 END AS looked
		FROM submissions sb WHERE sb.decided_by <> 0 AND sb.decided_at >= ? AND sb.state IN ('approved', 'rejected') AND ` + where + `
		UNION ALL
		SELECT sb.first_by, sb.first_at, 'first', CASE WHEN sb.reversed_by = sb.first_by THEN 1 ELSE 0 END, 0
		FROM submissions sb WHERE sb.first_by <> 0 AND sb.first_at >= ? AND ` + where + `)
	SELECT w.who, COALESCE(u.login, ''), COALESCE(u.name, ''),
		SUM(CASE WHEN w.what = 'approved' THEN 1 ELSE 0 END), SUM(CASE WHEN w.what = 'rejected' THEN 1 ELSE 0 END),
		SUM(CASE WHEN w.what = 'first' THEN 1 ELSE 0 END), COUNT(DISTINCT w.at / 3600000), SUM(w.bad), SUM(w.looked),
		SUM(CASE WHEN w.looked = 1 AND w.bad = 1 THEN 1 ELSE 0 END)
	FROM work w LEFT JOIN staff_users u ON u.id = w.who GROUP BY w.who, u.login, u.name ORDER BY COUNT(*) DESC, w.who`
	all := append(append(append([]any{t}, args...), t), args...)
	rows, err := s.rows(ctx, nil, q, all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReviewerStat
	for rows.Next() {
		var r ReviewerStat
		if err := rows.Scan(&r.StaffID, &r.Login, &r.Name, &r.Approved, &r.Rejected, &r.FirstPasses, &r.ActiveHours, &r.Reversed, &r.Sampled, &r.SampledBad); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PreviousRejected is the enrolment's latest rejected submission before
// this one, if any.
func (s *Store) PreviousRejected(ctx context.Context, enrolmentID, before int64) (domain.Submission, error) {
	sub, err := scanSubmission(s.row(ctx, nil, `SELECT `+submissionCols+` FROM submissions WHERE enrolment_id = ? AND id < ? AND state = 'rejected'
		ORDER BY id DESC LIMIT 1`, enrolmentID, before))
	return sub, notFound(err, "previous rejection", enrolmentID)
}

// ExportItem is an approved photo to export, with what its file name and
// index row need.
type ExportItem struct {
	domain.ReviewItem
	ResultBlob, OriginalBlob string
	DocEnc                   []byte
	DecidedBy                string // the reviewer's name
}

// Approved lists a page of a campaign's approved, latest submissions in a
// scope, in id order after a submission id; with sinceLast only those not
// yet exported.
func (s *Store) Approved(ctx context.Context, sc domain.Scope, campaignID int64, college, class string, sinceLast bool, after int64, limit int) ([]ExportItem, error) {
	where, args := reviewScope(sc)
	cond := []string{where, "sb.campaign_id = ?", "sb.state = 'approved'", "sb.id > ?",
		"sb.id = (SELECT MAX(id) FROM submissions WHERE enrolment_id = sb.enrolment_id)"}
	args = append(args, campaignID, after)
	if college != "" {
		cond, args = append(cond, "sb.college = ?"), append(args, college)
	}
	if class != "" {
		cond, args = append(cond, "sb.class_name = ?"), append(args, class)
	}
	if sinceLast {
		cond = append(cond, "sb.exported_at = 0")
	}
	rows, err := s.rows(ctx, nil, `SELECT `+reviewCols+`, u.result_blob, u.original_blob, r.doc_enc, COALESCE(su.name, '')`+reviewFrom+`
		JOIN uploads u ON u.id = sb.upload_id LEFT JOIN staff_users su ON su.id = sb.decided_by
		WHERE `+strings.Join(cond, " AND ")+` ORDER BY sb.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExportItem
	for rows.Next() {
		var it ExportItem
		it.ReviewItem, err = scanReviewItem(rows, &it.ResultBlob, &it.OriginalBlob, &it.DocEnc, &it.DecidedBy)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// MarkExported records that submissions went into an export.
func (s *Store) MarkExported(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{s.ms()}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.exec(ctx, nil, `UPDATE submissions SET exported_at = ? WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err == nil {
		_, err = s.exec(ctx, nil, `UPDATE enrolments SET sub_exported = 1 WHERE id IN (SELECT enrolment_id FROM submissions WHERE id IN (`+placeholders(len(ids))+`))`, args[1:]...)
	}
	return err
}

// Export is an export's record.
type Export struct {
	ID, SchoolID, CampaignID, StaffID int64
	ParamsJSON, Status, Blob, Error   string
	Files                             int
	Bytes                             int64
	CreatedAt, FinishedAt, ExpiresAt  time.Time
}

// CreateExport records a requested export.
func (s *Store) CreateExport(ctx context.Context, e Export) (int64, error) {
	return s.insert(ctx, nil, `INSERT INTO exports (school_id, campaign_id, staff_id, params_json, status, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.SchoolID, e.CampaignID, e.StaffID, e.ParamsJSON, e.Status, s.ms())
}

// FinishExport records an export's outcome (and its parameters with what
// the run learnt, such as the photos it skipped; "" keeps them).
func (s *Store) FinishExport(ctx context.Context, id int64, status, file, errText, paramsJSON string, files int, bytes int64, expires time.Time) error {
	_, err := s.exec(ctx, nil, `UPDATE exports SET status = ?, blob = ?, error = ?, files = ?, bytes = ?, finished_at = ?, expires_at = ?,
		params_json = CASE WHEN ? = '' THEN params_json ELSE ? END WHERE id = ?`,
		status, file, errText, files, bytes, s.ms(), expires.UnixMilli(), paramsJSON, paramsJSON, id)
	return err
}

const exportCols = `id, school_id, campaign_id, staff_id, params_json, status, blob, error, files, bytes, created_at, finished_at, expires_at`

func scanExport(sc interface{ Scan(...any) error }) (Export, error) {
	var e Export
	var created, finished, expires int64
	err := sc.Scan(&e.ID, &e.SchoolID, &e.CampaignID, &e.StaffID, &e.ParamsJSON, &e.Status, &e.Blob, &e.Error, &e.Files, &e.Bytes,
		&created, &finished, &expires)
	e.CreatedAt, e.FinishedAt, e.ExpiresAt = msTime(created), optMs(finished), optMs(expires)
	return e, err
}

// ExportByID gets an export.
func (s *Store) ExportByID(ctx context.Context, id int64) (Export, error) {
	e, err := scanExport(s.row(ctx, nil, `SELECT `+exportCols+` FROM exports WHERE id = ?`, id))
	return e, notFound(err, "export", id)
}

// Exports lists a campaign's exports, newest first.
func (s *Store) Exports(ctx context.Context, campaignID int64) ([]Export, error) {
	return s.exports(ctx, `WHERE campaign_id = ? ORDER BY id DESC LIMIT 20`, campaignID)
}

// ExpiredExports lists the finished exports past their time whose files
// are still kept.
func (s *Store) ExpiredExports(ctx context.Context) ([]Export, error) {
	return s.exports(ctx, `WHERE status = 'done' AND expires_at < ? ORDER BY id`, s.ms())
}

func (s *Store) exports(ctx context.Context, tail string, args ...any) ([]Export, error) {
	rows, err := s.rows(ctx, nil, `SELECT `+exportCols+` FROM exports `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Export
	for rows.Next() {
		e, err := scanExport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExpireExport records that an export's file is deleted.
func (s *Store) ExpireExport(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, nil, `UPDATE exports SET status = 'expired', blob = '' WHERE id = ?`, id)
	return err
}

// UndoApproval takes back an approval its reviewer made since the time
// given, if nothing has happened to it since (not exported, not moved):
// the photo waits for review again. ErrConflict when it cannot.
func (s *Store) UndoApproval(ctx context.Context, id, staffID int64, since time.Time, actor string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		return s.move(ctx, tx, id, domain.StateApproved, domain.StatePending, actor, "", "undo",
			`UPDATE submissions SET state = 'pending', decided_by = 0, decided_at = 0, claimed_until = 0, updated_at = ?
			WHERE id = ? AND state = 'approved' AND decided_by = ? AND decided_at >= ? AND exported_at = 0`, s.ms(), id, staffID, since.UnixMilli())
	})
}
