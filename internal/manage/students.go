package manage

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zhipai/internal/domain"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// StudentRow is a student as staff lists show them: the ID number masked
// (requirements PS-5).
type StudentRow struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	DocType    string `json:"doc_type"`
	DocMasked  string `json:"doc_masked"`
	StudentNo  string `json:"student_no"`
	ExamNo     string `json:"exam_no"`
	College    string `json:"college"`
	Major      string `json:"major"`
	Class      string `json:"class"`
	Enrolled   bool   `json:"enrolled"`
	State      string `json:"state"`
	StateTitle string `json:"state_title"`
	// Exempt is the reason the school exempted the student (免采).
	Exempt string `json:"exempt,omitempty"`
}

// StudentPage is a page of a campaign's students and how many match.
type StudentPage struct {
	Students []StudentRow `json:"students"`
	Total    int          `json:"total"`
	// Next is the after= of the next page; 0 when this is the last.
	Next int64 `json:"next,omitempty"`
}

func studentRow(st domain.Student) StudentRow {
	r := StudentRow{ID: st.ID, Name: st.Name, DocType: st.DocType, DocMasked: st.DocMasked, StudentNo: st.StudentNo, ExamNo: st.ExamNo,
		College: st.College, Major: st.Major, Class: st.ClassName, Enrolled: st.Enrolled, State: string(st.State), StateTitle: st.State.Title()}
	r.Exempt = st.ExemptReason
	switch {
	case r.State != "":
	case r.Exempt != "":
		r.StateTitle = "免采"
	case st.Enrolled:
		r.StateTitle = "未提交"
	default:
		r.StateTitle = "未登录"
	}
	return r
}

// Code of a vendor's request for a school's personal data without an
// open support access.
const CodeSupportAccess = "manage.support_access_required"

// CodeReason: an action on personal data needs a reason.
const CodeReason = "manage.reason_required"

// campaignIn loads a campaign whose people the caller may list: every
// role of its school (narrowed by the scope in the store), the vendor's
// staff with an open support access.
func (s *Service) campaignIn(ctx context.Context, who staff.Staff, id int64) (domain.Campaign, error) {
	c, err := s.store.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !who.Scope.Vendor && c.SchoolID != who.Scope.SchoolID {
		return c, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return c, domain.Internal("campaign: %w", err)
	}
	if who.Scope.Vendor && !contains(who.Scope.SupportSchools, c.SchoolID) {
		return c, Errors.Fail(CodeSupportAccess, nil)
	}
	return c, nil
}

func contains(list []int64, id int64) bool {
	for _, v := range list {
		if v == id {
			return true
		}
	}
	return false
}

