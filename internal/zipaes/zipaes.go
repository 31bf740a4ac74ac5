// Package zipaes writes ZIP entries encrypted with WinZip AES-256 (AE-2),
// the encryption 7-Zip, WinRAR, WinZip, Bandizip and macOS's Archive
// Utility open with a password (requirements EX-7). The standard library
// writes the archive; this package encrypts each entry and hands it over
// raw. An entry is stored (photos are JPEG already) and, in AE-2, carries
// no CRC: the HMAC-SHA1 authentication code checks it instead.
package zipaes

import (
	"archive/zip"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"

	"time"
)

// MethodAES is the compression method of an encrypted entry; the real
// method (store) is in its AES extra field.
const MethodAES = 99

const (
	saltLen   = 16 // AES-256
	keyLen    = 32
	macLen    = 10
	iteration = 1000 // fixed by the WinZip AES specification
)

// Writer adds encrypted entries to a ZIP.
type Writer struct {
	zw       *zip.Writer
	password []byte
}

// NewWriter encrypts the entries it adds to zw with password.
func NewWriter(zw *zip.Writer, password string) (*Writer, error) {
	if password == "" {
		return nil, errors.New("zipaes: empty password")
	}
	return &Writer{zw: zw, password: []byte(password)}, nil
}

// Add writes one encrypted entry with the whole of data (entries are
// photos and small files: each is held once, never the archive).
func (w *Writer) Add(name string, modified time.Time, data []byte) error {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("zipaes: salt: %w", err)
	}
	keys, err := pbkdf2.Key(sha1.New, string(w.password), salt, iteration, 2*keyLen+2)
	if err != nil {
		return fmt.Errorf("zipaes: key: %w", err)
	}
	encKey, macKey, verifier := keys[:keyLen], keys[keyLen:2*keyLen], keys[2*keyLen:]
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return fmt.Errorf("zipaes: %w", err)
	}
	sealed := make([]byte, len(data))
	ctr(block, sealed, data)
	mac := hmac.New(sha1.New, macKey)
	mac.Write(sealed)
	// The AES extra field: id 0x9901, size 7, vendor version 2 (AE-2),
	// "AE", strength 3 (256-bit), the real method 0 (stored).
	extra := []byte{0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 0, 0}
	size := uint64(saltLen + 2 + len(sealed) + macLen)
	fh := &zip.FileHeader{Name: name, Method: MethodAES, Modified: modified, Extra: extra,
		CompressedSize64: size, UncompressedSize64: uint64(len(data))}
	fh.Flags |= 0x1 // encrypted
	ew, err := w.zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("zipaes: %w", err)
	}
	for _, part := range [][]byte{salt, verifier, sealed, mac.Sum(nil)[:macLen]} {
		if _, err := ew.Write(part); err != nil {
			return fmt.Errorf("zipaes: write: %w", err)
		}
	}
	return nil
}

// ctr is WinZip's AES-CTR: a 16-byte little-endian block counter starting
// at 1 (not the big-endian counter of crypto/cipher's CTR mode).
func ctr(block cipher.Block, dst, src []byte) {
	var counter, stream [aes.BlockSize]byte
	for i := 0; i < len(src); i += aes.BlockSize {
		n := uint64(i/aes.BlockSize + 1)
		binary.LittleEndian.PutUint64(counter[:8], n)
		block.Encrypt(stream[:], counter[:])
		for j := 0; j < aes.BlockSize && i+j < len(src); j++ {
			dst[i+j] = src[i+j] ^ stream[j]
		}
	}
}

// Open decrypts an entry's raw bytes with the password: the reading side
// of Add, with which the tests read back what an export wrote.
func Open(raw []byte, password string) ([]byte, error) {
	if len(raw) < saltLen+2+macLen {
		return nil, errors.New("zipaes: entry too short")
	}
	salt, verifier := raw[:saltLen], raw[saltLen:saltLen+2]
	sealed, tag := raw[saltLen+2:len(raw)-macLen], raw[len(raw)-macLen:]
	keys, err := pbkdf2.Key(sha1.New, password, salt, iteration, 2*keyLen+2)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(keys[2*keyLen:], verifier) {
		return nil, errors.New("zipaes: wrong password")
	}
	mac := hmac.New(sha1.New, keys[keyLen:2*keyLen])
	mac.Write(sealed)
	if !hmac.Equal(mac.Sum(nil)[:macLen], tag) {
		return nil, errors.New("zipaes: the entry does not authenticate")
	}
	block, err := aes.NewCipher(keys[:keyLen])
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(sealed))
	ctr(block, out, sealed)
	return out, nil
}
