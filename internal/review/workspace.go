package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/photo"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// QueueRow is a waiting submission as the queue lists it.
type QueueRow struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	StudentNo  string    `json:"student_no"`
	College    string    `json:"college"`
	Class      string    `json:"class"`
	State      string    `json:"state"`
	Findings   []string  `json:"findings"` // reason codes the automatic checks warned of
	SubmitAt   time.Time `json:"submitted_at"`
	DueAt      time.Time `json:"due_at"`
	Overdue    bool      `json:"overdue"`
	ClaimedBy  int64     `json:"claimed_by,omitempty"` // someone holds it now
	ClaimUntil time.Time `json:"claimed_until,omitzero"`
}

// QueuePage is a page of the queue with the counts of the filter.
type QueuePage struct {
	Items  []QueueRow     `json:"items"`
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"` // waiting items by findings: none, warn, R01...
	Next   int64          `json:"next,omitempty"`
}

func split(list string) []string {
	if list == "" {
		return []string{}
	}
	return strings.Split(list, ",")
}

// Queue is a page of the caller's queue.
func (s *Service) Queue(ctx context.Context, who staff.Staff, f domain.QueueFilter) (QueuePage, error) {
	if !who.User.Role.Reviews() && who.User.Role != domain.RoleCounsellor && who.User.Role != domain.RoleCollegeAdmin {
		return QueuePage{}, fail(CodeForbidden, nil)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if err := s.stage(ctx, who, &f); err != nil {
		return QueuePage{}, err
	}
	items, err := s.store.ReviewQueue(ctx, who.Scope, f)
	if err != nil {
		return QueuePage{}, domain.Internal("queue: %w", err)
	}
	counts, err := s.store.QueueCounts(ctx, who.Scope, f)
	if err != nil {
		return QueuePage{}, domain.Internal("queue counts: %w", err)
	}
	total := counts["none"] + counts["warn"] // every finding
	if f.Findings != "" {
		total = counts[f.Findings]
	}
	now := s.now()
	p := QueuePage{Items: make([]QueueRow, 0, len(items)), Total: total, Counts: counts}
	for _, it := range items {
		r := QueueRow{ID: it.ID, Name: it.Student.Name, StudentNo: it.Student.StudentNo, College: it.Student.College, Class: it.Student.ClassName,
			State: string(it.State), Findings: split(it.Findings), SubmitAt: it.CreatedAt, DueAt: it.DueAt, Overdue: !it.DueAt.IsZero() && now.After(it.DueAt)}
		if it.ClaimedUntil.After(now) && it.ClaimedBy != who.User.ID {
			r.ClaimedBy, r.ClaimUntil = it.ClaimedBy, it.ClaimedUntil
		}
		p.Items = append(p.Items, r)
	}
	if len(items) == f.Limit {
		p.Next = items[len(items)-1].ID
	}
	return p, nil
}

// FindingView is an automatic check's finding with its measure and limit.
type FindingView struct {
	Reason    string  `json:"reason"`
	Title     string  `json:"title"`
	Severity  string  `json:"severity"`
	Message   string  `json:"message"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
}

// ReasonOption is a reason the campaign uses, offered to the reviewer.
type ReasonOption struct {
	Code  string `json:"code"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Suggested: an automatic check found it.
	Suggested bool `json:"suggested"`
}

// ItemView is a submission opened for review.
type ItemView struct {
	ID         int64          `json:"id"`
	State      string         `json:"state"`
	Campaign   string         `json:"campaign"`
	Name       string         `json:"name"`
	DocMasked  string         `json:"doc_masked"`
	StudentNo  string         `json:"student_no"`
	ExamNo     string         `json:"exam_no"`
	College    string         `json:"college"`
	Major      string         `json:"major"`
	Class      string         `json:"class"`
	SubmitAt   time.Time      `json:"submitted_at"`
	DueAt      time.Time      `json:"due_at"`
	ClaimUntil time.Time      `json:"claimed_until"`
	Findings   []FindingView  `json:"findings"`
	Reasons    []ReasonOption `json:"reasons"`
	// HasIDCard: the ID card's portrait side may be shown (audited).
	HasIDCard bool `json:"has_id_card"`
	// Previous is the student's last rejected submission, if any.
	Previous *PreviousView `json:"previous,omitempty"`
	// FirstPass is the first-level verdict of a two-level review.
	FirstPass *FirstPassView `json:"first_pass,omitempty"`
	// Sample is "drawn" for an approval drawn for a second look.
	Sample string `json:"sample,omitempty"`
}

// FirstPassView is the vendor's first-pass verdict, for the school's
// reviewer who decides.
type FirstPassView struct {
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	By      string   `json:"by"`
}

// PreviousView is an earlier rejection.
type PreviousView struct {
	ID      int64    `json:"id"`
	Reasons []string `json:"reasons"`
	Note    string   `json:"note,omitempty"`
}

// Open claims a submission for the caller (released by a decision, a
// skip, or ClaimFor later) and shows it; the view is audited.
func (s *Service) Open(ctx context.Context, who staff.Staff, id int64, where staff.Where) (ItemView, error) {
	if !who.User.Role.Reviews() {
		return ItemView{}, fail(CodeForbidden, nil)
	}
	it, err := s.store.ReviewItem(ctx, who.Scope, id)
	if errors.Is(err, store.ErrNotFound) {
		return ItemView{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return ItemView{}, domain.Internal("review item: %w", err)
	}
	if it.State == domain.StatePending || it.State == domain.StateInReview {
		ok, err := s.store.Claim(ctx, id, who.User.ID, s.now().Add(s.cfg.ClaimFor))
		if err != nil {
			return ItemView{}, domain.Internal("claim: %w", err)
		}
		if !ok {
			return ItemView{}, fail(CodeClaimed, nil)
		}
		it.ClaimedUntil = s.now().Add(s.cfg.ClaimFor)
	}
	if err := s.record(ctx, who, where, it.SchoolID, "review.open", id, "", ""); err != nil {
		return ItemView{}, err
	}
	return s.view(ctx, it)
}

// Next claims the first waiting item of the filter nobody holds and opens
// it; found is false when the queue is empty.
func (s *Service) Next(ctx context.Context, who staff.Staff, f domain.QueueFilter, where staff.Where) (ItemView, bool, error) {
	if !who.User.Role.Reviews() {
		return ItemView{}, false, fail(CodeForbidden, nil)
	}
	if err := s.stage(ctx, who, &f); err != nil {
		return ItemView{}, false, err
	}
	id, err := s.store.ClaimNext(ctx, who.Scope, f, who.User.ID, s.now().Add(s.cfg.ClaimFor))
	if err != nil {
		return ItemView{}, false, domain.Internal("claim next: %w", err)
	}
	if id == 0 {
		return ItemView{}, false, nil
	}
	v, err := s.Open(ctx, who, id, where)
	return v, err == nil, err
}

func (s *Service) view(ctx context.Context, it domain.ReviewItem) (ItemView, error) {
	c, err := s.store.Campaign(ctx, it.CampaignID)
	if err != nil {
		return ItemView{}, domain.Internal("campaign: %w", err)
	}
	u, err := s.store.Upload(ctx, it.UploadID)
	if err != nil {
		return ItemView{}, domain.Internal("upload: %w", err)
	}
	e, err := s.store.Enrolment(ctx, it.EnrolmentID)
	if err != nil {
		return ItemView{}, domain.Internal("enrolment: %w", err)
	}
	v := ItemView{ID: it.ID, State: string(it.State), Campaign: c.Name, Name: it.Student.Name, DocMasked: it.Student.DocMasked, StudentNo: it.Student.StudentNo,
		ExamNo: it.Student.ExamNo, College: it.Student.College, Major: it.Student.Major, Class: it.Student.ClassName, SubmitAt: it.CreatedAt, DueAt: it.DueAt,
		ClaimUntil: it.ClaimedUntil, Findings: []FindingView{}, HasIDCard: e.IDFrontBlob != ""}
	var rep struct {
		Findings []photo.Finding `json:"findings"`
	}
	json.Unmarshal([]byte(u.ReportJSON), &rep)
	suggested := map[domain.Reason]bool{}
	for _, f := range rep.Findings {
		if f.Severity == domain.SeverityInfo {
			continue
		}
		v.Findings = append(v.Findings, FindingView{Reason: string(f.Reason), Title: f.Reason.Title(), Severity: string(f.Severity), Message: f.Message,
			Value: f.Value, Threshold: f.Threshold})
		suggested[f.Reason] = true
	}
	for _, r := range c.ReasonsInUse() {
		v.Reasons = append(v.Reasons, ReasonOption{Code: string(r.Code), Title: r.Code.Title(), Text: r.Text, Suggested: suggested[r.Code]})
	}
	if it.FirstVerdict != "" {
		fp := &FirstPassView{Verdict: it.FirstVerdict, Reasons: split(it.FirstReasons)}
		if u, err := s.store.Staff(ctx, it.FirstBy); err == nil {
			fp.By = u.Name
		}
		v.FirstPass = fp
	}
	v.Sample = it.Sample
	if prev, err := s.store.PreviousRejected(ctx, it.EnrolmentID, it.ID); err == nil {
		v.Previous = &PreviousView{ID: prev.ID, Reasons: split(prev.Reasons), Note: prev.Note}
	} else if !errors.Is(err, store.ErrNotFound) {
		return ItemView{}, domain.Internal("previous: %w", err)
	}
	return v, nil
}

// firstLevel reports whether the caller's verdicts on the campaign are a
// first pass: the vendor's reviewers, where the school reviews last.
func firstLevel(who staff.Staff, c domain.Campaign) bool {
	return c.SecondReview && who.User.Role == domain.RoleVendorReviewer
}

// stage narrows a first-level reviewer's queue to the items without a
// first pass.
func (s *Service) stage(ctx context.Context, who staff.Staff, f *domain.QueueFilter) error {
	if who.User.Role != domain.RoleVendorReviewer || f.CampaignID == 0 {
		return nil
	}
	c, err := s.store.Campaign(ctx, f.CampaignID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // an empty queue
	} else if err != nil {
		return domain.Internal("campaign: %w", err)
	}
	if c.SecondReview {
		f.Stage = "first"
	}
	return nil
}

// Skip releases the caller's claim on an item.
func (s *Service) Skip(ctx context.Context, who staff.Staff, id int64) error {
	if !who.User.Role.Reviews() {
		return fail(CodeForbidden, nil)
	}
	if err := s.store.Release(ctx, id, who.User.ID); err != nil {
		return domain.Internal("release: %w", err)
	}
	return nil
}

// Decision is a reviewer's verdict.
type Decision struct {
	Approve bool     `json:"approve"`
	Reasons []string `json:"reasons"`
	Note    string   `json:"note"`
}

// DecideAs approves, or rejects with at least one of the campaign's
// reasons and a retake deadline, an item the caller holds; approval locks
// the photo. Audited with the states before and after.
func (s *Service) DecideAs(ctx context.Context, who staff.Staff, id int64, d Decision, where staff.Where) (domain.State, error) {
	if !who.User.Role.Reviews() {
		return "", fail(CodeForbidden, nil)
	}
	it, err := s.store.ReviewItem(ctx, who.Scope, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return "", domain.Internal("review item: %w", err)
	}
	c, err := s.store.Campaign(ctx, it.CampaignID)
	if err != nil {
		return "", domain.Internal("campaign: %w", err)
	}
	to := domain.StateApproved
	var codes []string
	var retake time.Time
	if !d.Approve {
		to = domain.StateRejected
		if codes, err = rejectionCodes(c, d.Reasons); err != nil {
			return "", err
		}
		retake = s.now().Add(s.cfg.RetakeWindow)
	}
	if utf8.RuneCountInString(d.Note) > 500 {
		return "", Errors.FailMsg(CodeReviewReason, "备注最多 500 个字。")
	}
	if err := domain.CanTransition(it.State, to, domain.ActorReviewer); err != nil {
		return "", Errors.FailMsg(CodeReviewState, "这张照片当前为"+it.State.Title()+"，不能改为"+to.Title()+"。")
	}
	if firstLevel(who, c) {
		// A first pass: the school's reviewer decides.
		err := s.store.FirstPass(ctx, id, who.User.ID, to, strings.Join(codes, ","))
		if errors.Is(err, store.ErrConflict) {
			return "", Errors.FailMsg(CodeClaimLost, "这张照片已有初审结论或锁定已超时，请处理下一张。")
		} else if err != nil {
			return "", domain.Internal("first pass: %w", err)
		}
		if err := s.record(ctx, who, where, it.SchoolID, "review.first_pass", id, string(it.State), string(to)+" "+strings.Join(codes, ",")); err != nil {
			return "", err
		}
		return it.State, nil
	}
	sample := to == domain.StateApproved && c.SamplePercent > 0 && rand.IntN(100) < c.SamplePercent
	err = s.store.Decide(ctx, id, who.User.ID, it.State, to, "reviewer:"+who.User.Login, strings.Join(codes, ","), strings.TrimSpace(d.Note), retake, sample)
	if errors.Is(err, store.ErrConflict) {
		return "", fail(CodeClaimLost, nil)
	}
	if err != nil {
		return "", domain.Internal("decide: %w", err)
	}
	if err := s.record(ctx, who, where, it.SchoolID, "review."+string(to), id, string(it.State), string(to)+" "+strings.Join(codes, ",")); err != nil {
		return "", err
	}
	return to, nil
}

// BatchApprove approves the given waiting items whose automatic checks
// passed cleanly and that nobody else holds; the rest are left as they
// are. It returns the ids approved.
func (s *Service) BatchApprove(ctx context.Context, who staff.Staff, ids []int64, where staff.Where) ([]int64, error) {
	return s.eachItem(ctx, who, ids, func(it domain.ReviewItem) (bool, error) {
		if it.Findings != "" || it.State != domain.StatePending {
			return false, nil
		}
		ok, err := s.store.Claim(ctx, it.ID, who.User.ID, s.now().Add(time.Minute))
		if err != nil {
			return false, domain.Internal("claim: %w", err)
		}
		if !ok {
			return false, nil
		}
		if _, err := s.DecideAs(ctx, who, it.ID, Decision{Approve: true}, where); err != nil {
			if domain.Public(err).Code == CodeClaimLost {
				return false, nil
			}
			return false, err
		}
		return true, nil
	})
}

// eachItem runs fn on each of a reviewer's chosen items in their scope (at
// most 500; those gone from it are skipped) and returns the ids fn acted
// on, up to the first error.
func (s *Service) eachItem(ctx context.Context, who staff.Staff, ids []int64, fn func(domain.ReviewItem) (bool, error)) ([]int64, error) {
	if !who.User.Role.Reviews() {
		return nil, fail(CodeForbidden, nil)
	}
	done := []int64{}
	for _, id := range ids[:min(len(ids), 500)] {
		it, err := s.store.ReviewItem(ctx, who.Scope, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return done, domain.Internal("review item: %w", err)
		}
		acted, err := fn(it)
		if err != nil {
			return done, err
		}
		if acted {
			done = append(done, id)
		}
	}
	return done, nil
}

// Unlock reopens an approved (locked) photo for a retake: an admin's act
// with a reason, which the student reads as the note of a rejection (R99)
// with a new retake deadline. Audited with the reason.
func (s *Service) Unlock(ctx context.Context, who staff.Staff, id int64, reason string, where staff.Where) error {
	if !who.User.Role.Manages() {
		return fail(CodeForbidden, nil)
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return Errors.FailMsg(CodeReviewReason, "解锁须填写原因（2-200 个字），学生会看到它。")
	}
	it, err := s.store.ReviewItem(ctx, who.Scope, id)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return domain.Internal("review item: %w", err)
	}
	if err := domain.CanTransition(it.State, domain.StateRejected, domain.ActorAdmin); err != nil {
		return Errors.FailMsg(CodeReviewState, "只有已通过的照片需要解锁；这张当前为"+it.State.Title()+"。")
	}
	err = s.store.Transition(ctx, id, domain.StateApproved, domain.StateRejected, "admin:"+who.User.Login, string(domain.ReasonOther), reason, s.now().Add(s.cfg.RetakeWindow))
	if errors.Is(err, store.ErrConflict) {
		return fail(CodeClaimLost, nil)
	} else if err != nil {
		return domain.Internal("unlock: %w", err)
	}
	if _, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: it.SchoolID, ActorID: who.User.ID, ActorRole: string(who.User.Role), IP: where.IP, UA: where.UA,
		Action: "review.unlock", Target: "submission:" + strconv.FormatInt(id, 10), Before: string(domain.StateApproved), After: string(domain.StateRejected), Reason: reason}); err != nil {
		return domain.Internal("audit: %w", err)
	}
	return nil
}

