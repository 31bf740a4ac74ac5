package enrol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/store"
	"zhipai/internal/waits"
)

// CardQueue queues the check of an ID-card photo inside the transaction
// that stores it (job.Queue).
type CardQueue interface {
	EnqueueCardCheck(ctx context.Context, tx *store.Tx, checkID int64) error
}

// CodeCardChecking refuses the roster match while a photo of the card is
// still being checked.
const CodeCardChecking = "idcard.checking"

// CardCheckView is the state of a card photo's check: checking until its
// job has run, then accepted (with the findings and, for a front photographed
// before the identity was typed, what it says), refused (with the error
// the photo met, as the synchronous upload answers it), failed (upload
// again) or superseded (a newer photo of the same side replaced it).
type CardCheckView struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	IDImageResult
	Error *CardCheckError `json:"error,omitempty"`
}

// CardCheckError is why a photo was refused: the code and the message
// the synchronous upload answers with.
type CardCheckError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Finished reports whether the check has its answer.
func (v CardCheckView) Finished() bool { return v.Status != store.CardChecking }

// SubmitIDImage stores a photo of the identity document after the checks
// any upload meets (UploadIDImage's) and queues its check: the answer
// comes from CardCheck or WaitCardCheck, so that the request is quick
// however many checks wait for the cores, and a check whose instance dies
// is run again by another.
func (s *Service) SubmitIDImage(ctx context.Context, who domain.Caller, campaignID int64, side string, data []byte) (CardCheckView, error) {
	e, _, err := s.cardUpload(ctx, who, campaignID, side, data)
	if err != nil {
		return CardCheckView{}, err
	}
	if s.Queue == nil {
		return CardCheckView{}, domain.Internal("id image: no queue for card checks")
	}
	key, err := blob.PutBytes(ctx, s.Blob, "idcard", data)
	if err != nil {
		return CardCheckView{}, domain.Internal("store id image: %w", err)
	}
	var id int64
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = s.Store.InsertCardCheck(ctx, tx, store.CardCheck{EnrolmentID: e.ID, UserID: who.UserID, Side: side, BlobKey: key}); err != nil {
			return err
		}
		return s.Queue.EnqueueCardCheck(ctx, tx, id)
	})
	if err != nil {
		s.Blob.Delete(ctx, key)
		return CardCheckView{}, domain.Internal("id image: %w", err)
	}
	return newCardCheckView(id, side, store.CardChecking), nil
}

// RunCardCheck checks a queued card photo: the job's work. A check no
// longer waiting (superseded, finished by an earlier run) is left alone,
// and its photo deleted unless it was accepted; a run cut short is run
// again by the queue.
func (s *Service) RunCardCheck(ctx context.Context, checkID int64) error {
	c, err := s.Store.CardCheck(ctx, checkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("card check %d: %w", checkID, err)
	}
	if c.Finished() {
		s.dropUnaccepted(ctx, c)
		s.waiting.Finished(c.ID)
		return nil
	}
	e, err := s.Store.Enrolment(ctx, c.EnrolmentID)
	if err != nil {
		return fmt.Errorf("card check %d: %w", checkID, err)
	}
	var res IDImageResult
	var cardIndex string
	if e.RosterRowID != 0 { // bound since the photo came in
		err = fail(CodeIdentityLocked, nil)
	} else {
		data, gerr := blob.Get(ctx, s.Blob, c.BlobKey)
		if gerr != nil {
			return fmt.Errorf("card check %d: photo: %w", checkID, gerr)
		}
		idCard := e.DocType == "" || e.DocType == string(idnumber.ResidentID) // as cardUpload decided
		res, cardIndex, err = s.checkCardPhoto(ctx, e, c.Side, idCard, data)
	}
	var refusal *domain.Error
	if err != nil && (!errors.As(err, &refusal) || refusal.Code == domain.CodeInternal) {
		return fmt.Errorf("card check %d: %w", checkID, err) // the queue tries again
	}
	defer s.waiting.Finished(c.ID)
	if refusal != nil {
		if _, err := s.Store.FinishCardCheck(ctx, c.ID, store.CardRefused, refusal.Code, refusal.Message); err != nil {
			return fmt.Errorf("card check %d: %w", checkID, err)
		}
		s.Blob.Delete(ctx, c.BlobKey)
		return nil
	}
	sealed, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("card check %d: %w", checkID, err)
	}
	replaced, ok, err := s.Store.AcceptCardCheck(ctx, c, cardIndex, s.Keys.SealField(string(sealed), cardCheckAAD(c.ID)))
	if err != nil {
		return fmt.Errorf("card check %d: %w", checkID, err)
	}
	if !ok { // superseded while it ran
		s.Blob.Delete(ctx, c.BlobKey)
	} else if replaced != "" {
		s.Blob.Delete(ctx, replaced) // the replaced image is no longer needed (minimisation)
	}
	return nil
}

