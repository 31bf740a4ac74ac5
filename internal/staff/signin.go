package staff

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"

	"zhipai/internal/domain"
	"zhipai/internal/secret"
	"zhipai/internal/store"
)

// SignedIn is a new staff session: the token goes into the staff cookie.
type SignedIn struct {
	Token, CSRF        string
	User               domain.StaffUser
	MustChangePassword bool
	ExpiresAt          time.Time
}

// SignIn checks login, password and the TOTP code (all three, always, and
// one answer for any of them wrong), with lockout: after LockAfter
// failures in a row the account is locked, and each further failure
// doubles the lock. Every attempt is audited.
func (s *Service) SignIn(ctx context.Context, login, password, code string, where Where) (SignedIn, error) {
	u, err := s.store.StaffByLogin(ctx, normaliseLogin(login))
	if errors.Is(err, store.ErrNotFound) {
		CheckPassword(password, dummyHash()) // the same time as a real account
		s.record(ctx, nil, where, 0, "staff.signin_failed", "login:"+truncate(login, 32), "", "", "no such account")
		return SignedIn{}, fail(CodeSignIn, nil)
	}
	if err != nil {
		return SignedIn{}, domain.Internal("staff: %w", err)
	}
	now := s.now()
	if !u.DisabledAt.IsZero() {
		s.record(ctx, &u, where, u.SchoolID, "staff.signin_failed", staffTarget(u), "", "", "disabled")
		return SignedIn{}, fail(CodeSignIn, nil)
	}
	if now.Before(u.LockedUntil) {
		s.record(ctx, &u, where, u.SchoolID, "staff.signin_failed", staffTarget(u), "", "", "locked")
		return SignedIn{}, fail(CodeLocked, nil).WithRetry(u.LockedUntil.Sub(now))
	}
	pwOK := CheckPassword(password, u.PasswordHash)
	codeOK := s.checkTOTP(u, code, now)
	if !pwOK || !codeOK {
		failures := u.Failures + 1
		var until int64
		if failures >= s.cfg.LockAfter {
			lock := s.cfg.LockFor << min(failures-s.cfg.LockAfter, 20)
			until = now.Add(min(lock, s.cfg.LockMax)).UnixMilli()
		}
		if err := s.store.StaffFailed(ctx, u.ID, failures, until); err != nil {
			return SignedIn{}, domain.Internal("staff: %w", err)
		}
		why := "wrong password"
		if pwOK {
			why = "wrong TOTP code"
		}
		s.record(ctx, &u, where, u.SchoolID, "staff.signin_failed", staffTarget(u), "", "", why)
		return SignedIn{}, fail(CodeSignIn, nil)
	}
	if err := s.store.StaffSignedIn(ctx, u.ID); err != nil {
		return SignedIn{}, domain.Internal("staff: %w", err)
	}
	// Only now, so that the answer says nothing about an account to
	// someone who does not hold its password and key.
	if err := s.allowedFrom(ctx, u, where.IP); err != nil {
		s.record(ctx, &u, where, u.SchoolID, "staff.signin_failed", staffTarget(u), "", "", "address not on the school's allow-list")
		return SignedIn{}, err
	}
	in := SignedIn{Token: secret.Token(32), CSRF: secret.Token(16), User: u, MustChangePassword: u.MustChangePassword, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateStaffSession(ctx, domain.StaffSession{TokenHash: secret.Hash(in.Token), StaffID: u.ID, CSRF: in.CSRF, ExpiresAt: in.ExpiresAt}); err != nil {
		return SignedIn{}, domain.Internal("staff session: %w", err)
	}
	if err := s.record(ctx, &u, where, u.SchoolID, "staff.signin", staffTarget(u), "", "", ""); err != nil {
		return SignedIn{}, err
	}
	return in, nil
}

// dummyHash is checked for a login that does not exist; made at the first
// such sign-in, not at every start of every command (it costs an argon2id
// hash).
var dummyHash = sync.OnceValue(func() string { return HashPassword("no such account, but the same work") })

func (s *Service) checkTOTP(u domain.StaffUser, code string, now time.Time) bool {
	key, err := s.keys.OpenField(u.TOTPSealed, indexTOTP)
	if err != nil || len(code) != 6 {
		return false
	}
	ok, err := totp.ValidateCustom(code, key, now, totpOpts)
	return err == nil && ok
}

// Staff is a signed-in staff member: the account, the session and the
// scope every query it makes is filtered by.
type Staff struct {
	User    domain.StaffUser
	Session domain.StaffSession
	Scope   domain.Scope
}

// Authenticate finds the staff member of a session token; a session idle
// for longer than the idle timeout, or past its life, has ended.
// A school's staff are refused from an address off the school's allow-list.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (Staff, error) {
	if token == "" || len(token) > 128 {
		return Staff{}, fail(CodeAuthRequired, nil)
	}
	h := secret.Hash(token)
	se, err := s.store.StaffSession(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return Staff{}, fail(CodeAuthRequired, nil)
	}
	if err != nil {
		return Staff{}, domain.Internal("staff session: %w", err)
	}
	now := s.now()
	if !now.Before(se.ExpiresAt) || now.Sub(se.LastSeen) > s.cfg.IdleTimeout {
		s.store.DeleteStaffSession(ctx, h)
		return Staff{}, fail(CodeAuthRequired, nil)
	}
	u, err := s.store.Staff(ctx, se.StaffID)
	if err != nil {
		return Staff{}, domain.Internal("staff: %w", err)
	}
	if !u.DisabledAt.IsZero() {
		return Staff{}, fail(CodeAuthRequired, nil)
	}
	if err := s.allowedFrom(ctx, u, ip); err != nil {
		return Staff{}, err
	}
	if now.Sub(se.LastSeen) > time.Minute { // write at most once a minute
		if err := s.store.TouchStaffSession(ctx, h); err != nil {
			return Staff{}, domain.Internal("staff session: %w", err)
		}
	}
	scope, err := s.scopeOf(ctx, u)
	if err != nil {
		return Staff{}, err
	}
	return Staff{User: u, Session: se, Scope: scope}, nil
}

