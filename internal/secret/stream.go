package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
)

// Blobs too large to hold in memory whole (a school's export is hundreds
// of megabytes) are sealed as a stream of chunks, each opened on its own:
//
//	header  "ZPBLOB2\n" | 32-byte random salt
//	chunks  AES-256-GCM of ChunkSize bytes each, the last of 0..ChunkSize
//
// Each blob has its own key, derived from the blob key and its salt
// (HKDF-SHA256), so the nonce can be the chunk's index: 7 zero bytes, the
// index (uint32, big-endian) and 1 for the last chunk, else 0. The
// additional data is the blob's name, as for a sealed field. A stream cut
// short, chunks swapped, or one blob put in another's place, fail to open.
// The format is that of Tink's and age's streaming AEADs, in fewer bytes.
const (
	// ChunkSize is the plaintext in every chunk but the last.
	ChunkSize = 64 << 10

	streamMagic = "ZPBLOB2\n"
	saltSize    = 32
	// StreamHeaderSize is the bytes before the first chunk.
	StreamHeaderSize = len(streamMagic) + saltSize
	tagSize          = 16
	sealedChunk      = ChunkSize + tagSize
)

// IsBlobStream reports whether sealed data begins as a stream does (blobs
// sealed whole, before streams, begin with a random nonce: 2^-64 of them
// would look like a stream and fail to open).
func IsBlobStream(head []byte) bool {
	return len(head) >= len(streamMagic) && string(head[:len(streamMagic)]) == streamMagic
}

// chunksOf is how many chunks n bytes are sealed in (an empty blob has
// its one, empty, last chunk).
func chunksOf(n int64) int64 { return max(1, (n+ChunkSize-1)/ChunkSize) }

// SealedSize is the size of n bytes sealed as a stream.
func SealedSize(n int64) int64 {
	return int64(StreamHeaderSize) + n + chunksOf(n)*tagSize
}

// plainSize is the inverse of SealedSize, false for a size no stream has.
func plainSize(sealed int64) (int64, bool) {
	body := sealed - int64(StreamHeaderSize)
	if body < tagSize {
		return 0, false
	}
	chunks := (body + sealedChunk - 1) / sealedChunk
	if body-(chunks-1)*sealedChunk < tagSize {
		return 0, false
	}
	return body - chunks*tagSize, true
}