// Image kinds of a review item.
const (
	ImageResult   = "result"
	ImageOriginal = "original"
	ImageIDCard   = "idcard"
	// ImageIDPortrait is the portrait region of the ID card's front (the
	// whole card when it cannot be found again).
	ImageIDPortrait = "idcard_portrait"
)

// Image is one of an item's images: the standardized photo, the original
// upload or the ID card's portrait side (those two audited as views of
// personal data).
func (s *Service) Image(ctx context.Context, who staff.Staff, id int64, kind string, where staff.Where) ([]byte, error) {
	if !who.User.Role.Reviews() && who.User.Role != domain.RoleCounsellor && who.User.Role != domain.RoleCollegeAdmin {
		return nil, fail(CodeForbidden, nil)
	}
	it, err := s.store.ReviewItem(ctx, who.Scope, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return nil, domain.Internal("review item: %w", err)
	}
	u, err := s.store.Upload(ctx, it.UploadID)
	if err != nil {
		return nil, domain.Internal("upload: %w", err)
	}
	var key string
	switch kind {
	case ImageResult:
		key = u.ResultBlob
	case ImageOriginal:
		if !who.User.Role.Reviews() {
			return nil, fail(CodeForbidden, nil)
		}
		key = u.OriginalBlob
	case ImageIDCard, ImageIDPortrait:
		if !who.User.Role.Reviews() {
			return nil, fail(CodeForbidden, nil)
		}
		e, err := s.store.Enrolment(ctx, it.EnrolmentID)
		if err != nil {
			return nil, domain.Internal("enrolment: %w", err)
		}
		key = e.IDFrontBlob
	}
	if key == "" {
		return nil, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if kind != ImageResult {
		if err := s.record(ctx, who, where, it.SchoolID, "photo.view_"+kind, id, "", ""); err != nil {
			return nil, err
		}
	}
	b, err := blob.Get(ctx, s.blob, key)
	if err != nil {
		return nil, domain.Internal("image: %w", err)
	}
	if kind == ImageIDPortrait {
		if s.portraits == nil {
			return b, nil
		}
		crop, found, err := s.portraits.CardPortrait(ctx, b)
		if err != nil {
			return nil, domain.Internal("card portrait: %w", err)
		}
		if found {
			return crop, nil
		}
	}
	return b, nil
}

// Portraits cuts the portrait region from an ID card's photo (the
// engine).
type Portraits interface {
	CardPortrait(ctx context.Context, data []byte) ([]byte, bool, error)
}

// SetPortraits installs the cutter (at composition); without one the
// whole card is shown.
func (s *Service) SetPortraits(p Portraits) { s.portraits = p }

func (s *Service) record(ctx context.Context, who staff.Staff, where staff.Where, tenant int64, action string, id int64, before, after string) error {
	if _, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: tenant, ActorID: who.User.ID, ActorRole: string(who.User.Role), IP: where.IP, UA: where.UA,
		Action: action, Target: "submission:" + strconv.FormatInt(id, 10), Before: before, After: after}); err != nil {
		return domain.Internal("audit: %w", fmt.Errorf("%s: %w", action, err))
	}
	return nil
}

