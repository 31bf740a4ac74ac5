// Package ratelimit counts events per key in sliding windows kept by the
// database, so every instance of Zhipai sees the same counts: SMS sends
// per phone, wrong codes, roster matches, uploads.
package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"zhipai/internal/domain"
)

// Rule allows Max events per Window.
type Rule struct {
	Max    int
	Window time.Duration
}

// Counter keeps the events (the store).
type Counter interface {
	// CountSince counts the key's events since each of the times.
	CountSince(ctx context.Context, key string, since []time.Time) ([]int, error)
	// Hit records one event of the key now.
	Hit(ctx context.Context, key string) error
	// Take records one event of each keys[i] now, or of none: when some
	// keys[i] has had max[i] events since since[i] it records nothing and
	// returns the first such i, else -1 (a key repeats for each of its
	// limits). Concurrent takes of one key see each other (no burst of
	// parallel requests gets past a limit).
	Take(ctx context.Context, keys []string, since []time.Time, max []int) (int, error)
}

// Defaults follow requirements AU-2 (the SMS platforms' own limits per
// phone: 1/min, 5/hour, 10/day) and RO-4 (matching: 5/min, 20/day per
// user). Per-address limits are much looser: a campus's Wi-Fi puts
// hundreds of freshmen behind one or two public addresses on the same
// morning, so they only stop a single machine trying thousands of phones
// or identities.
func Defaults() map[string][]Rule {
	return map[string][]Rule{
		"sms-phone":    {{1, time.Minute}, {5, time.Hour}, {10, 24 * time.Hour}},
		"sms-ip":       {{600, time.Hour}, {5000, 24 * time.Hour}},
		"captcha-ip":   {{120, time.Minute}, {5000, time.Hour}},
		"sms-phone-ip": {{1, time.Minute}, {3, 24 * time.Hour}},
		// Wrong SMS codes per phone and client, with back-off: a minute
		// after 3, about 4 minutes after 5 in a quarter hour, 15 minutes
		// after 10 in a day.
		"verify-guess": {{3, time.Minute}, {5, 15 * time.Minute}, {10, 24 * time.Hour}},
		"verify-ip":    {{1200, time.Hour}},
		"wechat-ip":    {{1200, time.Hour}},
		"match-user":   {{5, time.Minute}, {20, 24 * time.Hour}},
		"match-ip":     {{300, time.Minute}, {5000, 24 * time.Hour}},
		// Photo work per student: a retake every few minutes is normal;
		// hundreds an hour is someone spending the cores.
		"upload-user":  {{20, time.Hour}, {100, 24 * time.Hour}},
		"idimage-user": {{20, time.Hour}, {60, 24 * time.Hour}},
		// Notices by SMS per phone, apart from sign-in codes: a busy day
		// (submitted, rejected, submitted, approved, reminded) fits; a
		// runaway loop does not reach the student's phone.
		"notify-phone": {{5, time.Hour}, {10, 24 * time.Hour}},
		// Messages to customer service per student (new questions and
		// replies): a conversation, not a file store.
		"ticket-user": {{20, time.Hour}, {60, 24 * time.Hour}},
		// Wrong join codes per address: a student types one code, maybe
		// twice; a guesser tries thousands.
		"joincode-miss-ip": {{20, time.Minute}, {200, time.Hour}},
	}
}

// Limiter applies named rules.
type Limiter struct {
	rules map[string][]Rule
	c     Counter
	now   func() time.Time
}

// New builds a limiter on the counter; nil rules are the Defaults.
func New(c Counter, rules map[string][]Rule) *Limiter {
	if rules == nil {
		rules = Defaults()
	}
	return &Limiter{rules: rules, c: c, now: time.Now}
}

// SetClock replaces the clock (tests).
func (l *Limiter) SetClock(now func() time.Time) { l.now = now }

// Exceeded reports, without counting anything, how long to wait before
// the key may have another event of the named rules (0: it may now). With
// Hit, it counts only some events, such as failures: a join code that
// was wrong, not one that was right.
func (l *Limiter) Exceeded(ctx context.Context, name, key string) (wait time.Duration, err error) {
	rules := l.rules[name]
	if len(rules) == 0 {
		return 0, nil
	}
	since := make([]time.Time, len(rules))
	for i, r := range rules {
		since[i] = l.now().Add(-r.Window)
	}
	counts, err := l.c.CountSince(ctx, name+":"+key, since)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: count %s: %w", name, err)
	}
	for i, r := range rules {
		if counts[i] >= r.Max {
			return retryHint(r.Window), nil
		}
	}
	return 0, nil
}

// Hit counts one event of the key.
func (l *Limiter) Hit(ctx context.Context, name, key string) error {
	if err := l.c.Hit(ctx, name+":"+key); err != nil {
		return fmt.Errorf("ratelimit: hit %s: %w", name, err)
	}
	return nil
}

// Key is what one event counts against: the rules of a name, for a key.
type Key struct{ Name, Key string }

// Allow counts an event of the key against the named rules. When a rule
// is exceeded it returns how long to wait before trying again, and the
// event is not counted (a client hammering a closed door does not keep it
// closed for ever). A name without rules allows everything.
func (l *Limiter) Allow(ctx context.Context, name, key string) (wait time.Duration, err error) {
	return l.AllowAll(ctx, Key{name, key})
}

// AllowAll is Allow for one event counted against several keys at once
// (a sign-in code per phone, per address and per both): all of them count
// it, or, when any rule of any is exceeded, none does.
func (l *Limiter) AllowAll(ctx context.Context, keys ...Key) (wait time.Duration, err error) {
	var names, counted []string
	var since []time.Time
	var limits []int
	var rules []Rule
	for _, k := range keys {
		for _, r := range l.rules[k.Name] {
			names = append(names, k.Name)
			counted = append(counted, k.Name+":"+k.Key)
			since, limits = append(since, l.now().Add(-r.Window)), append(limits, r.Max)
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return 0, nil
	}
	over, err := l.c.Take(ctx, counted, since, limits)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: take %s: %w", strings.Join(slices.Compact(names), ", "), err)
	}
	if over >= 0 {
		return retryHint(rules[over].Window), nil
	}
	return 0, nil
}

// retryHint is the Retry-After of a refusal: the window itself for short
// windows, a quarter of it (at most 15 minutes) for long ones.
func retryHint(window time.Duration) time.Duration {
	if window <= time.Minute {
		return window
	}
	return min(window, time.Hour) / 4
}

// Check is Allow for a use case: nil when the event is allowed, the
// refusal (with its Retry-After) when a rule is exceeded, an internal
// error when the count failed.
func (l *Limiter) Check(ctx context.Context, name, key string, refusal *domain.Error) error {
	return l.CheckAll(ctx, refusal, Key{name, key})
}

// CheckAll is Check for AllowAll.
func (l *Limiter) CheckAll(ctx context.Context, refusal *domain.Error, keys ...Key) error {
	wait, err := l.AllowAll(ctx, keys...)
	if err != nil {
		return domain.Internal("%w", err)
	}
	if wait > 0 {
		return refusal.WithRetry(wait)
	}
	return nil
}
