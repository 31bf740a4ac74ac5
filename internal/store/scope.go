package store

import (
	"context"
	"strings"
	"time"

	"zhipai/internal/domain"
)

// scopeWhere is the condition a staff scope puts on personal data: the
// roster rows (alias r) of campaigns (alias c) it may see. The vendor
// sees a school's rows only while a support access is open for it; a
// school's staff their school's, narrowed to a college or to a
// counsellor's classes. Every personal-data query staff reach goes
// through it, so a handler cannot forget the scope.
func scopeWhere(sc domain.Scope) (string, []any) {
	if sc.Vendor {
		return supportedSchools(sc, "c.school_id")
	}
	return schoolScope(sc, "c.school_id", "r.college", "r.class_name")
}

// schoolScope is a school staff member's condition on the columns given:
// their school, narrowed to their college or to a counsellor's classes
// (none assigned: nothing).
func schoolScope(sc domain.Scope, school, college, class string) (string, []any) {
	w, args := []string{school + " = ?"}, []any{sc.SchoolID}
	if sc.College != "" {
		w, args = append(w, college+" = ?"), append(args, sc.College)
	}
	if sc.Classes != nil {
		if len(sc.Classes) == 0 {
			return "1 = 0", nil
		}
		w = append(w, class+" IN ("+placeholders(len(sc.Classes))+")")
		for _, k := range sc.Classes {
			args = append(args, k)
		}
	}
	return strings.Join(w, " AND "), args
}

// supportedSchools is a vendor scope's condition on personal data: the
// schools it holds an open support access to, none without one.
func supportedSchools(sc domain.Scope, col string) (string, []any) {
	if len(sc.SupportSchools) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(sc.SupportSchools))
	for i, id := range sc.SupportSchools {
		args[i] = id
	}
	return col + " IN (" + placeholders(len(args)) + ")", args
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

const studentCols = `r.id, r.campaign_id, r.name, r.doc_type, r.doc_index, r.doc_enc, r.doc_masked, r.exam_no, r.student_no, r.college, r.major,
	r.class_name, r.grade, r.level, r.gender, COALESCE(r.bound_user_id, 0), r.import_batch, r.exempt_reason,
	CASE WHEN e.id IS NULL THEN 0 ELSE 1 END,
	COALESCE(e.sub_state, '')`

// scanStudent reads studentCols, then any extra columns into extra.
func scanStudent(sc interface{ Scan(...any) error }, extra ...any) (domain.Student, error) {
	var st domain.Student
	var enrolled int
	r := &st.RosterRow
	err := sc.Scan(append([]any{&r.ID, &r.CampaignID, &r.Name, &r.DocType, &r.DocIndex, &r.DocEnc, &r.DocMasked, &r.ExamNo, &r.StudentNo,
		&r.College, &r.Major, &r.ClassName, &r.Grade, &r.Level, &r.Gender, &r.BoundUserID, &r.ImportBatch, &r.ExemptReason, &enrolled, &st.State}, extra...)...)
	st.Enrolled = enrolled == 1
	return st, err
}

