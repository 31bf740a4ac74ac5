package domain

import "time"

// Role is a staff member's role (requirements AU-5).
type Role string

// The roles, from the vendor's down to a class's.
const (
	RolePlatformAdmin  Role = "platform_admin"
	RoleVendorReviewer Role = "vendor_reviewer"
	RoleVendorSupport  Role = "vendor_support"
	RoleSchoolAdmin    Role = "school_admin"
	RoleCollegeAdmin   Role = "college_admin"
	RoleCounsellor     Role = "counsellor"
	RoleSchoolReviewer Role = "school_reviewer"
)

var roleTitles = map[Role]string{
	RolePlatformAdmin: "平台管理员", RoleVendorReviewer: "服务商审核员", RoleVendorSupport: "服务商客服",
	RoleSchoolAdmin: "学校管理员", RoleCollegeAdmin: "学院管理员", RoleCounsellor: "辅导员", RoleSchoolReviewer: "学校审核员",
}

// Roles lists every role.
func Roles() []Role {
	return []Role{RolePlatformAdmin, RoleVendorReviewer, RoleVendorSupport, RoleSchoolAdmin, RoleCollegeAdmin, RoleCounsellor, RoleSchoolReviewer}
}

// Valid reports whether r is a role.
func (r Role) Valid() bool { _, ok := roleTitles[r]; return ok }

// Title is the role's Chinese name.
func (r Role) Title() string { return roleTitles[r] }

// Vendor reports whether the role belongs to the photo vendor (all
// schools) rather than to one school.
func (r Role) Vendor() bool {
	return r == RolePlatformAdmin || r == RoleVendorReviewer || r == RoleVendorSupport
}

// Manages reports whether the role runs campaigns: creates them, imports
// their rosters, reads the school's audit log (a school's admin for the
// school, the platform admin for all).
func (r Role) Manages() bool { return r == RolePlatformAdmin || r == RoleSchoolAdmin }

// StaffUser is a staff account.
type StaffUser struct {
	ID                 int64
	Login, Name        string
	Role               Role
	SchoolID           int64  // 0 for vendor roles
	College            string // a college admin's college
	PasswordHash       string
	TOTPSealed         []byte // the TOTP secret, sealed
	MustChangePassword bool
	Failures           int       // consecutive failed sign-ins
	LockedUntil        time.Time // no sign-in before
	CreatedAt          time.Time
	DisabledAt         time.Time
}

// StaffSession is a staff sign-in: shorter-lived than a student's, and
// ended by an idle timeout.
type StaffSession struct {
	TokenHash string
	StaffID   int64
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// Scope is what a staff member may see, from the widest: the vendor's
// (every school), a school (tenant), a college of it, a counsellor's
// classes. Store queries that staff reach take a Scope and filter by it.
type Scope struct {
	Vendor   bool
	SchoolID int64
	College  string   // "" is every college of the school
	Classes  []string // a counsellor's classes; nil is every class
	// SupportSchools are the schools whose personal data a vendor staff
	// member may see now, each opened with a recorded support-access
	// reason (requirements AU-6); personal-data queries of a vendor scope
	// filter by them.
	SupportSchools []int64
}

// Reviews reports whether the role decides photos: the vendor's reviewers
// and admin, a school's reviewers and admin (counsellors only view,
// college admins watch progress).
func (r Role) Reviews() bool {
	return r == RolePlatformAdmin || r == RoleVendorReviewer || r == RoleSchoolAdmin || r == RoleSchoolReviewer
}

// Reminds reports whether the role sends the bulk reminder to the
// unfinished students in its scope (requirements CS-5): counsellors,
// college and school admins, the platform's admin.
func (r Role) Reminds() bool {
	return r == RoleCounsellor || r == RoleCollegeAdmin || r == RoleSchoolAdmin || r == RolePlatformAdmin
}

// HandsBack reports whether the role may hand a photo under review back
// for a retake from a customer-service ticket: those who review, and the
// vendor's support.
func (r Role) HandsBack() bool { return r.Reviews() || r == RoleVendorSupport }

// CorrectsRoster reports whether the role may correct a roster row from a
// ticket: school and college admins, the platform's admin.
func (r Role) CorrectsRoster() bool { return r.Manages() || r == RoleCollegeAdmin }

// MayReveal reports whether the role may reveal a full ID number (an
// audited action of its own, requirements PS-5).
func (r Role) MayReveal() bool {
	return r == RolePlatformAdmin || r == RoleVendorSupport || r == RoleSchoolAdmin || r == RoleCollegeAdmin
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	Seq       int64
	TenantID  int64 // the school; 0 for the vendor's own actions
	At        time.Time
	ActorID   int64 // the staff member; 0 for the system or the CLI
	ActorRole string
	IP, UA    string
	Action    string
	Target    string
	Before    string
	After     string
	Reason    string
	PrevHash  string
	Hash      string
}