// dropUnaccepted deletes the photo of a check that did not end accepted.
func (s *Service) dropUnaccepted(ctx context.Context, c store.CardCheck) {
	if c.Status != store.CardAccepted {
		s.Blob.Delete(ctx, c.BlobKey)
	}
}

// GiveUpCardCheck records that a check could not be run at all (the
// queue's last attempt failed): the student is asked to upload again.
func (s *Service) GiveUpCardCheck(ctx context.Context, checkID int64, cause error) error {
	s.Log.ErrorContext(ctx, "card check given up", "check", checkID, "error", cause)
	_, err := s.Store.FinishCardCheck(ctx, checkID, store.CardFailed, domain.CodeInternal, domain.Errors.Fail(domain.CodeInternal, nil).Message)
	if c, gerr := s.Store.CardCheck(ctx, checkID); gerr == nil {
		s.dropUnaccepted(ctx, c)
	}
	s.waiting.Finished(checkID)
	return err
}

// newCardCheckView is a check's view before its result: no findings
// yet ([], never null).
func newCardCheckView(id int64, side, status string) CardCheckView {
	return CardCheckView{ID: id, Status: status, IDImageResult: IDImageResult{Side: side, Findings: []photo.Finding{}}}
}

func cardCheckAAD(id int64) string { return "card_check:" + strconv.FormatInt(id, 10) }

// CardCheck is one of the caller's card checks as it stands.
func (s *Service) CardCheck(ctx context.Context, who domain.Caller, checkID int64) (CardCheckView, error) {
	c, err := s.Store.CardCheck(ctx, checkID)
	if errors.Is(err, store.ErrNotFound) || err == nil && c.UserID != who.UserID {
		return CardCheckView{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return CardCheckView{}, domain.Internal("card check: %w", err)
	}
	v := newCardCheckView(c.ID, c.Side, c.Status)
	switch c.Status {
	case store.CardAccepted:
		plain, err := s.Keys.OpenField(c.ResultEnc, cardCheckAAD(c.ID))
		if err == nil {
			err = json.Unmarshal([]byte(plain), &v.IDImageResult)
		}
		if err != nil {
			return CardCheckView{}, domain.Internal("card check %d: %w", c.ID, err)
		}
	case store.CardRefused, store.CardFailed:
		v.Error = &CardCheckError{Code: c.ErrorCode, Message: c.ErrorMessage}
	}
	return v, nil
}

// WaitCardCheck returns one of the caller's card checks once it is
// finished, or as it is after wait: checks finished here answer at once,
// those finished by another instance as the database announces them, or
// at the next poll.
func (s *Service) WaitCardCheck(ctx context.Context, who domain.Caller, checkID int64, wait time.Duration) (CardCheckView, error) {
	return waits.Wait(ctx, &s.waiting, checkID, wait, s.Store.PollEvery(),
		func() (CardCheckView, error) { return s.CardCheck(ctx, who, checkID) },
		CardCheckView.Finished)
}

// CardCheckFinished ends the waits for a check another instance finished,
// as the database announces it.
func (s *Service) CardCheckFinished(id int64) {
	s.heard.Add(1)
	s.waiting.Finished(id)
}