func (k *Keys) streamAEAD(salt []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, k.stream, salt, "zhipai blob stream v2", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(nonce []byte, i uint32, last bool) []byte {
	clear(nonce)
	binary.BigEndian.PutUint32(nonce[7:11], i)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// SealBlobTo returns a writer that seals what is written to it onto w
// under the name aad; Close writes the last chunk (and does not close w).
func (k *Keys) SealBlobTo(w io.Writer, aad string) (io.WriteCloser, error) {
	head := make([]byte, StreamHeaderSize)
	copy(head, streamMagic)
	if _, err := rand.Read(head[len(streamMagic):]); err != nil {
		return nil, err
	}
	a, err := k.streamAEAD(head[len(streamMagic):])
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(head); err != nil {
		return nil, err
	}
	return &sealWriter{w: w, aead: a, aad: []byte(aad), buf: make([]byte, 0, ChunkSize), out: make([]byte, 0, sealedChunk), nonce: make([]byte, a.NonceSize())}, nil
}

type sealWriter struct {
	w        io.Writer
	aead     cipher.AEAD
	aad      []byte
	buf, out []byte
	nonce    []byte
	index    uint32
	err      error
	closed   bool
}

// Write buffers a chunk and seals it once more follows, so that the last
// chunk is known when Close comes.
func (s *sealWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.closed {
		return 0, errors.New("secret: write to a closed blob stream")
	}
	n := 0
	for len(p) > 0 {
		if len(s.buf) == ChunkSize {
			if err := s.flush(false); err != nil {
				return n, err
			}
		}
		c := copy(s.buf[len(s.buf):ChunkSize], p)
		s.buf, p, n = s.buf[:len(s.buf)+c], p[c:], n+c
	}
	return n, nil
}

func (s *sealWriter) flush(last bool) error {
	if s.index == 1<<32-1 && !last {
		s.err = errors.New("secret: blob stream too long")
		return s.err
	}
	s.out = s.aead.Seal(s.out[:0], chunkNonce(s.nonce, s.index, last), s.buf, s.aad)
	if _, err := s.w.Write(s.out); err != nil {
		s.err = err
		return err
	}
	s.buf, s.index = s.buf[:0], s.index+1
	return nil
}

// Close seals the last chunk (empty when nothing is left).
func (s *sealWriter) Close() error {
	if s.closed || s.err != nil {
		return s.err
	}
	s.closed = true
	return s.flush(true)
}

// BlobReader opens a sealed stream as it is read, and seeks when what it
// reads from does (a download resumed with a Range).
type BlobReader struct {
	r       io.Reader
	aead    cipher.AEAD
	aad     []byte
	size    int64 // plaintext
	chunks  int64
	next    int64 // the chunk to read next
	plain   []byte
	off     int   // read position in plain
	pos     int64 // plaintext position
	sealed  []byte
	nonce   []byte
	err     error
	pending bool // a Seek moved pos: the chunk holding it is still to be read
}

// OpenBlobStream opens a stream of sealedSize bytes under the name aad:
// head is its first StreamHeaderSize bytes, already read (a store reads
// them to tell the formats apart), and r the rest. The first damaged
// chunk is reported by Read as ErrDecrypt; nothing unauthenticated is
// returned.
func (k *Keys) OpenBlobStream(head []byte, r io.Reader, sealedSize int64, aad string) (*BlobReader, error) {
	size, ok := plainSize(sealedSize)
	if !ok {
		return nil, ErrDecrypt
	}
	if len(head) != StreamHeaderSize || !IsBlobStream(head) {
		return nil, ErrDecrypt
	}
	a, err := k.streamAEAD(head[len(streamMagic):])
	if err != nil {
		return nil, err
	}
	return &BlobReader{r: r, aead: a, aad: []byte(aad), size: size, chunks: chunksOf(size),
		sealed: make([]byte, sealedChunk), nonce: make([]byte, a.NonceSize())}, nil
}

// Size is the plaintext's length.
func (b *BlobReader) Size() int64 { return b.size }

func (b *BlobReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.pending {
		if err := b.seekChunk(); err != nil {
			return 0, err
		}
	}
	for b.off == len(b.plain) {
		if b.next == b.chunks {
			return 0, io.EOF
		}
		if err := b.readChunk(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.plain[b.off:])
	b.off += n
	b.pos += int64(n)
	return n, nil
}

func (b *BlobReader) readChunk() error {
	last := b.next == b.chunks-1
	n := sealedChunk
	if last {
		n = int(b.size - (b.chunks-1)*ChunkSize + tagSize)
	}
	if _, err := io.ReadFull(b.r, b.sealed[:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		b.err = err
		return err
	}
	plain, err := b.aead.Open(b.plain[:0], chunkNonce(b.nonce, uint32(b.next), last), b.sealed[:n], b.aad)
	if err != nil {
		b.err = ErrDecrypt
		return b.err
	}
	b.plain, b.off = plain, 0
	b.next++
	return nil
}

// Seek moves to a plaintext offset; it needs r to be an io.Seeker.
func (b *BlobReader) Seek(offset int64, whence int) (int64, error) {
	if b.err != nil {
		return 0, b.err
	}
	switch whence {
	case io.SeekCurrent:
		offset += b.pos
	case io.SeekEnd:
		offset += b.size
	}
	if offset < 0 {
		return 0, errors.New("secret: seek before the start")
	}
	if offset != b.pos {
		if _, ok := b.r.(io.Seeker); !ok {
			return 0, errors.New("secret: this blob stream cannot seek")
		}
		b.pos, b.pending = offset, true
	}
	return offset, nil
}

// seekChunk reads the chunk that holds pos, after a Seek.
func (b *BlobReader) seekChunk() error {
	b.pending = false
	if b.pos >= b.size {
		b.next, b.plain, b.off = b.chunks, b.plain[:0], 0
		return nil
	}
	idx := b.pos / ChunkSize
	if _, err := b.r.(io.Seeker).Seek(int64(StreamHeaderSize)+idx*sealedChunk, io.SeekStart); err != nil {
		b.err = err
		return err
	}
	b.next = idx
	if err := b.readChunk(); err != nil {
		return err
	}
	b.off = int(b.pos - idx*ChunkSize)
	return nil
}