// Students is a page of a campaign's students within the caller's scope.
func (s *Service) Students(ctx context.Context, who staff.Staff, campaignID int64, f domain.StudentFilter) (StudentPage, error) {
	c, err := s.campaignIn(ctx, who, campaignID)
	if err != nil {
		return StudentPage{}, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	f.Query = strings.TrimSpace(f.Query)
	list, total, err := s.store.StudentsIn(ctx, who.Scope, c.ID, f)
	if err != nil {
		return StudentPage{}, domain.Internal("students: %w", err)
	}
	p := StudentPage{Students: make([]StudentRow, 0, len(list)), Total: total}
	for _, st := range list {
		p.Students = append(p.Students, studentRow(st))
	}
	if len(list) == f.Limit {
		p.Next = list[len(list)-1].ID
	}
	return p, nil
}

// Reveal is a student's full ID number, for a role allowed to see it and
// with a reason; its own audited action (requirements PS-5, PS-6).
func (s *Service) Reveal(ctx context.Context, who staff.Staff, rowID int64, reason string, where staff.Where) (string, error) {
	st, school, err := s.store.StudentIn(ctx, who.Scope, rowID)
	if errors.Is(err, store.ErrNotFound) {
		if who.Scope.Vendor {
			return "", Errors.Fail(CodeSupportAccess, nil)
		}
		return "", domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return "", domain.Internal("student: %w", err)
	}
	if !who.User.Role.MayReveal() {
		return "", Errors.Fail(CodeForbidden, nil)
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) < 2 || utf8.RuneCountInString(reason) > 200 {
		return "", Errors.Fail(CodeReason, nil)
	}
	full, err := s.keys.OpenField(st.DocEnc, domain.IndexDocument)
	if err != nil {
		return "", domain.Internal("open document: %w", err)
	}
	if err := s.record(ctx, who, where, school, "person.reveal_id", "roster:"+strconv.FormatInt(rowID, 10), "", st.DocMasked, reason); err != nil {
		return "", err
	}
	return full, nil
}

// SupportAccessTTL is how long a support access stays open.
const SupportAccessTTL = 2 * time.Hour

// OpenSupportAccess opens a vendor staff member's access to a school's
// personal data, with the reason they give, recorded in the school's own
// audit chain (requirements AU-6).
func (s *Service) OpenSupportAccess(ctx context.Context, who staff.Staff, schoolID int64, reason string, where staff.Where) (time.Time, error) {
	if !who.Scope.Vendor {
		return time.Time{}, Errors.Fail(CodeForbidden, nil)
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) < 2 || utf8.RuneCountInString(reason) > 200 {
		return time.Time{}, Errors.Fail(CodeReason, nil)
	}
	sc, err := s.store.School(ctx, schoolID)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return time.Time{}, domain.Internal("school: %w", err)
	}
	until := s.now().Add(SupportAccessTTL)
	if err := s.store.GrantSupportAccess(ctx, who.User.ID, sc.ID, reason, until); err != nil {
		return time.Time{}, domain.Internal("support access: %w", err)
	}
	if err := s.record(ctx, who, where, sc.ID, "support.access", "school:"+strconv.FormatInt(sc.ID, 10), "", "until="+until.UTC().Format(time.RFC3339), reason); err != nil {
		return time.Time{}, err
	}
	return until, nil
}

// CampaignOf loads a campaign whose students the caller may list.
func (s *Service) CampaignOf(ctx context.Context, who staff.Staff, id int64) (domain.Campaign, error) {
	return s.campaignIn(ctx, who, id)
}

// Groups lists the colleges and classes of a campaign's roster within the
// caller's scope (the student list's filters).
func (s *Service) Groups(ctx context.Context, who staff.Staff, campaignID int64) ([]domain.Class, error) {
	c, err := s.campaignIn(ctx, who, campaignID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ClassesIn(ctx, who.Scope, c.ID)
	if err != nil {
		return nil, domain.Internal("classes: %w", err)
	}
	return list, nil
}

// SchoolOf is the caller's school (nothing for the vendor's staff).
func (s *Service) SchoolOf(ctx context.Context, who staff.Staff) (domain.School, error) {
	if who.Scope.Vendor {
		return domain.School{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	sc, err := s.store.School(ctx, who.Scope.SchoolID)
	if err != nil {
		return sc, domain.Internal("school: %w", err)
	}
	return sc, nil
}

// SetExempt marks a student exempt from the collection (免采) with a
// reason, or clears it (reason ""); admins of the school, audited.
func (s *Service) SetExempt(ctx context.Context, who staff.Staff, rowID int64, exempt bool, reason string, where staff.Where) error {
	st, school, err := s.store.StudentIn(ctx, who.Scope, rowID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return domain.Internal("student: %w", err)
	}
	if !who.User.Role.Manages() {
		return Errors.Fail(CodeForbidden, nil)
	}
	reason = strings.TrimSpace(reason)
	if !exempt {
		reason = ""
	} else if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return Errors.Fail(CodeReason, nil)
	}
	if err := s.store.SetExempt(ctx, rowID, reason); err != nil {
		return domain.Internal("exempt: %w", err)
	}
	return s.record(ctx, who, where, school, "person.exempt", "roster:"+strconv.FormatInt(rowID, 10), st.ExemptReason, reason, reason)
}
