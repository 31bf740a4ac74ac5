package store

import (
	"context"
	"database/sql"

	"zhipai/internal/domain"
)

// UserByPhone finds or creates the user with a phone index.
func (s *Store) UserByPhone(ctx context.Context, phoneIndex string, phoneEnc []byte) (domain.User, error) {
	return s.userByPhone(ctx, nil, phoneIndex, phoneEnc)
}

func (s *Store) userByPhone(ctx context.Context, tx *Tx, phoneIndex string, phoneEnc []byte) (domain.User, error) {
	return s.userBy(ctx, tx, "phone_index", phoneIndex, func() (domain.User, error) {
		id, err := s.insert(ctx, tx, `INSERT INTO users (phone_index, phone_enc, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, phoneIndex, phoneEnc, s.ms())
		return domain.User{ID: id, PhoneIndex: phoneIndex, PhoneEnc: phoneEnc}, err
	})
}

// SignInWithCode spends a sign-in code and opens a session for the
// phone's user, made at its first sign-in, in one transaction: the three
// writes of a sign-in took the single SQLite writer three times, and the
// slowest call of the first-day rush was this one. ErrConflict: the code
// was spent by a concurrent request, and nothing is written.
func (s *Store) SignInWithCode(ctx context.Context, codeID int64, phoneIndex string, phoneEnc []byte, se domain.Session) (domain.User, error) {
	var u domain.User
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := s.useSMSCode(ctx, tx, codeID); err != nil {
			return err
		}
		var err error
		if u, err = s.userByPhone(ctx, tx, phoneIndex, phoneEnc); err != nil {
			return err
		}
		se.UserID = u.ID
		return s.createSession(ctx, tx, se)
	})
	return u, err
}

// UserByOpenID finds or creates the user with a WeChat openid index,
// keeping the sealed openid (subscribe messages go to it; accounts from
// before it was kept get it at their next sign-in).
func (s *Store) UserByOpenID(ctx context.Context, openidIndex string, openidEnc []byte) (domain.User, error) {
	u, err := s.userBy(ctx, nil, "openid_index", openidIndex, func() (domain.User, error) {
		id, err := s.insert(ctx, nil, `INSERT INTO users (openid_index, openid_enc, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, openidIndex, openidEnc, s.ms())
		return domain.User{ID: id, OpenIDIndex: openidIndex}, err
	})
	if err == nil && len(openidEnc) > 0 {
		_, err = s.exec(ctx, nil, `UPDATE users SET openid_enc = ? WHERE id = ? AND openid_enc IS NULL`, openidEnc, u.ID)
	}
	return u, err
}

// User gets a user.
func (s *Store) User(ctx context.Context, id int64) (domain.User, error) {
	var u domain.User
	var phone, openid sql.NullString
	err := s.row(ctx, nil, `SELECT id, phone_index, phone_enc, openid_index FROM users WHERE id = ?`, id).Scan(&u.ID, &phone, &u.PhoneEnc, &openid)
	u.PhoneIndex, u.OpenIDIndex = phone.String, openid.String
	return u, notFound(err, "user", id)
}

// userBy finds the user whose col is value, or makes it with create, an
// INSERT ... ON CONFLICT DO NOTHING that returns the user it made, as a
// read would give it back (a first sign-in does not read it again): when
// another request made the user first, create returns no row (not a
// unique violation, which would end a PostgreSQL transaction) and the
// user is read again.
func (s *Store) userBy(ctx context.Context, tx *Tx, col, value string, create func() (domain.User, error)) (domain.User, error) {
	for attempt := 0; attempt < 2; attempt++ {
		var u domain.User
		var phone, openid sql.NullString
		err := s.row(ctx, tx, `SELECT id, phone_index, phone_enc, openid_index FROM users WHERE `+col+` = ?`, value).
			Scan(&u.ID, &phone, &u.PhoneEnc, &openid)
		if err == nil {
			u.PhoneIndex, u.OpenIDIndex = phone.String, openid.String
			return u, nil
		}
		if err != sql.ErrNoRows {
			return u, err
		}
		made, err := create()
		if err == nil {
			return made, nil
		}
		if err != sql.ErrNoRows {
			return u, err
		}
	}
	return domain.User{}, ErrConflict
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, se domain.Session) error {
	return s.createSession(ctx, nil, se)
}

func (s *Store) createSession(ctx context.Context, tx *Tx, se domain.Session) error {
	_, err := s.exec(ctx, tx, `INSERT INTO sessions (token_hash, user_id, csrf, channel, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		se.TokenHash, se.UserID, se.CSRF, se.Channel, s.ms(), se.ExpiresAt.UnixMilli())
	return err
}

// SessionByToken finds a live session.
// Every request reads it, so it is cached (CacheTTL); an unknown token
// is not, so guessing costs a query each.
func (s *Store) SessionByToken(ctx context.Context, tokenHash string) (domain.Session, error) {
	if se, ok := s.sessionCache.get(tokenHash); ok && se.ExpiresAt.After(s.now()) {
		return se, nil
	}
	var se domain.Session
	var exp int64
	err := s.row(ctx, nil, `SELECT token_hash, user_id, csrf, channel, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, s.ms()).
		Scan(&se.TokenHash, &se.UserID, &se.CSRF, &se.Channel, &exp)
	se.ExpiresAt = msTime(exp)
	if err == nil {
		s.sessionCache.put(tokenHash, se)
	}
	return se, notFound(err, "session", "")
}

// DeleteSession signs a device out.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	s.sessionCache.drop(tokenHash)
	_, err := s.exec(ctx, nil, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	s.sessionCache.drop(tokenHash) // and any read that raced the delete
	return err
}
