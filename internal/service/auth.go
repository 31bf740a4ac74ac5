package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/secret"
	"zhipai/internal/store"
	"zhipai/internal/wechat"
)

// Session channels.
const (
	ChannelWeb    = "web"
	ChannelWeChat = "wechat"
)

// SignedIn is a new session: the token goes into a cookie (web) or the
// mini-program's storage; only its hash is stored.
type SignedIn struct {
	Token     string
	CSRF      string
	UserID    int64
	ExpiresAt time.Time
}

// Caller is an authenticated request's user.
type Caller struct {
	UserID  int64
	Channel string
	CSRF    string
	IP      string
}

var phoneRe = regexp.MustCompile(`^1[3-9]\d{9}$`)

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
// ticked (it starts unticked, requirements AU-2).
func (s *Service) SendCode(ctx context.Context, phone, ip string, agreed bool) (cooldown time.Duration, err error) {
	if !agreed {
		return 0, fail(CodeAgreement, nil)
	}
	phone, err = normalisePhone(phone)
	if err != nil {
		return 0, err
	}
	if s.SMS == nil {
		return 0, fail(CodeSMSUnavailable, errors.New("no SMS sender configured"))
	}
	pi := s.Keys.Index(indexPhone, phone)
	if err := s.limit(ctx, "sms-phone", pi, CodeSMSTooFrequent); err != nil {
		return 0, err
	}
	if err := s.limit(ctx, "sms-ip", ip, CodeSMSTooFrequent); err != nil {
		return 0, err
	}
	code, err := randomCode()
	if err != nil {
		return 0, internal("sms code: %w", err)
	}
	if err := s.Store.InsertSMSCode(ctx, pi, s.codeHash(pi, code), s.now().Add(s.cfg.CodeTTL)); err != nil {
		return 0, internal("store sms code: %w", err)
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
	return s.Keys.Index(indexSMS, phoneIndex+":"+code)
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
	if err := s.limit(ctx, "verify-ip", ip, CodeTooManyAttempts); err != nil {
		return SignedIn{}, err
	}
	pi := s.Keys.Index(indexPhone, phone)
	if err := s.limit(ctx, "verify-phone", pi, CodeTooManyAttempts); err != nil {
		return SignedIn{}, err
	}
	sent, err := s.Store.LatestSMSCode(ctx, pi)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return SignedIn{}, fail(CodeCodeExpired, nil)
	case err != nil:
		return SignedIn{}, internal("sms code: %w", err)
	case sent.Used:
		return SignedIn{}, fail(CodeCodeUsed, nil)
	case !s.now().Before(sent.ExpiresAt):
		return SignedIn{}, fail(CodeCodeExpired, nil)
	case sent.Attempts >= s.cfg.CodeMaxAttempts:
		return SignedIn{}, fail(CodeCodeLocked, nil)
	}
	if len(code) != 6 || !hmac.Equal([]byte(s.codeHash(pi, code)), []byte(sent.CodeHash)) {
		if err := s.Store.CountSMSAttempt(ctx, sent.ID); err != nil {
			return SignedIn{}, internal("count attempt: %w", err)
		}
		return SignedIn{}, fail(CodeCodeWrong, nil)
	}
	if err := s.Store.UseSMSCode(ctx, sent.ID); errors.Is(err, store.ErrConflict) {
		return SignedIn{}, fail(CodeCodeUsed, nil) // a concurrent request won
	} else if err != nil {
		return SignedIn{}, internal("use code: %w", err)
	}
	u, err := s.Store.UserByPhone(ctx, pi, s.Keys.SealField(phone, indexPhone))
	if err != nil {
		return SignedIn{}, internal("user: %w", err)
	}
	s.Log.InfoContext(ctx, "signed in", "user", u.ID, "channel", ChannelWeb)
	return s.openSession(ctx, u.ID, ChannelWeb)
}

// SignInWeChat exchanges a wx.login code for a session. WeChat's
// session_key never leaves the wechat package.
func (s *Service) SignInWeChat(ctx context.Context, code, ip string) (SignedIn, error) {
	if s.WeChat == nil {
		return SignedIn{}, fail(CodeWeChatOff, nil)
	}
	if err := s.limit(ctx, "wechat-ip", ip, CodeTooManyAttempts); err != nil {
		return SignedIn{}, err
	}
	id, err := s.WeChat.Code2Session(ctx, code)
	switch {
	case errors.Is(err, wechat.ErrInvalidCode):
		return SignedIn{}, fail(CodeWeChatCode, err)
	case errors.Is(err, wechat.ErrBlocked):
		return SignedIn{}, fail(CodeWeChatBlocked, err)
	case errors.Is(err, wechat.ErrRateLimited):
		return SignedIn{}, retryAfter(fail(CodeWeChatLimited, err), time.Minute)
	case err != nil:
		s.Log.WarnContext(ctx, "wechat code2session failed", "error", err)
		return SignedIn{}, retryAfter(fail(CodeWeChatBusy, err), 5*time.Second)
	}
	u, err := s.Store.UserByOpenID(ctx, s.Keys.Index(indexOpenID, id.OpenID))
	if err != nil {
		return SignedIn{}, internal("user: %w", err)
	}
	s.Log.InfoContext(ctx, "signed in", "user", u.ID, "channel", ChannelWeChat)
	return s.openSession(ctx, u.ID, ChannelWeChat)
}

func (s *Service) openSession(ctx context.Context, userID int64, channel string) (SignedIn, error) {
	in := SignedIn{Token: secret.Token(32), CSRF: secret.Token(16), UserID: userID, ExpiresAt: s.now().Add(s.cfg.SessionTTL)}
	err := s.Store.CreateSession(ctx, domain.Session{TokenHash: secret.Hash(in.Token), UserID: userID, CSRF: in.CSRF, Channel: channel, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return SignedIn{}, internal("session: %w", err)
	}
	return in, nil
}

// Authenticate finds the session of a token.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (Caller, error) {
	if token == "" || len(token) > 128 {
		return Caller{}, fail(CodeAuthRequired, nil)
	}
	se, err := s.Store.SessionByToken(ctx, secret.Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, fail(CodeAuthRequired, nil)
	}
	if err != nil {
		return Caller{}, internal("session: %w", err)
	}
	return Caller{UserID: se.UserID, Channel: se.Channel, CSRF: se.CSRF, IP: ip}, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if err := s.Store.DeleteSession(ctx, secret.Hash(token)); err != nil {
		return internal("sign out: %w", err)
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
func (s *Service) Whoami(ctx context.Context, c Caller) (Me, error) {
	u, err := s.Store.User(ctx, c.UserID)
	if err != nil {
		return Me{}, internal("user: %w", err)
	}
	me := Me{UserID: u.ID, Channel: c.Channel}
	if len(u.PhoneEnc) > 0 {
		if p, err := s.Keys.OpenField(u.PhoneEnc, indexPhone); err == nil {
			me.PhoneMasked = secret.MaskPhone(p)
		}
	}
	return me, nil
}
