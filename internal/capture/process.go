package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/photo"
	"zhipai/internal/store"
)

// GiveUpUpload records that an upload could not be processed at all (the
// queue's last attempt failed): the student is asked to upload again.
func (s *Service) GiveUpUpload(ctx context.Context, uploadID int64, cause error) error {
	s.Log.ErrorContext(ctx, "photo processing given up", "upload", uploadID, "error", cause)
	err := s.Store.FinishUpload(ctx, uploadID, store.Outcome{Status: domain.UploadFailed, ErrorCode: domain.CodeInternal, Blocking: true})
	s.waiting.finished(uploadID)
	return err
}

// ProcessUpload standardizes an upload: the job's work. It is idempotent:
// a finished upload is left alone, and a run cut short (crash, restart,
// timeout) is simply run again by the queue.
func (s *Service) ProcessUpload(ctx context.Context, uploadID int64) error {
	u, err := s.Store.Upload(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // nothing to do: the upload is gone
	}
	if err != nil {
		return fmt.Errorf("service: process upload %d: %w", uploadID, err)
	}
	if u.Status.Finished() {
		s.waiting.finished(u.ID)
		return nil
	}
	if err := s.Store.StartUpload(ctx, u.ID); err != nil {
		return fmt.Errorf("service: start upload %d: %w", u.ID, err)
	}
	e, err := s.Store.Enrolment(ctx, u.EnrolmentID)
	if err != nil {
		return fmt.Errorf("service: enrolment of upload %d: %w", u.ID, err)
	}
	c, err := s.Store.Campaign(ctx, e.CampaignID)
	if err != nil {
		return fmt.Errorf("service: campaign of upload %d: %w", u.ID, err)
	}
	spec, err := enrol.CampaignSpec(c)
	if err != nil {
		return fmt.Errorf("service: spec of campaign %d: %w", c.ID, err)
	}
	data, err := s.Blob.Get(ctx, u.OriginalBlob)
	if err != nil {
		return fmt.Errorf("service: photo of upload %d: %w", u.ID, err)
	}
	start := time.Now()
	out := store.Outcome{Status: domain.UploadDone}
	done, err := s.Engine.Process(ctx, data, spec)
	if err != nil {
		return err
	}
	res, runErr := done.Result, done.Refusal
	out.PHash = done.Fingerprint
	preview := done.Preview
	if ctx.Err() != nil {
		return ctx.Err() // cut short: the queue retries
	}
	if out.PHash != "" {
		if len(preview) > 0 {
			if out.PreviewBlob, err = s.Blob.Put(ctx, "preview", preview); err != nil {
				return fmt.Errorf("service: store preview: %w", err)
			}
		}
		_, rejected, err := s.Store.RejectedFingerprints(ctx, e.ID)
		if err != nil {
			return fmt.Errorf("service: fingerprints: %w", err)
		}
		for _, r := range rejected {
			if photo.FingerprintDistance(r, out.PHash) <= photo.SameFingerprint {
				runErr = fail(CodeDuplicate, nil)
			}
		}
	}
	var report *photo.Report
	if res != nil {
		report = storedReport(res.Report)
	}
	switch {
	case runErr != nil:
		out.Status, out.ErrorCode, out.Blocking = domain.UploadFailed, domain.Public(runErr).Code, true
		if out.ErrorCode == domain.CodeInternal {
			s.Log.ErrorContext(ctx, "photo processing failed", "upload", u.ID, "error", runErr)
		}
	default:
		if out.ResultBlob, err = s.Blob.Put(ctx, "result", res.JPEG); err != nil {
			return fmt.Errorf("service: store result: %w", err)
		}
		for _, f := range report.Findings {
			out.Blocking = out.Blocking || f.Severity == domain.SeverityBlock
		}
	}
	if report != nil {
		b, _ := json.Marshal(report)
		out.ReportJSON = string(b)
	}
	if err := s.Store.FinishUpload(ctx, u.ID, out); err != nil {
		return fmt.Errorf("service: finish upload %d: %w", u.ID, err)
	}
	s.waiting.finished(u.ID)
	if s.observe != nil {
		var timings map[string]float64
		if report != nil {
			timings = report.TimingsMS
		}
		s.observe.Photo(timings, out.ErrorCode)
	}
	s.Log.InfoContext(ctx, "photo processed", "upload", u.ID, "status", out.Status, "code", out.ErrorCode, "blocking", out.Blocking,
		"ms", time.Since(start).Milliseconds())
	return nil
}
