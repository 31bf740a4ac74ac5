package auth

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"zhipai/internal/captcha"
	"zhipai/internal/domain"
	"zhipai/internal/secret"
	"zhipai/internal/store"
)

// captchaTTL is how long a challenge may be answered.
const captchaTTL = 5 * time.Minute

// CaptchaView is a challenge as the sign-in page shows it: the image, and
// the same question in words for a screen reader.
type CaptchaView struct {
	ID        string    `json:"id"`
	Image     string    `json:"image"` // data:image/png;base64,...
	Question  string    `json:"question"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CaptchaAnswer is what the student gives back.
type CaptchaAnswer struct {
	ID     string `json:"captcha_id"`
	Answer string `json:"captcha_answer"`
}

// NewCaptcha makes a challenge; only its id and the keyed hash of its
// answer are kept.
func (s *Service) NewCaptcha(ctx context.Context, ip string) (CaptchaView, error) {
	if err := s.Limiter.Check(ctx, "captcha-ip", ip, fail(CodeTooManyAttempts, nil)); err != nil {
		return CaptchaView{}, err
	}
	c := captcha.New(rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	id := secret.Token(16)
	exp := s.now().Add(captchaTTL)
	if err := s.Store.InsertCaptcha(ctx, id, s.captchaHash(id, c.Answer), exp); err != nil {
		return CaptchaView{}, domain.Internal("captcha: %w", err)
	}
	return CaptchaView{ID: id, Image: "data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG), Question: c.Question, ExpiresAt: exp}, nil
}

func (s *Service) captchaHash(id, answer string) string {
	return s.Keys.Index(domain.IndexCaptcha, id+":"+answer)
}

// checkCaptcha spends the challenge: one try, right or wrong.
func (s *Service) checkCaptcha(ctx context.Context, a CaptchaAnswer) error {
	if a.ID == "" || len(a.ID) > 64 {
		return fail(CodeCaptchaRequired, nil)
	}
	want, err := s.Store.UseCaptcha(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return fail(CodeCaptchaExpired, nil)
	}
	if err != nil {
		return domain.Internal("captcha: %w", err)
	}
	answer := normaliseDigits(strings.TrimSpace(a.Answer))
	if !hmac.Equal([]byte(s.captchaHash(a.ID, answer)), []byte(want)) {
		return fail(CodeCaptchaWrong, nil)
	}
	return nil
}
