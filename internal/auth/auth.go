// Package auth signs students in (SMS code or WeChat) and finds the
// session of a request; staff accounts come next. It owns the sign-in
// limits of requirements AU-2.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"regexp"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/ratelimit"
	"zhipai/internal/secret"
	"zhipai/internal/sms"
	"zhipai/internal/store"
	"zhipai/internal/wechat"
)

// Config holds sign-in's numbers.
type Config struct {
	SessionTTL      time.Duration // how long a sign-in lasts
	CodeTTL         time.Duration // an SMS code's life (5 minutes)
	CodeMaxAttempts int           // wrong guesses, from every client together, before a code is void
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	// A code takes 10 wrong guesses in all (a one-in-100,000 chance for a
	// guesser), but one client only 5 in 15 minutes ("verify-guess"), so
	// a stranger alone cannot void the owner's code.
	return Config{SessionTTL: 7 * 24 * time.Hour, CodeTTL: 5 * time.Minute, CodeMaxAttempts: 10}
}

// Deps are sign-in's collaborators.
type Deps struct {
	Store   *store.Store
	Keys    *secret.Keys
	Limiter *ratelimit.Limiter
	SMS     sms.Sender     // nil: SMS sign-in unavailable
	WeChat  *wechat.Client // nil: WeChat sign-in unavailable
	Log     *slog.Logger
}

// Service signs students in.
type Service struct {
	cfg Config
	Deps
	now func() time.Time
}

// New builds the service.
func New(cfg Config, d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, Deps: d, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Prune drops what has expired: rate events older than the longest
// window (a day), sign-in codes older than a day, ended sessions.
func (s *Service) Prune(ctx context.Context) error {
	return s.Store.Prune(ctx, s.now().Add(-25*time.Hour), s.now())
}

// SignedIn is a new session: the token goes into a cookie (web) or the
// mini-program's storage; only its hash is stored.
type SignedIn struct {
	Token     string
	CSRF      string
	UserID    int64
	ExpiresAt time.Time
}

var phoneRe = regexp.MustCompile(`^1[3-9]\d{9}$`)

// normalisePhone takes a mainland mobile number as people type it.
func normalisePhone(p string) (string, error) {
	p = normaliseDigits(p)
	if len(p) == 13 && p[:2] == "86" {
		p = p[2:]
	}
	if !phoneRe.MatchString(p) {
		return "", fail(CodePhone, nil)
	}
	return p, nil
}

// normaliseDigits drops spaces, dashes and a leading +, and turns
// full-width digits half-width (phones typed on a Chinese keyboard).
func normaliseDigits(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			out = append(out, r-'０'+'0')
		case r >= '0' && r <= '9':
			out = append(out, r)
		}
	}
	return string(out)
}

// SendCode sends a 6-digit sign-in code by SMS. The agreement box must be
// ticked (it starts unticked) and a CAPTCHA passed first (requirements
// AU-2).
func (s *Service) SendCode(ctx context.Context, phone, ip string, agreed bool, answer CaptchaAnswer) (cooldown time.Duration, err error) {
	if !agreed {
		return 0, fail(CodeAgreement, nil)
	}
	phone, err = normalisePhone(phone)
	if err != nil {
		return 0, err
	}
	if err := s.checkCaptcha(ctx, answer); err != nil {
		return 0, err
	}
	if s.SMS == nil {
		return 0, fail(CodeSMSUnavailable, errors.New("no SMS sender configured"))
	}
	pi := s.Keys.Index(domain.IndexPhone, phone)
	// One client's share of a phone's codes is small, so that a stranger
	// cannot spend the phone's whole daily quota from one place.
	if err := s.Limiter.CheckAll(ctx, fail(CodeSMSTooFrequent, nil),
		ratelimit.Key{Name: "sms-phone-ip", Key: pi + ":" + ip}, ratelimit.Key{Name: "sms-phone", Key: pi}, ratelimit.Key{Name: "sms-ip", Key: ip}); err != nil {
		return 0, err
	}
	code, err := randomCode()
	if err != nil {
		return 0, domain.Internal("sms code: %w", err)
	}
	if err := s.Store.InsertSMSCode(ctx, pi, s.codeHash(pi, code), s.now().Add(s.cfg.CodeTTL)); err != nil {
		return 0, domain.Internal("store sms code: %w", err)
	}
	if err := s.SMS.SendCode(ctx, phone, code); err != nil {
		s.Log.WarnContext(ctx, "sms send failed", "error", err)
		return 0, fail(CodeSMSUnavailable, err)
	}
	return time.Minute, nil
}

func randomCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeHash is keyed: a copy of the database does not give the codes away
// (a 6-digit code is guessed in a million SHA-256 tries).
func (s *Service) codeHash(phoneIndex, code string) string {
	return s.Keys.Index(domain.IndexSMSCode, phoneIndex+":"+code)
}

// SignInSMS checks the code and opens a session. A code is good for 5
// minutes, once, and a few wrong guesses void it.
func (s *Service) SignInSMS(ctx context.Context, phone, code, ip string, agreed bool) (SignedIn, error) {
	if !agreed {
		return SignedIn{}, fail(CodeAgreement, nil)
	}
	phone, err := normalisePhone(phone)
	if err != nil {
		return SignedIn{}, err
	}
	code = normaliseDigits(code)
	if err := s.Limiter.Check(ctx, "verify-ip", ip, fail(CodeTooManyAttempts, nil)); err != nil {
		return SignedIn{}, err
	}
	pi := s.Keys.Index(domain.IndexPhone, phone)
	// Wrong guesses are counted per phone and client, and only against a
	// live code: a stranger guessing at a phone that was sent no code, or
	// from another address, cannot lock its owner out. Past the limit the
	// client waits longer each time (the rules' windows grow).
	guesser := pi + ":" + ip
	if wait, err := s.Limiter.Exceeded(ctx, "verify-guess", guesser); err != nil {
		return SignedIn{}, domain.Internal("%w", err)
	} else if wait > 0 {
		return SignedIn{}, fail(CodeTooManyAttempts, nil).WithRetry(wait)
	}
	sent, err := s.Store.LatestSMSCode(ctx, pi)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return SignedIn{}, fail(CodeCodeExpired, nil)
	case err != nil:
		return SignedIn{}, domain.Internal("sms code: %w", err)
	case sent.Used:
		return SignedIn{}, fail(CodeCodeUsed, nil)
	case !s.now().Before(sent.ExpiresAt):
		return SignedIn{}, fail(CodeCodeExpired, nil)
	case sent.Attempts >= s.cfg.CodeMaxAttempts:
		return SignedIn{}, fail(CodeCodeLocked, nil)
	}
	if len(code) != 6 || !hmac.Equal([]byte(s.codeHash(pi, code)), []byte(sent.CodeHash)) {
		if err := s.Store.CountSMSAttempt(ctx, sent.ID); err != nil {
			return SignedIn{}, domain.Internal("count attempt: %w", err)
		}
		if err := s.Limiter.Hit(ctx, "verify-guess", guesser); err != nil {
			return SignedIn{}, domain.Internal("%w", err)
		}
		return SignedIn{}, fail(CodeCodeWrong, nil)
	}
	in, se := s.newSession(0, domain.ChannelWeb)
	u, err := s.Store.SignInWithCode(ctx, sent.ID, pi, s.Keys.SealField(phone, domain.IndexPhone), se)
	if errors.Is(err, store.ErrConflict) {
		return SignedIn{}, fail(CodeCodeUsed, nil) // a concurrent request won
	} else if err != nil {
		return SignedIn{}, domain.Internal("sign in: %w", err)
	}
	in.UserID = u.ID
	s.Log.InfoContext(ctx, "signed in", "user", u.ID, "channel", domain.ChannelWeb)
	return in, nil
}

