package zipaes

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRoundTrip: entries come back with the password and not without it;
// a tampered entry does not authenticate.
func TestRoundTrip(t *testing.T) {
	data := make([]byte, 40_123)
	rand.Read(data)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := NewWriter(zw, "校园卡-2026!")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add("照片/2026001.jpg", time.Now(), data); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	f := zr.File[0]
	if f.Method != MethodAES || f.Flags&1 == 0 || f.UncompressedSize64 != uint64(len(data)) {
		t.Fatalf("header %+v", f.FileHeader)
	}
	rc, _ := f.OpenRaw()
	raw, _ := io.ReadAll(rc)
	if bytes.Contains(raw, data[:64]) {
		t.Fatal("the entry is not encrypted")
	}
	got, err := Open(raw, "校园卡-2026!")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("open: %v", err)
	}
	if _, err := Open(raw, "wrong"); err == nil {
		t.Error("opened with a wrong password")
	}
	raw[100] ^= 1
	if _, err := Open(raw, "校园卡-2026!"); err == nil {
		t.Error("a tampered entry authenticated")
	}
}

// TestSevenZipOpensIt: 7-Zip, which schools use, extracts the archive
// with the password (skipped where 7z is not installed; make test
// installs it).
func TestSevenZipOpensIt(t *testing.T) {
	sz, err := exec.LookPath("7z")
	if err != nil {
		if os.Getenv("ZHIPAI_E2E_REQUIRED") == "1" {
			t.Fatal("7z not found (make setup-test installs p7zip-full)")
		}
		t.Skip("7z not installed")
	}
	dir := t.TempDir()
	data := []byte("照片数据 photo bytes 0123456789")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := NewWriter(zw, "s3cret-pass")
	w.Add("a.jpg", time.Now(), data)
	w.Add("dir/b.jpg", time.Now(), bytes.Repeat(data, 1000))
	zw.Close()
	zp := filepath.Join(dir, "x.zip")
	os.WriteFile(zp, buf.Bytes(), 0o600)
	out, err := exec.Command(sz, "x", "-y", "-ps3cret-pass", "-o"+filepath.Join(dir, "out"), zp).CombinedOutput()
	if err != nil {
		t.Fatalf("7z: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out", "dir", "b.jpg")); !bytes.Equal(got, bytes.Repeat(data, 1000)) {
		t.Fatal("7z extracted other bytes")
	}
	if out, err := exec.Command(sz, "t", "-pwrong", zp).CombinedOutput(); err == nil {
		t.Fatalf("7z accepted a wrong password:\n%s", out)
	}
}