// scopeOf is what an account may see.
func (s *Service) scopeOf(ctx context.Context, u domain.StaffUser) (domain.Scope, error) {
	switch {
	case u.Role.Vendor():
		open, err := s.store.SupportSchools(ctx, u.ID)
		if err != nil {
			return domain.Scope{}, domain.Internal("support access: %w", err)
		}
		return domain.Scope{Vendor: true, SupportSchools: open}, nil
	case u.Role == domain.RoleCollegeAdmin:
		return domain.Scope{SchoolID: u.SchoolID, College: u.College}, nil
	case u.Role == domain.RoleCounsellor:
		classes, err := s.store.StaffClasses(ctx, u.ID)
		if err != nil {
			return domain.Scope{}, domain.Internal("classes: %w", err)
		}
		if classes == nil {
			classes = []string{} // no class yet: sees none, never all
		}
		return domain.Scope{SchoolID: u.SchoolID, Classes: classes}, nil
	}
	return domain.Scope{SchoolID: u.SchoolID}, nil
}

// ChangePassword replaces the password (the first sign-in must), after
// checking the old one and the policy.
func (s *Service) ChangePassword(ctx context.Context, who Staff, old, next string, where Where) error {
	u, err := s.store.Staff(ctx, who.User.ID)
	if err != nil {
		return domain.Internal("staff: %w", err)
	}
	if !CheckPassword(old, u.PasswordHash) {
		s.record(ctx, &u, where, u.SchoolID, "staff.password_change_failed", staffTarget(u), "", "", "wrong old password")
		return fail(CodeWrongPassword, nil)
	}
	if err := CheckPolicy(next, u.Login); err != nil {
		var weak *ErrWeakPassword
		if errors.As(err, &weak) {
			return Errors.FailMsg(CodeWeakPassword, weak.Reason)
		}
		return err
	}
	if next == old {
		return Errors.FailMsg(CodeWeakPassword, "新密码不能与原密码相同。")
	}
	if err := s.store.SetStaffPassword(ctx, u.ID, HashPassword(next), false); err != nil {
		return domain.Internal("staff: %w", err)
	}
	return s.record(ctx, &u, where, u.SchoolID, "staff.password_change", staffTarget(u), "", "", "")
}

// SignOut ends this session; SignOutEverywhere every session of the
// account.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if err := s.store.DeleteStaffSession(ctx, secret.Hash(token)); err != nil {
		return domain.Internal("staff: %w", err)
	}
	return nil
}

// SignOutEverywhere ends every session of the caller's account.
func (s *Service) SignOutEverywhere(ctx context.Context, who Staff, where Where) (int64, error) {
	n, err := s.store.DeleteStaffSessions(ctx, who.User.ID)
	if err != nil {
		return 0, domain.Internal("staff: %w", err)
	}
	return n, s.record(ctx, &who.User, where, who.User.SchoolID, "staff.signout_everywhere", staffTarget(who.User), "", "", "")
}

func staffTarget(u domain.StaffUser) string { return "staff:" + itoa(u.ID) }

// ByID is a staff account as a signed-in Staff with its current scope
// (for work done on its behalf later, such as an export job).
func (s *Service) ByID(ctx context.Context, id int64) (Staff, error) {
	u, err := s.store.Staff(ctx, id)
	if err != nil {
		return Staff{}, domain.Internal("staff: %w", err)
	}
	if !u.DisabledAt.IsZero() {
		return Staff{}, fail(CodeAuthRequired, nil)
	}
	scope, err := s.scopeOf(ctx, u)
	if err != nil {
		return Staff{}, err
	}
	return Staff{User: u, Scope: scope}, nil
}