// Undo takes back the caller's own approvals of the last UndoWindow (a
// batch approved by mistake): each photo waits for review again and the
// student, whose approval notice was still held back, hears nothing. It
// returns the ids taken back; the rest (older, exported, moved) stay.
func (s *Service) Undo(ctx context.Context, who staff.Staff, ids []int64, where staff.Where) ([]int64, error) {
	since := s.now().Add(-s.cfg.UndoWindow)
	return s.eachItem(ctx, who, ids, func(it domain.ReviewItem) (bool, error) {
		err := s.store.UndoApproval(ctx, it.ID, who.User.ID, since, "reviewer:"+who.User.Login)
		if errors.Is(err, store.ErrConflict) {
			return false, nil
		} else if err != nil {
			return false, domain.Internal("undo: %w", err)
		}
		return true, s.record(ctx, who, where, it.SchoolID, "review.undo", it.ID, string(domain.StateApproved), string(domain.StatePending))
	})
}

// Sample settles an approval drawn for a second look: kept, or
// overturned (with reasons, as a rejection the student retakes), which
// counts against the reviewer who approved it. The school's reviewers and
// admins only, never on their own approval. Audited.
func (s *Service) Sample(ctx context.Context, who staff.Staff, id int64, d Decision, where staff.Where) error {
	switch who.User.Role {
	case domain.RoleSchoolAdmin, domain.RoleSchoolReviewer, domain.RolePlatformAdmin:
	default:
		return fail(CodeForbidden, nil)
	}
	it, err := s.store.ReviewItem(ctx, who.Scope, id)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return domain.Internal("review item: %w", err)
	}
	if it.DecidedBy == who.User.ID {
		return Errors.FailMsg(CodeForbidden, "抽检不能检查自己通过的照片，请换一位审核员。")
	}
	c, err := s.store.Campaign(ctx, it.CampaignID)
	if err != nil {
		return domain.Internal("campaign: %w", err)
	}
	var codes []string
	if !d.Approve {
		if codes, err = rejectionCodes(c, d.Reasons); err != nil {
			return err
		}
	}
	err = s.store.SampleCheck(ctx, id, d.Approve, "sampler:"+who.User.Login, strings.Join(codes, ","), strings.TrimSpace(d.Note), s.now().Add(s.cfg.RetakeWindow))
	if errors.Is(err, store.ErrConflict) {
		return Errors.FailMsg(CodeReviewState, "这张照片不在待抽检之列（未被抽中、已检查或已导出）。")
	} else if err != nil {
		return domain.Internal("sample: %w", err)
	}
	after := "ok"
	if !d.Approve {
		after = "reversed " + strings.Join(codes, ",")
	}
	return s.record(ctx, who, where, it.SchoolID, "review.sample", id, string(it.State), after)
}

