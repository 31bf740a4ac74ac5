package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/engine"
	"zhipai/internal/enrol"
	"zhipai/internal/photo"
	"zhipai/internal/store"
)

// GiveUpUpload records that an upload could not be processed at all (the
// queue's last attempt failed): the student is asked to upload again.
func (s *Service) GiveUpUpload(ctx context.Context, uploadID int64, cause error) error {
	s.Log.ErrorContext(ctx, "photo processing given up", "upload", uploadID, "error", cause)
	err := s.Store.FinishUpload(ctx, uploadID, store.Outcome{Status: domain.UploadFailed, ErrorCode: domain.CodeInternal, Blocking: true})
	s.waiting.Finished(uploadID)
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
		s.waiting.Finished(u.ID)
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
	data, err := blob.Get(ctx, s.Blob, u.OriginalBlob)
	if err != nil {
		return fmt.Errorf("service: photo of upload %d: %w", u.ID, err)
	}
	// The card's portrait is compared with the photo only when the
	// student agreed to it (and its front is on file).
	var card []byte
	if e.FaceConsent == domain.FaceAgreed && e.IDFrontBlob != "" {
		if card, err = blob.Get(ctx, s.Blob, e.IDFrontBlob); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("service: ID card of upload %d: %w", u.ID, err)
		}
	}
	start := time.Now()
	out := store.Outcome{Status: domain.UploadDone}
	done, err := s.Engine.Process(ctx, data, spec, card)
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
			if out.PreviewBlob, err = blob.PutBytes(ctx, s.Blob, "preview", preview); err != nil {
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
		if runErr == nil {
			report.Findings = append(report.Findings, faceFindings(e, done.Face)...)
			if done.Face != nil && done.Face.Compared {
				if err := s.Store.CountFaceComparison(ctx, e.CampaignID, e.UserID); err != nil {
					return fmt.Errorf("service: count the face comparison: %w", err)
				}
			}
		}
	}
	switch {
	case runErr != nil:
		out.Status, out.ErrorCode, out.Blocking = domain.UploadFailed, domain.Public(runErr).Code, true
		if out.ErrorCode == domain.CodeInternal {
			s.Log.ErrorContext(ctx, "photo processing failed", "upload", u.ID, "error", runErr)
		}
	default:
		if out.ResultBlob, err = blob.PutBytes(ctx, s.Blob, "result", res.JPEG); err != nil {
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
	s.waiting.Finished(u.ID)
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

// FaceMatchWarn is the similarity below which the card's portrait and the
// photo are flagged for the reviewer (R20): the 5th percentile of genuine
// pairs in `zhipai idcard faces` on celeba_wild (CelebA photos of 601
// people; one side printed onto a rendered card and read back), chosen on
// the even identities: 0.899. On the odd ones it warns on 4.9% of genuine
// pairs and on 96.4% of impostors. (dlib's descriptors are not centred:
// even two strangers score 0.8 or more, hence a threshold this high.) Never
// a block: card portraits are small and years old.
const FaceMatchWarn = 0.90

// faceFindings are what the face comparison tells the reviewer: a
// mismatch (R20, a warning), a card whose portrait could not be compared,
// or a student who chose not to have their faces compared (both for the
// reviewer to check by eye).
func faceFindings(e domain.Enrolment, m *engine.FaceMatch) []photo.Finding {
	switch {
	case e.FaceConsent == domain.FaceRefused:
		return []photo.Finding{{Code: "face.not_compared", Reason: domain.ReasonNotSelf, Severity: domain.SeverityInfo,
			Message: "你选择了不进行人脸比对，审核老师会人工核对照片与证件。"}}
	case m == nil:
		return nil
	case !m.Compared:
		return []photo.Finding{{Code: "face.card_unreadable", Reason: domain.ReasonNotSelf, Severity: domain.SeverityInfo,
			Message: "没能从身份证照片中找到人像，审核老师会人工核对；也可以重拍身份证人像面。"}}
	case m.Similarity < FaceMatchWarn:
		return []photo.Finding{{Code: "face.mismatch", Reason: domain.ReasonNotSelf, Severity: domain.SeverityWarn,
			Value: math.Round(m.Similarity*1000) / 1000, Threshold: FaceMatchWarn,
			Message: "照片与身份证上的人像差别较大：请确认上传的是本人近期照片；如确是本人，可直接提交，审核老师会人工核对。"}}
	}
	return nil
}
