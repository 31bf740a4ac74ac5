// Package secret holds Zhipai's keys and the cryptography of personal data
// at rest (requirements PS-4): AES-256-GCM for identity numbers, phone
// numbers and images, and a keyed HMAC "blind index" that lets the
// database find a record by an exact value it cannot read. One master key
// (outside the database) derives a separate key per purpose.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the master key's length in bytes.
const KeySize = 32

// Keys are the per-purpose keys derived from the master key.
type Keys struct {
	field  cipher.AEAD // identity numbers, phones
	blob   cipher.AEAD // photos and document images sealed whole (before streams)
	stream []byte      // the key each blob stream's own key is derived from
	index  []byte      // blind index
}

// ErrDecrypt means a sealed value was altered or sealed with another key.
var ErrDecrypt = errors.New("secret: cannot decrypt (wrong key or damaged data)")

// New derives the keys from a master key.
func New(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("secret: master key is %d bytes, want %d", len(master), KeySize)
	}
	derive := func(purpose string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "zhipai "+purpose, 32)
	}
	k := &Keys{}
	for _, p := range []struct {
		name string
		dst  *cipher.AEAD
	}{{"field encryption v1", &k.field}, {"blob encryption v1", &k.blob}} {
		key, err := derive(p.name)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if *p.dst, err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
	}
	var err error
	if k.index, err = derive("blind index v1"); err != nil {
		return nil, err
	}
	if k.stream, err = derive("blob stream v2"); err != nil {
		return nil, err
	}
	return k, nil
}

// ParseKey reads a master key written as 64 hex digits or base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret: a key must be %d bytes as hex or base64", KeySize)
}

// LoadOrCreateKeyFile reads the master key from path, or, when the file
// does not exist and create is set, generates one and writes it there
// (mode 0600): the embedded default keeps its key beside its data.
func LoadOrCreateKeyFile(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	}
	if !os.IsNotExist(err) || !create {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// seal encrypts with a random nonce, binding the ciphertext to its
// context (aad) so it cannot be moved to another field or record.
func seal(a cipher.AEAD, plain []byte, aad string) []byte {
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return a.Seal(nonce, nonce, plain, []byte(aad))
}

func open(a cipher.AEAD, sealed []byte, aad string) ([]byte, error) {
	if len(sealed) < a.NonceSize()+a.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], []byte(aad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// SealField encrypts a personal-data field; aad names the field (and,
// where useful, its record).
func (k *Keys) SealField(value, aad string) []byte { return seal(k.field, []byte(value), aad) }

// OpenField decrypts a field sealed with the same aad.
func (k *Keys) OpenField(sealed []byte, aad string) (string, error) {
	b, err := open(k.field, sealed, aad)
	return string(b), err
}

// SealBlob encrypts an image whole, as blobs were before streams
// (SealBlobTo); the blob store still opens such blobs.
func (k *Keys) SealBlob(data []byte, aad string) []byte { return seal(k.blob, data, aad) }

// OpenBlob decrypts an image.
func (k *Keys) OpenBlob(sealed []byte, aad string) ([]byte, error) { return open(k.blob, sealed, aad) }

// Index is the blind index of a value of some kind: equal values give equal
// indexes, and without the key the index says nothing about the value.
func (k *Keys) Index(kind, value string) string {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// Token returns a random URL-safe token of n bytes of entropy.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is the SHA-256 of a token, as stored (never the token itself).
func Hash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// MaskPhone shows 138****5678.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}
