package store

import (
	"context"
	"database/sql"

	"zhipai/internal/domain"
)

const staffCols = `id, login, name, role, school_id, college, password_hash, totp_sealed, must_change_password, failures, locked_until, created_at, disabled_at`

func scanStaff(sc interface{ Scan(...any) error }) (domain.StaffUser, error) {
	var u domain.StaffUser
	var school, disabled sql.NullInt64
	var must int
	var locked, created int64
	err := sc.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &school, &u.College, &u.PasswordHash, &u.TOTPSealed, &must, &u.Failures, &locked, &created, &disabled)
	u.SchoolID, u.MustChangePassword = school.Int64, must != 0
	if locked > 0 {
		u.LockedUntil = msTime(locked)
	}
	u.CreatedAt, u.DisabledAt = msTime(created), nullMs(disabled)
	return u, err
}

// CreateStaff adds a staff account; a login already taken is ErrConflict.
func (s *Store) CreateStaff(ctx context.Context, u domain.StaffUser) (int64, error) {
	var school any
	if u.SchoolID != 0 {
		school = u.SchoolID
	}
	return s.insert(ctx, nil, `INSERT INTO staff_users (login, name, role, school_id, college, password_hash, totp_sealed, must_change_password, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.Login, u.Name, u.Role, school, u.College, u.PasswordHash, u.TOTPSealed, boolInt(u.MustChangePassword), s.ms())
}

// StaffByLogin finds an account by its login.
func (s *Store) StaffByLogin(ctx context.Context, login string) (domain.StaffUser, error) {
	u, err := scanStaff(s.row(ctx, nil, `SELECT `+staffCols+` FROM staff_users WHERE login = ?`, login))
	return u, notFound(err, "staff", login)
}

// Staff gets an account.
func (s *Store) Staff(ctx context.Context, id int64) (domain.StaffUser, error) {
	u, err := scanStaff(s.row(ctx, nil, `SELECT `+staffCols+` FROM staff_users WHERE id = ?`, id))
	return u, notFound(err, "staff", id)
}

// StaffFailed counts a failed sign-in and sets the lock (0: none).
func (s *Store) StaffFailed(ctx context.Context, id int64, failures int, lockedUntilMs int64) error {
	_, err := s.exec(ctx, nil, `UPDATE staff_users SET failures = ?, locked_until = ? WHERE id = ?`, failures, lockedUntilMs, id)
	return err
}

// StaffSignedIn clears the failure count.
func (s *Store) StaffSignedIn(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, nil, `UPDATE staff_users SET failures = 0, locked_until = 0 WHERE id = ?`, id)
	return err
}

// SetStaffPassword replaces the password hash (and whether it must change).
func (s *Store) SetStaffPassword(ctx context.Context, id int64, hash string, mustChange bool) error {
	_, err := s.exec(ctx, nil, `UPDATE staff_users SET password_hash = ?, must_change_password = ? WHERE id = ?`, hash, boolInt(mustChange), id)
	return err
}

// StaffClasses lists a counsellor's classes.
func (s *Store) StaffClasses(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.rows(ctx, nil, `SELECT class_name FROM staff_classes WHERE staff_id = ? ORDER BY class_name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AssignClass gives a counsellor a class.
func (s *Store) AssignClass(ctx context.Context, id int64, class string) error {
	_, err := s.exec(ctx, nil, `INSERT INTO staff_classes (staff_id, class_name) VALUES (?, ?)`, id, class)
	if isUnique(err) {
		return nil
	}
	return err
}

// CreateStaffSession stores a staff sign-in.
func (s *Store) CreateStaffSession(ctx context.Context, se domain.StaffSession) error {
	_, err := s.exec(ctx, nil, `INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		se.TokenHash, se.StaffID, se.CSRF, s.ms(), s.ms(), se.ExpiresAt.UnixMilli())
	return err
}

// StaffSession finds a staff sign-in by its token's hash.
func (s *Store) StaffSession(ctx context.Context, tokenHash string) (domain.StaffSession, error) {
	var se domain.StaffSession
	var created, seen, exp int64
	err := s.row(ctx, nil, `SELECT token_hash, staff_id, csrf, created_at, last_seen, expires_at FROM staff_sessions WHERE token_hash = ?`, tokenHash).
		Scan(&se.TokenHash, &se.StaffID, &se.CSRF, &created, &seen, &exp)
	se.CreatedAt, se.LastSeen, se.ExpiresAt = msTime(created), msTime(seen), msTime(exp)
	return se, notFound(err, "staff session", "")
}

// TouchStaffSession records activity on a staff sign-in.
func (s *Store) TouchStaffSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, nil, `UPDATE staff_sessions SET last_seen = ? WHERE token_hash = ?`, s.ms(), tokenHash)
	return err
}

// DeleteStaffSession ends one staff sign-in.
func (s *Store) DeleteStaffSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, nil, `DELETE FROM staff_sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteStaffSessions ends every sign-in of an account (sign out everywhere).
func (s *Store) DeleteStaffSessions(ctx context.Context, staffID int64) (int64, error) {
	r, err := s.exec(ctx, nil, `DELETE FROM staff_sessions WHERE staff_id = ?`, staffID)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}