// ReviewerStats is each reviewer's throughput and reversal rate.
type ReviewerStats struct {
	Login       string  `json:"login"`
	Name        string  `json:"name"`
	Approved    int     `json:"approved"`
	Rejected    int     `json:"rejected"`
	FirstPasses int     `json:"first_passes"`
	PerHour     float64 `json:"per_hour"`
	Reversed    int     `json:"reversed"`
	// ReversalRate is the share of their decisions a later look (the
	// school's final review, a sample check) overturned.
	ReversalRate float64 `json:"reversal_rate"`
	Sampled      int     `json:"sampled"`
}

// Stats is the reviewers' work in the caller's scope over the last days.
func (s *Service) Stats(ctx context.Context, who staff.Staff, campaignID int64, days int) ([]ReviewerStats, error) {
	if !who.User.Role.Reviews() {
		return nil, fail(CodeForbidden, nil)
	}
	if days <= 0 || days > 90 {
		days = 7
	}
	rows, err := s.store.ReviewStats(ctx, who.Scope, campaignID, s.now().AddDate(0, 0, -days))
	if err != nil {
		return nil, domain.Internal("stats: %w", err)
	}
	out := make([]ReviewerStats, 0, len(rows))
	for _, r := range rows {
		n := r.Approved + r.Rejected + r.FirstPasses
		st := ReviewerStats{Login: r.Login, Name: r.Name, Approved: r.Approved, Rejected: r.Rejected, FirstPasses: r.FirstPasses, Reversed: r.Reversed, Sampled: r.Sampled}
		if r.ActiveHours > 0 {
			st.PerHour = float64(n) / float64(r.ActiveHours)
		}
		if n > 0 {
			st.ReversalRate = float64(r.Reversed) / float64(n)
		}
		out = append(out, st)
	}
	return out, nil
}

// UndoUntil is until when approvals made now may be taken back.
func (s *Service) UndoUntil() time.Time { return s.now().Add(s.cfg.UndoWindow) }

// reasonCodes are reason codes as the campaign uses them: trimmed,
// upper-case, each once; a code the campaign has not enabled is refused
// by name.
func reasonCodes(c domain.Campaign, reasons []string) ([]string, error) {
	var codes []string
	for _, r := range reasons {
		r = strings.ToUpper(strings.TrimSpace(r))
		if r == "" || slices.Contains(codes, r) {
			continue
		}
		if _, inUse := c.ReasonText(domain.Reason(r)); !inUse || !domain.Reason(r).Valid() {
			return nil, Errors.FailMsg(CodeReviewReason, "本批次没有启用原因代码 "+r+"。")
		}
		codes = append(codes, r)
	}
	return codes, nil
}

// rejectionCodes are reasonCodes, of which a rejection needs one at least.
func rejectionCodes(c domain.Campaign, reasons []string) ([]string, error) {
	codes, err := reasonCodes(c, reasons)
	if err == nil && len(codes) == 0 {
		err = fail(CodeReviewReason, nil)
	}
	return codes, err
}
