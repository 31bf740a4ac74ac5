package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

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

// suite is what every backend must do.
func suite(t *testing.T, st Movable) {
	ctx := context.Background()
	data := []byte("\xff\xd8 a face photo \xff\xd9")
	key, err := st.Put(ctx, "photo", data)
	if err != nil || !strings.HasPrefix(key, "photo/") {
		t.Fatalf("put %q %v", key, err)
	}
	sealed, err := st.getSealed(ctx, key)
	if err != nil || bytes.Contains(sealed, []byte("a face photo")) {
		t.Fatalf("stored in clear, or unreadable: %v", err)
	}
	if got, err := st.Get(ctx, key); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get %q %v", got, err)
	}
	if ok, err := st.Has(ctx, key); !ok || err != nil {
		t.Fatalf("has %v %v", ok, err)
	}
	// A blob put under another key's name does not open there.
	other, _ := st.Put(ctx, "photo", []byte("another student"))
	if err := st.putSealed(ctx, other, sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, other); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("a moved blob opened or vanished: %v", err)
	}
	var walked []string
	apptestNoErr(t, st.Walk(ctx, func(k string) error { walked = append(walked, k); return nil }))
	if len(walked) != 2 {
		t.Errorf("walk %v", walked)
	}
	for _, kind := range []string{"", "../x", "Photo", "a/b"} {
		if _, err := st.Put(ctx, kind, nil); err == nil {
			t.Errorf("kind %q accepted", kind)
		}
	}
	for _, k := range []string{"", "../../etc/passwd", "photo/202611/../../x", "photo/202611/zz"} {
		if _, err := st.Get(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("key %q: %v", k, err)
		}
	}
	apptestNoErr(t, st.Delete(ctx, key))
	apptestNoErr(t, st.Delete(ctx, key))
	if _, err := st.Get(ctx, key); !errors.Is(err, ErrNotFound) {
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
		suite(t, l)
	})
	t.Run("s3", func(t *testing.T) {
		cfg := startS3(t)
		s, err := NewS3(context.Background(), cfg, testKeys(t, 7))
		apptestNoErr(t, err)
		suite(t, s)
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
		k, err := l.Put(ctx, []string{"original", "result", "idcard"}[i%3], data)
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
		sealed, _ := l.getSealed(ctx, k)
		apptestNoErr(t, s.putSealed(ctx, k, sealed))
	}
	m, err := Migrate(ctx, l, s, nil)
	if err != nil || m.Copied != 10 || m.Present != 2 {
		t.Fatalf("migrate %+v %v", m, err)
	}
	for k, data := range want {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, data) {
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
		if got, err := back.Get(ctx, k); err != nil || !bytes.Equal(got, data) {
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
