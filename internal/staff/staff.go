// Package staff is the door of schools and the vendor: staff accounts
// with a password (argon2id, a length and common-password policy) and a
// TOTP second factor for everyone, lockout with back-off, sessions apart
// from students' (their own cookie, a shorter life, an idle timeout), sign
// out everywhere, and an audit row for every sign-in and failure.
package staff

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"zhipai/internal/audit"
	"zhipai/internal/domain"
	"zhipai/internal/secret"
	"zhipai/internal/store"
)

// Config holds the numbers of staff sign-in.
type Config struct {
	SessionTTL  time.Duration // a sign-in's longest life (12 h)
	IdleTimeout time.Duration // ended after this long without a request (30 min)
	// LockAfter failures in a row lock the account for LockFor, doubled
	// at each further failure up to LockMax.
	LockAfter        int
	LockFor, LockMax time.Duration
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	return Config{SessionTTL: 12 * time.Hour, IdleTimeout: 30 * time.Minute, LockAfter: 5, LockFor: time.Minute, LockMax: time.Hour}
}

// Service runs staff accounts and sign-in.
type Service struct {
	cfg   Config
	store *store.Store
	keys  *secret.Keys
	audit *audit.Log
	log   *slog.Logger
	now   func() time.Time
}

// New builds the service.
func New(cfg Config, st *store.Store, keys *secret.Keys, log *audit.Log, lg *slog.Logger) *Service {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, store: st, keys: keys, audit: log, log: lg, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// indexTOTP seals the TOTP secrets.
const indexTOTP = "staff-totp"

// Issuer names Zhipai in authenticator apps.
const Issuer = "智拍 Zhipai"

// Where is where a request comes from, for the audit log.
type Where struct{ IP, UA string }

// NewAccount is what creating an account hands over, once: the one-time
// password (to be changed at first sign-in) and the TOTP enrolment.
type NewAccount struct {
	User     domain.StaffUser
	Password string
	// OTPURI is the otpauth:// URI an authenticator app scans; Secret the
	// same key typed by hand.
	OTPURI, Secret string
}

// CreateInput describes an account to create.
type CreateInput struct {
	Login, Name string
	Role        domain.Role
	SchoolID    int64
	College     string
	Classes     []string // a counsellor's classes
	// Password and TOTPSecret, when set, are used instead of new random
	// ones: for the demo seed's published demo accounts only.
	Password, TOTPSecret string
}

// Create makes an account. by is the staff member who creates it (nil for
// the command line's bootstrap of the first platform admin).
func (s *Service) Create(ctx context.Context, by *domain.StaffUser, in CreateInput, where Where) (NewAccount, error) {
	in.Login = normaliseLogin(in.Login)
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case !loginRe(in.Login):
		return NewAccount{}, fail(CodeLogin, nil)
	case in.Name == "" || len([]rune(in.Name)) > 50:
		return NewAccount{}, fail(CodeName, nil)
	case !in.Role.Valid():
		return NewAccount{}, fail(CodeRole, nil)
	case in.Role.Vendor() && in.SchoolID != 0, !in.Role.Vendor() && in.SchoolID == 0:
		return NewAccount{}, fail(CodeRole, errors.New("vendor roles have no school; school roles need one"))
	case in.Role == domain.RoleCollegeAdmin && in.College == "":
		return NewAccount{}, fail(CodeRole, errors.New("a college admin needs a college"))
	}
	if by != nil && !mayCreate(*by, in) {
		return NewAccount{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	opts := totp.GenerateOpts{Issuer: Issuer, AccountName: in.Login, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	if in.TOTPSecret != "" {
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(in.TOTPSecret)
		if err != nil {
			return NewAccount{}, domain.Internal("totp secret: %w", err)
		}
		opts.Secret = raw
	}
	key, err := totp.Generate(opts)
	if err != nil {
		return NewAccount{}, domain.Internal("totp: %w", err)
	}
	pw := NewPassword()
	if in.Password != "" {
		pw = in.Password
	}
	u := domain.StaffUser{Login: in.Login, Name: in.Name, Role: in.Role, SchoolID: in.SchoolID, College: in.College,
		PasswordHash: HashPassword(pw), TOTPSealed: s.keys.SealField(key.Secret(), indexTOTP), MustChangePassword: true}
	id, err := s.store.CreateStaff(ctx, u)
	if errors.Is(err, store.ErrConflict) {
		return NewAccount{}, fail(CodeLoginTaken, nil)
	}
	if err != nil {
		return NewAccount{}, domain.Internal("create staff: %w", err)
	}
	u.ID = id
	for _, c := range in.Classes {
		if err := s.store.AssignClass(ctx, id, c); err != nil {
			return NewAccount{}, domain.Internal("assign class: %w", err)
		}
	}
	if err := s.record(ctx, by, where, u.SchoolID, "staff.create", fmt.Sprintf("staff:%d", id), "", fmt.Sprintf("login=%s role=%s college=%s", u.Login, u.Role, u.College), ""); err != nil {
		return NewAccount{}, err
	}
	return NewAccount{User: u, Password: pw, OTPURI: key.URL(), Secret: key.Secret()}, nil
}

// mayCreate: the platform admin creates anyone; a school admin the staff
// of their school, but not another school admin; nobody else creates.
func mayCreate(by domain.StaffUser, in CreateInput) bool {
	switch by.Role {
	case domain.RolePlatformAdmin:
		return true
	case domain.RoleSchoolAdmin:
		return in.SchoolID == by.SchoolID && !in.Role.Vendor() && in.Role != domain.RoleSchoolAdmin
	}
	return false
}

func loginRe(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// record writes an audit row; by nil is the command line.
func (s *Service) record(ctx context.Context, by *domain.StaffUser, where Where, tenant int64, action, target, before, after, reason string) error {
	e := domain.AuditEntry{TenantID: tenant, IP: where.IP, UA: where.UA, Action: action, Target: target, Before: before, After: after, Reason: reason}
	if by != nil {
		e.ActorID, e.ActorRole = by.ID, string(by.Role)
	} else {
		e.ActorRole = "cli"
	}
	if _, err := s.audit.Record(ctx, e); err != nil {
		return domain.Internal("audit: %w", err)
	}
	return nil
}

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func normaliseLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Campaigns lists the campaigns the staff member's scope sees.
func (s *Service) Campaigns(ctx context.Context, who Staff) ([]domain.Campaign, error) {
	list, err := s.store.CampaignsIn(ctx, who.Scope)
	if err != nil {
		return nil, domain.Internal("campaigns: %w", err)
	}
	return list, nil
}
