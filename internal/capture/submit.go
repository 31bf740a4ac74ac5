package capture

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/store"
)

// SubmissionView is a submission as the student follows it.
type SubmissionView struct {
	ID          int64        `json:"id"`
	UploadID    int64        `json:"upload_id"`
	State       domain.State `json:"state"`
	StateTitle  string       `json:"state_title"`
	Reasons     []ReasonView `json:"reasons"`
	Note        string       `json:"note,omitempty"`
	Deadline    *time.Time   `json:"retake_deadline,omitempty"`
	CanWithdraw bool         `json:"can_withdraw"`
	CanRetake   bool         `json:"can_retake"`
	Locked      bool         `json:"locked"`
	History     []EventView  `json:"history"`
	CreatedAt   time.Time    `json:"created_at"`
}

// ReasonView is a rejection reason with what to do about it.
type ReasonView struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Advice string `json:"advice"`
}

// EventView is a step of the submission's timeline.
type EventView struct {
	State      domain.State `json:"state"`
	StateTitle string       `json:"state_title"`
	At         time.Time    `json:"at"`
}

// Submit sends the caller's newest processed photo to review.
func (s *Service) Submit(ctx context.Context, who domain.Caller, uploadID int64) (SubmissionView, error) {
	u, err := s.ownUpload(ctx, who, uploadID)
	if err != nil {
		return SubmissionView{}, err
	}
	e, err := s.Store.Enrolment(ctx, u.EnrolmentID)
	if err != nil {
		return SubmissionView{}, domain.Internal("enrolment: %w", err)
	}
	_, c, err := s.Enrol.Enrolment(ctx, who, e.CampaignID, true)
	if err != nil {
		return SubmissionView{}, err
	}
	if sub, err := s.Store.LatestSubmission(ctx, e.ID); err == nil && sub.UploadID == u.ID {
		if sub.State == domain.StateWithdrawn {
			return SubmissionView{}, Errors.FailMsg(CodeAlreadySubmitted, "这张照片已撤回，请重新拍摄上传")
		}
		return SubmissionView{}, fail(CodeAlreadySubmitted, nil)
	}
	if err := s.checkNotLocked(ctx, e.ID); err != nil {
		return SubmissionView{}, err
	}
	latest, err := s.Store.LatestUpload(ctx, e.ID)
	if err != nil {
		return SubmissionView{}, domain.Internal("latest upload: %w", err)
	}
	switch {
	case latest.ID != u.ID:
		return SubmissionView{}, fail(CodeNotSuperseded, nil)
	case u.Status == domain.UploadQueued || u.Status == domain.UploadProcessing:
		return SubmissionView{}, fail(CodeNotReady, nil)
	case u.Status == domain.UploadFailed:
		return SubmissionView{}, fail(CodeRefused, nil)
	case u.Blocking:
		return SubmissionView{}, fail(CodeBlocked, nil)
	}
	var id int64
	err = s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		id, err = s.Store.InsertSubmission(ctx, tx, e.ID, u.ID, domain.StatePending, Warnings(u.ReportJSON), domain.AddWorkingDays(s.now(), c.ReviewDays))
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return SubmissionView{}, fail(CodeAlreadySubmitted, nil)
	}
	if err != nil {
		return SubmissionView{}, domain.Internal("submit: %w", err)
	}
	s.Log.InfoContext(ctx, "photo submitted", "user", who.UserID, "submission", id, "upload", u.ID)
	return s.submissionView(ctx, id)
}