// SignInWeChat exchanges a wx.login code for a session. WeChat's
// session_key never leaves the wechat package.
func (s *Service) SignInWeChat(ctx context.Context, code, ip string) (SignedIn, error) {
	if s.WeChat == nil {
		return SignedIn{}, fail(CodeWeChatOff, nil)
	}
	if err := s.Limiter.Check(ctx, "wechat-ip", ip, fail(CodeTooManyAttempts, nil)); err != nil {
		return SignedIn{}, err
	}
	id, err := s.WeChat.Code2Session(ctx, code)
	switch {
	case errors.Is(err, wechat.ErrInvalidCode):
		return SignedIn{}, fail(CodeWeChatCode, err)
	case errors.Is(err, wechat.ErrBlocked):
		return SignedIn{}, fail(CodeWeChatBlocked, err)
	case errors.Is(err, wechat.ErrRateLimited):
		return SignedIn{}, fail(CodeWeChatLimited, err).WithRetry(time.Minute)
	case err != nil:
		s.Log.WarnContext(ctx, "wechat code2session failed", "error", err)
		return SignedIn{}, fail(CodeWeChatBusy, err).WithRetry(5 * time.Second)
	}
	u, err := s.Store.UserByOpenID(ctx, s.Keys.Index(domain.IndexOpenID, id.OpenID), s.Keys.SealField(id.OpenID, domain.IndexOpenID))
	if err != nil {
		return SignedIn{}, domain.Internal("user: %w", err)
	}
	s.Log.InfoContext(ctx, "signed in", "user", u.ID, "channel", domain.ChannelWeChat)
	return s.openSession(ctx, u.ID, domain.ChannelWeChat)
}

func (s *Service) openSession(ctx context.Context, userID int64, channel string) (SignedIn, error) {
	in, se := s.newSession(userID, channel)
	if err := s.Store.CreateSession(ctx, se); err != nil {
		return SignedIn{}, domain.Internal("session: %w", err)
	}
	return in, nil
}

// newSession is a new session's token as the client gets it and as it is
// stored (its hash).
func (s *Service) newSession(userID int64, channel string) (SignedIn, domain.Session) {
	in := SignedIn{Token: secret.Token(32), CSRF: secret.Token(16), UserID: userID, ExpiresAt: s.now().Add(s.cfg.SessionTTL)}
	return in, domain.Session{TokenHash: secret.Hash(in.Token), UserID: userID, CSRF: in.CSRF, Channel: channel, ExpiresAt: in.ExpiresAt}
}

// Authenticate finds the session of a token.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (domain.Caller, error) {
	if token == "" || len(token) > 128 {
		return domain.Caller{}, fail(CodeAuthRequired, nil)
	}
	se, err := s.Store.SessionByToken(ctx, secret.Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return domain.Caller{}, fail(CodeAuthRequired, nil)
	}
	if err != nil {
		return domain.Caller{}, domain.Internal("session: %w", err)
	}
	return domain.Caller{UserID: se.UserID, Channel: se.Channel, CSRF: se.CSRF, IP: ip}, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if err := s.Store.DeleteSession(ctx, secret.Hash(token)); err != nil {
		return domain.Internal("sign out: %w", err)
	}
	return nil
}

// Me describes the signed-in user.
type Me struct {
	UserID      int64  `json:"user_id"`
	PhoneMasked string `json:"phone,omitempty"`
	Channel     string `json:"channel"`
}

// Whoami describes the caller, phone masked.
func (s *Service) Whoami(ctx context.Context, c domain.Caller) (Me, error) {
	u, err := s.Store.User(ctx, c.UserID)
	if err != nil {
		return Me{}, domain.Internal("user: %w", err)
	}
	me := Me{UserID: u.ID, Channel: c.Channel}
	if len(u.PhoneEnc) > 0 {
		if p, err := s.Keys.OpenField(u.PhoneEnc, domain.IndexPhone); err == nil {
			me.PhoneMasked = secret.MaskPhone(p)
		}
	}
	return me, nil
}
