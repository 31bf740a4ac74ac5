package manage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// CodeStaffClass: classes go to counsellors only, and must be on the
// school's rosters.
const CodeStaffClass = "manage.class_invalid"

// StaffRow is a staff account as the console lists it.
type StaffRow struct {
	ID        int64     `json:"id"`
	Login     string    `json:"login"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	RoleTitle string    `json:"role_title"`
	SchoolID  int64     `json:"school_id,omitempty"`
	College   string    `json:"college,omitempty"`
	Classes   []string  `json:"classes,omitempty"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// StaffList lists the accounts the caller manages: a school admin their
// school's, the platform admin everyone's.
func (s *Service) StaffList(ctx context.Context, who staff.Staff) ([]StaffRow, error) {
	if !who.User.Role.Manages() {
		return nil, Errors.Fail(CodeForbidden, nil)
	}
	list, classes, err := s.store.StaffIn(ctx, who.Scope)
	if err != nil {
		return nil, domain.Internal("staff: %w", err)
	}
	out := make([]StaffRow, 0, len(list))
	for _, u := range list {
		out = append(out, StaffRow{ID: u.ID, Login: u.Login, Name: u.Name, Role: string(u.Role), RoleTitle: u.Role.Title(), SchoolID: u.SchoolID,
			College: u.College, Classes: classes[u.ID], Disabled: !u.DisabledAt.IsZero(), CreatedAt: u.CreatedAt})
	}
	return out, nil
}

// CreateStaff makes an account for the caller's school (staff.Create
// checks who may create whom); the one-time password and TOTP enrolment
// are shown once.
func (s *Service) CreateStaff(ctx context.Context, who staff.Staff, in staff.CreateInput, where staff.Where) (staff.NewAccount, error) {
	if !who.Scope.Vendor {
		in.SchoolID = who.Scope.SchoolID
	}
	in.Password, in.TOTPSecret = "", "" // only the demo seed chooses these
	if err := s.checkClasses(ctx, in.SchoolID, in.Role, in.Classes); err != nil {
		return staff.NewAccount{}, err
	}
	return s.staff.Create(ctx, &who.User, in, where)
}

// managed loads an account the caller manages.
func (s *Service) managed(ctx context.Context, who staff.Staff, id int64) (domain.StaffUser, error) {
	u, err := s.store.Staff(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !who.Scope.Vendor && u.SchoolID != who.Scope.SchoolID {
		return u, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return u, domain.Internal("staff: %w", err)
	}
	if !who.User.Role.Manages() || u.ID == who.User.ID || who.User.Role == domain.RoleSchoolAdmin && (u.Role == domain.RoleSchoolAdmin || u.Role.Vendor()) {
		return u, Errors.Fail(CodeForbidden, nil)
	}
	return u, nil
}

func (s *Service) checkClasses(ctx context.Context, schoolID int64, role domain.Role, classes []string) error {
	if len(classes) == 0 {
		return nil
	}
	if role != domain.RoleCounsellor {
		return Errors.Fail(CodeStaffClass, nil)
	}
	known, err := s.store.ClassesOf(ctx, schoolID)
	if err != nil {
		return domain.Internal("classes: %w", err)
	}
	have := map[string]bool{}
	for _, k := range known {
		have[k.Name] = true
	}
	for _, k := range classes {
		if !have[k] {
			return Errors.FailMsg(CodeStaffClass, "本校名单中没有班级“"+k+"”，请先导入名单。")
		}
	}
	return nil
}

// SetClasses replaces a counsellor's classes; audited.
func (s *Service) SetClasses(ctx context.Context, who staff.Staff, id int64, classes []string, where staff.Where) error {
	u, err := s.managed(ctx, who, id)
	if err != nil {
		return err
	}
	clean := []string{}
	for _, k := range classes {
		if k = strings.TrimSpace(k); k != "" {
			clean = append(clean, k)
		}
	}
	if u.Role != domain.RoleCounsellor {
		return Errors.Fail(CodeStaffClass, nil)
	}
	if err := s.checkClasses(ctx, u.SchoolID, u.Role, clean); err != nil {
		return err
	}
	before, err := s.store.StaffClasses(ctx, id)
	if err != nil {
		return domain.Internal("classes: %w", err)
	}
	if err := s.store.SetStaffClasses(ctx, id, clean); err != nil {
		return domain.Internal("classes: %w", err)
	}
	return s.record(ctx, who, where, u.SchoolID, "staff.classes", "staff:"+strconv.FormatInt(id, 10), strings.Join(before, "|"), strings.Join(clean, "|"), "")
}

// SetDisabled disables an account (ending its sessions) or enables it
// again; audited.
func (s *Service) SetDisabled(ctx context.Context, who staff.Staff, id int64, disabled bool, where staff.Where) error {
	u, err := s.managed(ctx, who, id)
	if err != nil {
		return err
	}
	if err := s.store.SetStaffDisabled(ctx, id, disabled); err != nil {
		return domain.Internal("staff: %w", err)
	}
	return s.record(ctx, who, where, u.SchoolID, "staff.disable", "staff:"+strconv.FormatInt(id, 10),
		fmt.Sprintf("disabled=%v", !u.DisabledAt.IsZero()), fmt.Sprintf("disabled=%v", disabled), "")
}

// Classes lists the classes of the caller's school's rosters.
func (s *Service) Classes(ctx context.Context, who staff.Staff, schoolID int64) ([]domain.Class, error) {
	if !who.Scope.Vendor {
		schoolID = who.Scope.SchoolID
	}
	if !who.User.Role.Manages() {
		return nil, Errors.Fail(CodeForbidden, nil)
	}
	list, err := s.store.ClassesOf(ctx, schoolID)
	if err != nil {
		return nil, domain.Internal("classes: %w", err)
	}
	return list, nil
}

// SetIPAllow replaces the staff IP allow-list of the caller's school (its
// admin; the platform admin names any school). A list that would lock out
// the caller's own address is refused. Audited.
func (s *Service) SetIPAllow(ctx context.Context, who staff.Staff, schoolID int64, list string, where staff.Where) (string, error) {
	if !who.User.Role.Manages() {
		return "", Errors.Fail(CodeForbidden, nil)
	}
	if !who.Scope.Vendor {
		schoolID = who.Scope.SchoolID
	}
	sc, err := s.store.School(ctx, schoolID)
	if errors.Is(err, store.ErrNotFound) {
		return "", domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return "", domain.Internal("school: %w", err)
	}
	parsed, err := staff.ParseAllowList(list)
	if err == nil && len(parsed) > 100 {
		err = fmt.Errorf("%d entries", len(parsed))
	}
	if err == nil && len(parsed) > 0 && !who.Scope.Vendor && !staff.AllowsIP(parsed, where.IP) {
		err = fmt.Errorf("the list leaves out the caller's own %s", where.IP)
	}
	if err != nil {
		return "", staff.Errors.Fail(staff.CodeIPList, err)
	}
	canon := make([]string, len(parsed))
	for i, p := range parsed {
		canon[i] = p.String()
	}
	norm := strings.Join(canon, ",")
	if err := s.store.SetStaffIPAllow(ctx, sc.ID, norm); err != nil {
		return "", domain.Internal("ip allow-list: %w", err)
	}
	return norm, s.record(ctx, who, where, sc.ID, "school.ip_allow", fmt.Sprintf("school:%d", sc.ID), sc.StaffIPAllow, norm, "")
}
