package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sync"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
)

// The API's refusals of photo bodies.
const (
	CodeBodiesBusy    = "request.busy"
	CodeBodiesPerUser = "upload.in_flight"
)

// bodies counts the photo bodies being received, overall and per user, so
// that slow or stalled senders cannot hold the server's memory or
// connections: the photo bodies of one student are at most a few, and of
// everyone a bounded number.
type bodies struct {
	mu             sync.Mutex
	total, perUser int
	n              int
	users          map[int64]int
}

func newBodies(total, perUser int) *bodies {
	return &bodies{total: total, perUser: perUser, users: map[int64]int{}}
}

// take reserves a place for a user's body; release gives it back.
func (b *bodies) take(user int64) (release func(), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.users[user] >= b.perUser {
		return nil, errorOf(CodeBodiesPerUser, nil).WithRetry(5 * time.Second)
	}
	if b.n >= b.total {
		return nil, errorOf(CodeBodiesBusy, nil).WithRetry(5 * time.Second)
	}
	b.n++
	b.users[user]++
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.n--
		if b.users[user]--; b.users[user] <= 0 {
			delete(b.users, user)
		}
	}, nil
}

// readPhoto reads an image from the body: raw bytes (image/*,
// application/octet-stream), or the "file" part of a multipart form (what
// wx.uploadFile sends). More than the limit is 413, never a partial read.
// Nothing is allocated from what the client announces: the buffer grows
// with the bytes that really arrive, and a body that sends nothing for
// PhotoIdle is dropped.
func (a *API) readPhoto(w http.ResponseWriter, r *http.Request, c domain.Caller) ([]byte, error) {
	tooLarge := errorOf(domain.CodeRequestTooLarge, nil)
	if r.ContentLength > a.cfg.MaxPhotoBytes+64<<10 {
		return nil, tooLarge
	}
	release, err := a.bodies.take(c.UserID)
	if err != nil {
		return nil, err
	}
	defer release()
	body := &idleReader{r: http.MaxBytesReader(w, r.Body, a.cfg.MaxPhotoBytes+64<<10), rc: http.NewResponseController(w), idle: a.cfg.PhotoIdle}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var src io.Reader = body
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, tooLarge
				}
				if isTimeout(err) {
					return nil, errorOf(photo.CodeTruncated, err)
				}
				return nil, errorOf(photo.CodeEmpty, err)
			}
			if p.FormName() == "file" {
				src = p
				break
			}
		}
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(io.LimitReader(src, a.cfg.MaxPhotoBytes+1))
	data := buf.Bytes()
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || int64(len(data)) > a.cfg.MaxPhotoBytes:
		return nil, tooLarge
	case err != nil:
		return nil, errorOf(photo.CodeTruncated, err)
	}
	return data, nil
}

// idleReader drops a body that sends nothing for idle: before each read
// the connection's read deadline moves idle ahead.
type idleReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
}

func (i *idleReader) Read(p []byte) (int, error) {
	i.rc.SetReadDeadline(time.Now().Add(i.idle))
	return i.r.Read(p)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
