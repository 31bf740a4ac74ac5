package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func keys(t *testing.T) *Keys {
	t.Helper()
	k, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFieldsAndBlobs(t *testing.T) {
	t.Parallel()
	k := keys(t)
	s1, s2 := k.SealField("11010519491231002X", "roster.doc"), k.SealField("11010519491231002X", "roster.doc")
	if bytes.Equal(s1, s2) || bytes.Contains(s1, []byte("1101051949")) {
		t.Fatal("sealing is deterministic or leaks the plaintext")
	}
	if v, err := k.OpenField(s1, "roster.doc"); err != nil || v != "11010519491231002X" {
		t.Fatalf("open: %q %v", v, err)
	}
	if _, err := k.OpenField(s1, "user.phone"); !errors.Is(err, ErrDecrypt) {
		t.Fatal("a value opened under another field's context")
	}
	s1[len(s1)-1] ^= 1
	if _, err := k.OpenField(s1, "roster.doc"); !errors.Is(err, ErrDecrypt) {
		t.Fatal("a damaged value opened")
	}
	blob := bytes.Repeat([]byte("photo"), 1000)
	if b, err := k.OpenBlob(k.SealBlob(blob, "upload/1"), "upload/1"); err != nil || !bytes.Equal(b, blob) {
		t.Fatal("blob round trip")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.OpenBlob(k.SealBlob(blob, "x"), "x"); err == nil {
		t.Fatal("opened with another key")
	}
}

func TestIndex(t *testing.T) {
	t.Parallel()
	k := keys(t)
	if k.Index("doc", "A") != k.Index("doc", "A") || k.Index("doc", "A") == k.Index("phone", "A") || k.Index("doc", "A") == k.Index("doc", "B") {
		t.Fatal("index is not a keyed function of kind and value")
	}
	other, _ := New(bytes.Repeat([]byte{9}, KeySize))
	if other.Index("doc", "A") == k.Index("doc", "A") {
		t.Fatal("index does not depend on the key")
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "secret.key")
	if _, err := LoadOrCreateKeyFile(path, false); err == nil {
		t.Fatal("missing key file accepted without create")
	}
	k1, err := LoadOrCreateKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode())
	}
	k2, err := LoadOrCreateKeyFile(path, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second load did not read the same key")
	}
	if _, err := ParseKey("short"); err == nil {
		t.Fatal("short key accepted")
	}
	if MaskPhone("13812345678") != "138****5678" {
		t.Fatal(MaskPhone("13812345678"))
	}
}
