package secret

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

func sealStream(t *testing.T, k *Keys, plain []byte, aad string) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := k.SealBlobTo(&out, aad)
	if err != nil {
		t.Fatal(err)
	}
	// Written in uneven pieces, as io.Copy and a ZIP writer do.
	for rest := plain; len(rest) > 0; {
		n := min(len(rest), 1+len(rest)%7919)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// openReader opens a sealed stream from the start of r, as the stores do.
func openReader(k *Keys, r io.Reader, size int64, aad string) (*BlobReader, error) {
	head := make([]byte, StreamHeaderSize)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	return k.OpenBlobStream(head, r, size, aad)
}

func openStream(k *Keys, sealed []byte, aad string) ([]byte, error) {
	r, err := openReader(k, bytes.NewReader(sealed), int64(len(sealed)), aad)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestBlobStreamRoundTrip(t *testing.T) {
	k, _ := New(bytes.Repeat([]byte{3}, KeySize))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3 * ChunkSize, 3*ChunkSize + 5} {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(rng.Uint32())
		}
		sealed := sealStream(t, k, plain, "export/202612/ab")
		if int64(len(sealed)) != SealedSize(int64(n)) {
			t.Fatalf("%d bytes sealed to %d, SealedSize says %d", n, len(sealed), SealedSize(int64(n)))
		}
		if got, ok := plainSize(int64(len(sealed))); !ok || got != int64(n) {
			t.Fatalf("plainSize(%d) = %d %v, want %d", len(sealed), got, ok, n)
		}
		got, err := openStream(k, sealed, "export/202612/ab")
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: got %d back, %v", n, len(got), err)
		}
		if n > 16 && bytes.Contains(sealed, plain[:16]) {
			t.Fatalf("%d bytes: plaintext in the sealed stream", n)
		}
		if _, err := openStream(k, sealed, "export/202612/cd"); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%d bytes opened under another name: %v", n, err)
		}
	}
}

// TestBlobStreamTamper: a stream cut at a chunk's end (which leaves a
// valid-looking size), chunks swapped, or a bit flipped never opens.
func TestBlobStreamTamper(t *testing.T) {
	k, _ := New(bytes.Repeat([]byte{4}, KeySize))
	plain := bytes.Repeat([]byte("photo of a student "), 3*ChunkSize/19+100)
	sealed := sealStream(t, k, plain, "x")
	cut := sealed[:StreamHeaderSize+2*sealedChunk]
	if _, err := openStream(k, cut, "x"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("a stream cut after two chunks opened: %v", err)
	}
	swapped := bytes.Clone(sealed)
	a, b := swapped[StreamHeaderSize:StreamHeaderSize+sealedChunk], swapped[StreamHeaderSize+sealedChunk:StreamHeaderSize+2*sealedChunk]
	tmp := bytes.Clone(a)
	copy(a, b)
	copy(b, tmp)
	if _, err := openStream(k, swapped, "x"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("swapped chunks opened: %v", err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-40] ^= 1
	if _, err := openStream(k, flipped, "x"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("a flipped bit opened: %v", err)
	}
	other, _ := New(bytes.Repeat([]byte{5}, KeySize))
	if _, err := openStream(other, sealed, "x"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("opened under another master key: %v", err)
	}
	if _, err := openStream(k, sealed[:len(sealed)-1], "x"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("a stream one byte short opened: %v", err)
	}
}

// TestBlobStreamSeek reads ranges as a resumed download does.
func TestBlobStreamSeek(t *testing.T) {
	k, _ := New(bytes.Repeat([]byte{6}, KeySize))
	plain := make([]byte, 5*ChunkSize+123)
	for i := range plain {
		plain[i] = byte(i * 7)
	}
	sealed := sealStream(t, k, plain, "y")
	r, err := openReader(k, bytes.NewReader(sealed), int64(len(sealed)), "y")
	if err != nil {
		t.Fatal(err)
	}
	if end, _ := r.Seek(0, io.SeekEnd); end != int64(len(plain)) {
		t.Fatalf("end %d", end)
	}
	for _, at := range []int64{0, 1, ChunkSize - 1, ChunkSize, 2*ChunkSize + 77, int64(len(plain)) - 3} {
		if _, err := r.Seek(at, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, min(ChunkSize+10, int64(len(plain))-at))
		if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, plain[at:at+int64(len(got))]) {
			t.Fatalf("at %d: %v", at, err)
		}
	}
	r.Seek(int64(len(plain)), io.SeekStart)
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("read at the end: %d %v", n, err)
	}
	nonSeeking, _ := openReader(k, io.MultiReader(bytes.NewReader(sealed)), int64(len(sealed)), "y")
	if _, err := nonSeeking.Seek(10, io.SeekStart); err == nil {
		t.Error("a stream over a plain reader claimed to seek")
	}
}
