package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"zhipai/internal/secret"
)

// startS3 runs the S3 server (StartS3Server) for the test, with a fresh
// bucket. Without the binary the test is skipped, or fails under make test
// (ZHIPAI_TEST_S3_REQUIRED=1).
func startS3(t *testing.T) S3Config {
	t.Helper()
	bin, err := S3ServerBin()
	if err != nil {
		if os.Getenv("ZHIPAI_TEST_S3_REQUIRED") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	cfg, stop, err := StartS3Server(context.Background(), bin, t.TempDir(), "zhipai-test", "school-1/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return cfg
}

func testKeys(t *testing.T, b byte) *secret.Keys {
	k, err := secret.New(bytes.Repeat([]byte{b}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sealedBytes reads a blob as it is stored.
func sealedBytes(t *testing.T, st Movable, key string) []byte {
	t.Helper()
	r, _, err := st.openSealed(context.Background(), key)
	apptestNoErr(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	apptestNoErr(t, err)
	return b
}

// suite is what every backend must do.
func suite(t *testing.T, st Movable, keys *secret.Keys) {
	ctx := context.Background()
	data := []byte("\xff\xd8 a face photo \xff\xd9")
	key, err := PutBytes(ctx, st, "photo", data)
	if err != nil || !strings.HasPrefix(key, "photo/") {
		t.Fatalf("put %q %v", key, err)
	}
	sealed := sealedBytes(t, st, key)
	if bytes.Contains(sealed, []byte("a face photo")) {
		t.Fatal("stored in clear")
	}
	if got, err := Get(ctx, st, key); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get %q %v", got, err)
	}
	if ok, err := st.Has(ctx, key); !ok || err != nil {
		t.Fatalf("has %v %v", ok, err)
	}
	// A blob put under another key's name does not open there.
	other, _ := PutBytes(ctx, st, "photo", []byte("another student"))
	apptestNoErr(t, st.putSealed(ctx, other, bytes.NewReader(sealed), int64(len(sealed))))
	if _, err := Get(ctx, st, other); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("a moved blob opened or vanished: %v", err)
	}

	// An export: several chunks, its length unknown until the end, read
	// back as it streams and from the middle (a resumed download).
	big := make([]byte, 3*secret.ChunkSize+1234)
	for i := range big {
		big[i] = byte(i * 31)
	}
	pr, pw := io.Pipe()
	go func() {
		for rest := big; len(rest) > 0; rest = rest[min(len(rest), 10000):] {
			pw.Write(rest[:min(len(rest), 10000)])
		}
		pw.Close()
	}()
	bigKey, err := st.Put(ctx, "export", pr, -1)
	apptestNoErr(t, err)
	r, err := st.Open(ctx, bigKey)
	apptestNoErr(t, err)
	if r.Size() != int64(len(big)) {
		t.Fatalf("size %d, want %d", r.Size(), len(big))
	}
	at := int64(2*secret.ChunkSize - 5)
	if _, err := r.Seek(at, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, big[at:]) {
		t.Fatalf("read from %d: %d bytes, %v", at, len(got), err)
	}
	r.Close()
	// A reader that fails, or yields less than promised, stores nothing.
	if _, err := st.Put(ctx, "export", io.MultiReader(bytes.NewReader(big[:100]), iotest.ErrReader(errors.New("disk gone"))), -1); err == nil {
		t.Error("a failing reader was stored")
	}
	if _, err := st.Put(ctx, "photo", bytes.NewReader(data), int64(len(data))+1); err == nil {
		t.Error("a short reader was stored")
	}

	// A blob sealed whole, as before streams, still opens.
	legacy := "photo/202611/" + strings.Repeat("ab", 16)
	whole := keys.SealBlob(data, legacy)
	apptestNoErr(t, st.putSealed(ctx, legacy, bytes.NewReader(whole), int64(len(whole))))
	if got, err := Get(ctx, st, legacy); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob sealed whole: %q %v", got, err)
	}

	var walked []string
	apptestNoErr(t, st.Walk(ctx, func(k string) error { walked = append(walked, k); return nil }))
	if len(walked) != 4 {
		t.Errorf("walk %v", walked)
	}
	for _, kind := range []string{"", "../x", "Photo", "a/b"} {
		if _, err := PutBytes(ctx, st, kind, nil); err == nil {
			t.Errorf("kind %q accepted", kind)
		}
	}
	for _, k := range []string{"", "../../etc/passwd", "photo/202611/../../x", "photo/202611/zz"} {
		if _, err := st.Open(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("key %q: %v", k, err)
		}
	}
	apptestNoErr(t, st.Delete(ctx, key))
	apptestNoErr(t, st.Delete(ctx, key))
	if _, err := st.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted blob: %v", err)
	}
	if ok, _ := st.Has(ctx, key); ok {
		t.Error("a deleted blob is still there")
	}
}

func apptestNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestStores runs the suite on the local directory and on S3.
func TestStores(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		l, err := NewLocal(t.TempDir(), testKeys(t, 7))
		apptestNoErr(t, err)
		suite(t, l, testKeys(t, 7))
	})
	t.Run("s3", func(t *testing.T) {
		cfg := startS3(t)
		s, err := NewS3(context.Background(), cfg, testKeys(t, 7))
		apptestNoErr(t, err)
		suite(t, s, testKeys(t, 7))
	})
}