// ownSubmission loads a submission of the caller's; anyone else's is not
// found.
func (s *Service) ownSubmission(ctx context.Context, who domain.Caller, id int64) (domain.Submission, error) {
	sub, err := s.Store.Submission(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return sub, domain.Internal("submission: %w", err)
	}
	e, err := s.Store.Enrolment(ctx, sub.EnrolmentID)
	if err != nil {
		return sub, domain.Internal("enrolment: %w", err)
	}
	if e.UserID != who.UserID {
		return domain.Submission{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	return sub, nil
}

// Submission reads one of the caller's submissions.
func (s *Service) Submission(ctx context.Context, who domain.Caller, id int64) (SubmissionView, error) {
	if _, err := s.ownSubmission(ctx, who, id); err != nil {
		return SubmissionView{}, err
	}
	return s.submissionView(ctx, id)
}

// Withdraw takes a submission back; only while it waits for review.
func (s *Service) Withdraw(ctx context.Context, who domain.Caller, id int64) (SubmissionView, error) {
	sub, err := s.ownSubmission(ctx, who, id)
	if err != nil {
		return SubmissionView{}, err
	}
	if domain.CanTransition(sub.State, domain.StateWithdrawn, domain.ActorStudent) != nil {
		return SubmissionView{}, fail(CodeCannotWithdraw, nil)
	}
	err = s.Store.Transition(ctx, id, sub.State, domain.StateWithdrawn, string(domain.ActorStudent), "", "", time.Time{})
	if errors.Is(err, store.ErrConflict) {
		return SubmissionView{}, fail(CodeCannotWithdraw, nil) // a reviewer took it meanwhile
	}
	if err != nil {
		return SubmissionView{}, domain.Internal("withdraw: %w", err)
	}
	return s.submissionView(ctx, id)
}

// Warnings are the reason codes of an upload's warnings, sorted and
// comma-separated: what the reviewer should look at, and what keeps a
// submission out of batch approval.
func Warnings(reportJSON string) string {
	var rep struct {
		Findings []photo.Finding `json:"findings"`
	}
	if json.Unmarshal([]byte(reportJSON), &rep) != nil {
		return "R99" // an unreadable report is not a clean one
	}
	var codes []string
	for _, f := range rep.Findings {
		if f.Severity == domain.SeverityWarn && !slices.Contains(codes, string(f.Reason)) {
			codes = append(codes, string(f.Reason))
		}
	}
	slices.Sort(codes)
	return strings.Join(codes, ",")
}

func (s *Service) submissionView(ctx context.Context, id int64) (SubmissionView, error) {
	sub, err := s.Store.Submission(ctx, id)
	if err != nil {
		return SubmissionView{}, domain.Internal("submission: %w", err)
	}
	st := sub.State
	v := SubmissionView{ID: sub.ID, UploadID: sub.UploadID, State: sub.State, StateTitle: st.Title(), Reasons: []ReasonView{}, Note: sub.Note,
		CanWithdraw: domain.CanTransition(st, domain.StateWithdrawn, domain.ActorStudent) == nil, Locked: st.Final(), History: []EventView{},
		CreatedAt: sub.CreatedAt}
	if sub.Reasons != "" {
		c, err := s.Store.CampaignOfSubmission(ctx, id)
		if err != nil {
			return SubmissionView{}, domain.Internal("campaign: %w", err)
		}
		for _, code := range strings.Split(sub.Reasons, ",") {
			if r := domain.Reason(strings.TrimSpace(code)); r.Valid() {
				text, _ := c.ReasonText(r) // the campaign's own words for it, if it chose
				v.Reasons = append(v.Reasons, ReasonView{Code: string(r), Title: r.Title(), Advice: text})
			}
		}
	}
	if !sub.Deadline.IsZero() {
		d := sub.Deadline
		v.Deadline = &d
	}
	v.CanRetake = st == domain.StateWithdrawn || st == domain.StateRejected && (sub.Deadline.IsZero() || s.now().Before(sub.Deadline))
	events, err := s.Store.Events(ctx, id)
	if err != nil {
		return SubmissionView{}, domain.Internal("events: %w", err)
	}
	for _, e := range events {
		v.History = append(v.History, EventView{State: e.To, StateTitle: e.To.Title(), At: e.At})
	}
	return v, nil
}

// Status is everything the student's pages show about one campaign: where
// they are in the five steps, and what happened to their photo.
type Status struct {
	Campaign    enrol.CampaignView  `json:"campaign"`
	Joined      bool                `json:"joined"`
	Step        domain.Step         `json:"step"`
	Consent     enrol.ConsentView   `json:"consent"`
	Identity    *enrol.IdentityView `json:"identity,omitempty"`
	IDImages    IDImagesView        `json:"id_images"`
	Record      *enrol.RecordView   `json:"record,omitempty"`
	Confirmed   bool                `json:"confirmed"`
	Upload      *UploadView         `json:"upload,omitempty"`
	Submission  *SubmissionView     `json:"submission,omitempty"`
	UploadsLeft int                 `json:"uploads_left"`
	// FaceConsent is the decision on the face comparison: "" (not asked
	// yet: GET face-consent shows the text), agreed or refused.
	FaceConsent string `json:"face_consent"`
}

// IDImagesView says which document photos are in.
type IDImagesView struct {
	Required bool `json:"required"`
	Front    bool `json:"front"`
	Back     bool `json:"back"`
	NeedBack bool `json:"need_back"`
}

// Status reports the caller's progress in a campaign.
func (s *Service) Status(ctx context.Context, who domain.Caller, campaignID int64) (Status, error) {
	c, err := s.Enrol.Load(ctx, campaignID)
	if err != nil {
		return Status{}, err
	}
	st := Status{Campaign: s.Enrol.View(c), Step: domain.StepJoin}
	st.Consent.Version = c.ConsentVersion
	es, err := s.Store.StudentStateOf(ctx, who.UserID, c.ID, c.ConsentVersion)
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, domain.Internal("enrolment: %w", err)
	}
	e := es.Enrolment
	st.Joined, st.FaceConsent, st.Consent.Accepted = true, e.FaceConsent, es.Consented
	if e.DocType != "" {
		t, _ := idnumber.ParseType(e.DocType)
		st.Identity = &enrol.IdentityView{Name: e.Name, DocType: e.DocType, DocTitle: t.Title(), DocMasked: e.DocMasked}
	}
	st.IDImages = IDImagesView{Required: c.RequireIDImages, Front: e.IDFrontBlob != "", Back: e.IDBackBlob != "", NeedBack: enrol.NeedsBack(e.DocType)}
	if e.RosterRowID != 0 {
		r, err := s.Enrol.Record(ctx, c, e.RosterRowID)
		if err != nil {
			return st, err
		}
		st.Record = &r
	}
	st.Confirmed = !e.ConfirmedAt.IsZero()
	st.UploadsLeft = max(0, c.MaxUploads-es.UploadsUsed)
	if es.LastUpload != 0 {
		u, err := s.Store.Upload(ctx, es.LastUpload)
		if err != nil {
			return st, domain.Internal("upload: %w", err)
		}
		v := s.uploadView(ctx, u)
		st.Upload = &v
	}
	if es.LastSubmit != 0 {
		v, err := s.submissionView(ctx, es.LastSubmit)
		if err != nil {
			return st, err
		}
		st.Submission = &v
		if st.Upload != nil && st.Upload.ID == v.UploadID {
			st.Upload.CanSubmit = false // submitted already, whatever became of it
		}
	}
	imagesDone := !c.RequireIDImages || st.IDImages.Front && (st.IDImages.Back || !st.IDImages.NeedBack)
	p := domain.Progress{Joined: true, ConsentAccepted: st.Consent.Accepted, HasIdentity: st.Identity != nil, IDImagesDone: imagesDone,
		Matched: e.RosterRowID != 0, Confirmed: st.Confirmed}
	if st.Submission != nil {
		p.Submission = st.Submission.State
	}
	st.Step = domain.StepOf(p)
	return st, nil
}

// MyCampaigns lists the campaigns the caller joined, with their status.
func (s *Service) MyCampaigns(ctx context.Context, who domain.Caller) ([]Status, error) {
	list, err := s.Store.EnrolmentsOf(ctx, who.UserID)
	if err != nil {
		return nil, domain.Internal("enrolments: %w", err)
	}
	out := make([]Status, 0, len(list))
	for _, e := range list {
		st, err := s.Status(ctx, who, e.CampaignID)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}
