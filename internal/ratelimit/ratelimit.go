// Package ratelimit counts events per key in sliding windows kept by the
// database, so every instance of Zhipai sees the same counts: SMS sends
// per phone, wrong codes, roster matches, uploads.
package ratelimit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
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

	mu      sync.Mutex
	refused map[refusal]time.Time // until when a key is known to be over a rule
}

// A refusal is a key found over the rule of this window.
type refusal struct {
	key    string
	window time.Duration
}

// Refusals are remembered for refusalMemo, up to maxRefusals of them. A
// key over a limit stays over until its oldest events leave the window,
// which a second barely moves, and a take refused by the database costs
// it the key's lock and a count of up to the limit's events: without the
// memo, eight clients hammering an address at its day's 5,000 events
// made 1,078 takes a second, 0.93 ms each, where with it they make about
// 10 (go test -bench HammeringARefusedAddress), and everyone else behind
// the same campus address waited on its lock.
// Each instance keeps its own memo; what it changes is only that a key
// refused stays refused for up to a second longer.
const (
	refusalMemo = time.Second
	maxRefusals = 4096
)

// New builds a limiter on the counter; nil rules are the Defaults.
func New(c Counter, rules map[string][]Rule) *Limiter {
	if rules == nil {
		rules = Defaults()
	}
	return &Limiter{rules: rules, c: c, now: time.Now, refused: map[refusal]time.Time{}}
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
	if i := l.knownOver(counted, rules); i >= 0 {
		return retryHint(rules[i].Window), nil
	}
	over, err := l.c.Take(ctx, counted, since, limits)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: take %s: %w", strings.Join(slices.Compact(names), ", "), err)
	}
	if over >= 0 {
		l.remember(refusal{counted[over], rules[over].Window})
		return retryHint(rules[over].Window), nil
	}
	return 0, nil
}

// knownOver is the first i whose key was refused by rules[i] less than
// refusalMemo ago, or -1.
func (l *Limiter) knownOver(keys []string, rules []Rule) int {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, k := range keys {
		if until, ok := l.refused[refusal{k, rules[i].Window}]; ok && now.Before(until) {
			return i
		}
	}
	return -1
}

// remember keeps a refusal for refusalMemo; when the memo is full it
// first forgets the expired ones, and if it is still full, the new one.
func (l *Limiter) remember(r refusal) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.refused) >= maxRefusals {
		maps.DeleteFunc(l.refused, func(_ refusal, until time.Time) bool { return !now.Before(until) })
		if len(l.refused) >= maxRefusals {
			return
		}
	}
	l.refused[r] = now.Add(refusalMemo)
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