// TestMigrate moves a local installation's blobs to S3 and back: every
// blob opens at its key on the other side; a second run copies nothing
// (a stopped migration is resumed by running it again).
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t, 9)
	l, err := NewLocal(t.TempDir(), keys)
	apptestNoErr(t, err)
	want := map[string][]byte{}
	for i := range 12 {
		data := []byte(fmt.Sprintf("photo %d", i))
		k, err := PutBytes(ctx, l, []string{"original", "result", "idcard"}[i%3], data)
		apptestNoErr(t, err)
		want[k] = data
	}
	cfg := startS3(t)
	s, err := NewS3(ctx, cfg, keys)
	apptestNoErr(t, err)
	// Part of a run that stopped: two blobs are there already.
	n := 0
	for k := range want {
		if n++; n > 2 {
			break
		}
		sealed := sealedBytes(t, l, k)
		apptestNoErr(t, s.putSealed(ctx, k, bytes.NewReader(sealed), int64(len(sealed))))
	}
	m, err := Migrate(ctx, l, s, nil)
	if err != nil || m.Copied != 10 || m.Present != 2 {
		t.Fatalf("migrate %+v %v", m, err)
	}
	for k, data := range want {
		if got, err := Get(ctx, s, k); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s on S3: %q %v", k, got, err)
		}
	}
	if m, err := Migrate(ctx, l, s, nil); err != nil || m.Copied != 0 || m.Present != 12 {
		t.Errorf("second run %+v %v", m, err)
	}
	back, err := NewLocal(t.TempDir(), keys)
	apptestNoErr(t, err)
	if m, err := Migrate(ctx, s, back, nil); err != nil || m.Copied != 12 {
		t.Fatalf("back %+v %v", m, err)
	}
	for k, data := range want {
		if got, err := Get(ctx, back, k); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s back: %q %v", k, got, err)
		}
	}
}

func TestParseS3URL(t *testing.T) {
	c, err := ParseS3URL("s3://photos/zhipai/school-1?endpoint=oss.example.cn:443&region=cn-hangzhou&sse=1")
	if err != nil || c.Bucket != "photos" || c.Prefix != "zhipai/school-1/" || c.Endpoint != "oss.example.cn:443" || !c.Secure || !c.SSE || c.Region != "cn-hangzhou" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"s3://bucket", "http://x", "s3:///p?endpoint=a:1"} {
		if _, err := ParseS3URL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
