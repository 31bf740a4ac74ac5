package staff

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (RFC 9106's second recommendation, memory lowered
// to 64 MiB for a 2-core server that also processes photos): about 60 ms
// a hash here.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// HashPassword hashes with argon2id into a PHC string:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>.
func HashPassword(pw string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword compares a password with a PHC string of HashPassword, in
// constant time, with the parameters the string carries.
func CheckPassword(pw, phc string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

//go:embed data/common-passwords.txt
var commonList []byte

var common = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonList))
	for sc.Scan() {
		m[strings.ToLower(strings.TrimSpace(sc.Text()))] = true
	}
	return m
}()

// MinPasswordLength is the shortest staff password.
const MinPasswordLength = 12

// ErrWeakPassword refuses a password, with the reason in Chinese.
type ErrWeakPassword struct{ Reason string }

func (e *ErrWeakPassword) Error() string { return e.Reason }

// CheckPolicy refuses a password that is short, common, made of one
// repeated character, or contains the login.
func CheckPolicy(pw, login string) error {
	n := utf8.RuneCountInString(pw)
	lower := strings.ToLower(pw)
	switch {
	case n < MinPasswordLength:
		return &ErrWeakPassword{fmt.Sprintf("密码至少 %d 位。", MinPasswordLength)}
	case n > 128:
		return &ErrWeakPassword{"密码最多 128 位。"}
	case common[lower] || common[strings.TrimRight(lower, "0123456789!.")]:
		return &ErrWeakPassword{"这个密码太常见，容易被猜中，请换一个。"}
	case strings.Count(pw, pw[:1]) == len(pw):
		return &ErrWeakPassword{"密码不能由同一个字符组成。"}
	case login != "" && strings.Contains(lower, strings.ToLower(login)):
		return &ErrWeakPassword{"密码不能包含登录名。"}
	}
	return nil
}

// NewPassword is a one-time password for a new account or a reset: 16
// characters without look-alikes.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