// StudentsIn is a page of a campaign's students that a scope sees, in
// roster order, and how many match the filter in all.
func (s *Store) StudentsIn(ctx context.Context, sc domain.Scope, campaignID int64, f domain.StudentFilter) ([]domain.Student, int, error) {
	where, args := scopeWhere(sc)
	cond := []string{"r.campaign_id = ?", where}
	args = append([]any{campaignID}, args...)
	if f.College != "" {
		cond, args = append(cond, "r.college = ?"), append(args, f.College)
	}
	if f.Class != "" {
		cond, args = append(cond, "r.class_name = ?"), append(args, f.Class)
	}
	if f.Query != "" {
		cond, args = append(cond, "(r.name LIKE ? OR r.student_no LIKE ?)"), append(args, likePrefix(f.Query), likePrefix(f.Query))
	}
	if f.Unfinished {
		cond = append(cond, `r.exempt_reason = '' AND NOT EXISTS (SELECT 1 FROM enrolments ue WHERE ue.roster_row_id = r.id AND ue.sub_state = 'approved')`)
	}
	from := ` FROM roster_rows r JOIN campaigns c ON c.id = r.campaign_id WHERE ` + strings.Join(cond, " AND ")
	var total int
	if err := s.row(ctx, nil, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	rows, err := s.rows(ctx, nil, `SELECT `+studentCols+` FROM roster_rows r JOIN campaigns c ON c.id = r.campaign_id
		LEFT JOIN enrolments e ON e.roster_row_id = r.id WHERE `+strings.Join(cond, " AND ")+` AND r.id > ? ORDER BY r.id LIMIT ?`,
		append(args, f.After, f.Limit)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []domain.Student{}
	for rows.Next() {
		st, err := scanStudent(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, st)
	}
	return out, total, rows.Err()
}

// likePrefix is a LIKE pattern matching values that start with q, its
// wildcards taken literally.
func likePrefix(q string) string {
	return strings.NewReplacer(`%`, ``, `_`, ``).Replace(q) + "%"
}

// StudentIn gets one roster row a scope sees, with the school it belongs
// to; outside the scope it is ErrNotFound.
func (s *Store) StudentIn(ctx context.Context, sc domain.Scope, rowID int64) (domain.Student, int64, error) {
	where, args := scopeWhere(sc)
	var school int64
	row := s.row(ctx, nil, `SELECT `+studentCols+`, c.school_id FROM roster_rows r JOIN campaigns c ON c.id = r.campaign_id
		LEFT JOIN enrolments e ON e.roster_row_id = r.id WHERE r.id = ? AND `+where, append([]any{rowID}, args...)...)
	st, err := scanStudent(row, &school)
	return st, school, notFound(err, "student", rowID)
}

// ClassesOf lists the classes on a school's rosters (counsellors are
// assigned to them).
func (s *Store) ClassesOf(ctx context.Context, schoolID int64) ([]domain.Class, error) {
	return s.classes(ctx, `c.school_id = ? AND r.class_name <> ''`, schoolID)
}

// GrantSupportAccess opens a vendor staff member's access to a school's
// personal data until a moment.
func (s *Store) GrantSupportAccess(ctx context.Context, staffID, schoolID int64, reason string, until time.Time) error {
	_, err := s.insert(ctx, nil, `INSERT INTO support_access (staff_id, school_id, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		staffID, schoolID, reason, s.ms(), until.UnixMilli())
	return err
}

// SupportSchools lists the schools a vendor staff member has open access to.
func (s *Store) SupportSchools(ctx context.Context, staffID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT DISTINCT school_id FROM support_access WHERE staff_id = ? AND expires_at > ? ORDER BY school_id`, staffID, s.ms())
}

// StaffIn lists the staff accounts a scope sees: the vendor's every
// account, a school's its own; with each counsellor's classes.
func (s *Store) StaffIn(ctx context.Context, sc domain.Scope) ([]domain.StaffUser, map[int64][]string, error) {
	q, args := `SELECT `+staffCols+` FROM staff_users ORDER BY school_id, role, login`, []any(nil)
	if !sc.Vendor {
		q, args = `SELECT `+staffCols+` FROM staff_users WHERE school_id = ? ORDER BY role, login`, []any{sc.SchoolID}
	}
	rows, err := s.rows(ctx, nil, q, args...)
	if err != nil {
		return nil, nil, err
	}
	var out []domain.StaffUser
	for rows.Next() {
		u, err := scanStaff(rows)
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	classes := map[int64][]string{}
	for _, u := range out {
		if u.Role == domain.RoleCounsellor {
			if classes[u.ID], err = s.StaffClasses(ctx, u.ID); err != nil {
				return nil, nil, err
			}
		}
	}
	return out, classes, nil
}

// SetStaffClasses replaces a counsellor's classes.
func (s *Store) SetStaffClasses(ctx context.Context, staffID int64, classes []string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM staff_classes WHERE staff_id = ?`, staffID); err != nil {
			return err
		}
		for _, k := range classes {
			if _, err := s.exec(ctx, tx, `INSERT INTO staff_classes (staff_id, class_name) VALUES (?, ?)`, staffID, k); err != nil && !isUnique(err) {
				return err
			}
		}
		return nil
	})
}

// SetStaffDisabled disables an account (its sessions end) or enables it.
func (s *Store) SetStaffDisabled(ctx context.Context, staffID int64, disabled bool) error {
	var at any
	if disabled {
		at = s.ms()
	}
	_, err := s.exec(ctx, nil, `UPDATE staff_users SET disabled_at = ? WHERE id = ?`, at, staffID)
	if err == nil && disabled {
		_, err = s.exec(ctx, nil, `DELETE FROM staff_sessions WHERE staff_id = ?`, staffID)
	}
	return err
}

// ClassesIn lists the classes of a campaign's roster that a scope sees.
func (s *Store) ClassesIn(ctx context.Context, sc domain.Scope, campaignID int64) ([]domain.Class, error) {
	where, args := scopeWhere(sc)
	return s.classes(ctx, `r.campaign_id = ? AND `+where, append([]any{campaignID}, args...)...)
}

// classes lists the distinct college, major and class of the roster rows
// (r, of campaigns c) a condition selects.
func (s *Store) classes(ctx context.Context, where string, args ...any) ([]domain.Class, error) {
	rows, err := s.rows(ctx, nil, `SELECT DISTINCT r.college, r.major, r.class_name FROM roster_rows r JOIN campaigns c ON c.id = r.campaign_id
		WHERE `+where+` ORDER BY r.college, r.major, r.class_name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Class{}
	for rows.Next() {
		var k domain.Class
		if err := rows.Scan(&k.College, &k.Major, &k.Name); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// SetExempt marks a roster row exempt with a reason, or clears it ("").
func (s *Store) SetExempt(ctx context.Context, rowID int64, reason string) error {
	_, err := s.exec(ctx, nil, `UPDATE roster_rows SET exempt_reason = ? WHERE id = ?`, reason, rowID)
	return err
}
