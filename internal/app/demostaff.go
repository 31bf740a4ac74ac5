package app

import (
	"context"
	"errors"
	"fmt"

	"zhipai/internal/domain"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// DemoStaff is a published demo account of the console: its password and
// TOTP key are printed by `zhipai demo seed`, for trying every role. Never
// for a real installation.
type DemoStaff struct {
	Login, Name string
	Role        domain.Role
	College     string
	Classes     []string
	Password    string
	TOTPSecret  string // base32, for an authenticator app
}

// DemoStaffPassword is every demo account's password.
const DemoStaffPassword = "zhipai-demo-2026!"

// DemoStaffAccounts are the demo accounts: one of each role a school
// tries first, and the vendor's admin.
func DemoStaffAccounts() []DemoStaff {
	class := fmt.Sprintf("%s 2026-1 班", demoColleges[0].major)
	return []DemoStaff{
		{"demo.admin", "平台管理员（示例）", domain.RolePlatformAdmin, "", nil, DemoStaffPassword, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
		{"demo.school", "王老师（示例）", domain.RoleSchoolAdmin, "", nil, DemoStaffPassword, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"},
		{"demo.college", "李老师（示例）", domain.RoleCollegeAdmin, demoColleges[0].college, nil, DemoStaffPassword, "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"},
		{"demo.counsellor", "赵老师（示例）", domain.RoleCounsellor, "", []string{class}, DemoStaffPassword, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
		{"demo.reviewer", "审核员（示例）", domain.RoleSchoolReviewer, "", nil, DemoStaffPassword, "NBSWY3DPO5XXE3DENBSWY3DPO5XXE3DE"},
	}
}

// seedDemoStaff creates the demo accounts once, their password not to be
// changed at first sign-in (they are published anyway).
func seedDemoStaff(ctx context.Context, a *App, schoolID int64) error {
	for _, s := range DemoStaffAccounts() {
		if _, err := a.Store.StaffByLogin(ctx, s.Login); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		in := staff.CreateInput{Login: s.Login, Name: s.Name, Role: s.Role, College: s.College, Classes: s.Classes, Password: s.Password, TOTPSecret: s.TOTPSecret}
		if !s.Role.Vendor() {
			in.SchoolID = schoolID
		}
		acct, err := a.Staff.Create(ctx, nil, in, staff.Where{IP: "demo seed"})
		if err != nil {
			return fmt.Errorf("demo: staff %s: %w", s.Login, err)
		}
		if err := a.Store.SetStaffPassword(ctx, acct.User.ID, acct.User.PasswordHash, false); err != nil {
			return err
		}
	}
	return nil
}
