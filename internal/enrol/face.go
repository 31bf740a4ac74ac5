package enrol

import (
	"context"

	"zhipai/internal/domain"
)

// FaceConsentVersion and FaceConsentText are the separate consent to the
// face comparison (PIPL art. 28: facial features are sensitive personal
// information and need their own consent). Refusing it costs nothing but
// time: the reviewer compares the faces by eye.
const (
	FaceConsentVersion = "face-2026-12-v1"
	FaceConsentText    = "为确认照片是你本人，我们可以用算法比对你上传的照片与身份证人像面上的照片（人脸比对），" +
		"比对结果仅供审核老师参考，不会单独决定审核结果。比对时临时计算的人脸特征用完即删，不保存、不用于其他目的；" +
		"我们只记录是否进行了比对。你也可以不同意：不影响采集，审核老师会人工核对照片与证件。你可以随时更改这一选择，对之后上传的照片生效。"
)

// FaceConsentView is the face-comparison consent as shown, with the
// student's decision ("" until they decide).
type FaceConsentView struct {
	Version  string `json:"version"`
	Text     string `json:"text"`
	Decision string `json:"decision"`
}

// FaceConsent is the consent text and the student's decision.
func (s *Service) FaceConsent(ctx context.Context, who domain.Caller, campaignID int64) (FaceConsentView, error) {
	e, _, err := s.Enrolment(ctx, who, campaignID, false)
	if err != nil {
		return FaceConsentView{}, err
	}
	return FaceConsentView{Version: FaceConsentVersion, Text: FaceConsentText, Decision: e.FaceConsent}, nil
}

// DecideFaceConsent records the student's decision on the face comparison
// for the version shown; an agreement is kept as a consent record too
// (text hash, channel, time), as the campaign's consent is.
func (s *Service) DecideFaceConsent(ctx context.Context, who domain.Caller, campaignID int64, version string, agree bool) (FaceConsentView, error) {
	e, c, err := s.consentedEnrolment(ctx, who, campaignID)
	if err != nil {
		return FaceConsentView{}, err
	}
	if version != FaceConsentVersion {
		return FaceConsentView{}, fail(CodeConsentOutdated, nil)
	}
	decision := domain.FaceRefused
	if agree {
		decision = domain.FaceAgreed
		had, err := s.Store.HasConsent(ctx, who.UserID, c.ID, FaceConsentVersion)
		if err != nil {
			return FaceConsentView{}, domain.Internal("face consent: %w", err)
		}
		if !had { // agreed before: the first record stands
			if err := s.recordConsent(ctx, who, c.ID, FaceConsentVersion, FaceConsentText); err != nil {
				return FaceConsentView{}, err
			}
		}
	}
	if err := s.Store.SetFaceConsent(ctx, e.ID, decision); err != nil {
		return FaceConsentView{}, domain.Internal("face consent: %w", err)
	}
	s.Log.InfoContext(ctx, "face comparison decided", "user", who.UserID, "campaign", c.ID, "decision", decision)
	return FaceConsentView{Version: FaceConsentVersion, Text: FaceConsentText, Decision: decision}, nil
}
