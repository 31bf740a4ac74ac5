package domain

import (
	"time"
)

// The entities the store keeps and the use cases work on. The store
// returns them; no package but the store knows how they are laid out in
// the database.

// School is a tenant.
type School struct {
	ID                                      int64
	Name, Code                              string
	ContactName, ContactPhone, ContactHours string
	// StaffIPAllow is the school's staff IP allow-list: comma-separated
	// addresses and CIDR prefixes; empty is anywhere (requirements AU-4).
	StaffIPAllow string
}

// Campaign is a collection batch of a school (requirements RO-1).
type Campaign struct {
	ID, SchoolID      int64
	Name, Kind        string
	SpecJSON          string
	JoinCode          string
	OpensAt, ClosesAt time.Time
	AllowAlbum        bool
	RequireIDImages   bool
	IDTypes           string // comma-separated document types
	ConsentVersion    string
	ConsentText       string
	FAQJSON           string
	MaxUploads        int
	// ReviewDays is the review deadline in working days (requirements RO-1).
	ReviewDays int
	// ReasonsJSON is the review reasons in use with their student-facing
	// text, [{"code","text"}]; empty is every built-in reason as it is.
	ReasonsJSON string
	// RosterOptional: a student not on the roster is added to it from
	// their checked identity instead of being refused.
	RosterOptional bool
	// SecondReview: a vendor reviewer's verdict is a first pass and the
	// school's reviewer decides (requirements RV-8); SamplePercent of the
	// approvals are drawn for a second look.
	SecondReview  bool
	SamplePercent int
	School        School
}

// OpenAt reports whether the campaign takes students at t.
func (c Campaign) OpenAt(t time.Time) bool { return !t.Before(c.OpensAt) && t.Before(c.ClosesAt) }

// Consent records an accepted consent text (requirements PS-1).
type Consent struct {
	UserID, CampaignID int64
	Version, TextHash  string
	Channel            string
	AcceptedAt         time.Time
}

// Enrolment is a student's place in one campaign: identity, roster match,
// document images.
type Enrolment struct {
	ID, UserID, CampaignID  int64
	Name                    string
	DocType                 string
	DocIndex                string
	DocEnc                  []byte
	DocMasked               string
	IDFrontBlob, IDBackBlob string
	// CardDocIndex is the blind index of the number read off the ID
	// card's front ("" when not read, or not a resident ID card).
	CardDocIndex string
	// FaceConsent is the decision on comparing the card's portrait with
	// the photo: "" (not asked), FaceAgreed or FaceRefused.
	FaceConsent string
	RosterRowID int64
	ConfirmedAt time.Time
}

// The student's decisions on the face comparison.
const (
	FaceAgreed  = "agreed"
	FaceRefused = "refused"
)

// RosterRow is a student on a campaign's roster (学籍, requirements RO-2).
type RosterRow struct {
	ID, CampaignID int64
	Name           string
	DocType        string
	DocIndex       string // blind index of type and canonical number
	DocEnc         []byte
	DocMasked      string
	ExamNo         string
	StudentNo      string
	College        string
	Major          string
	ClassName      string
	Grade          string
	Level          string
	Gender         string
	BoundUserID    int64 // 0: not bound
	ImportBatch    string
	// ExemptReason marks a student the school exempts (免采); empty: not.
	ExemptReason string
}

// Student is a roster row as staff list it: with whether a student has
// signed in to it, and their latest submission's state ("" for none).
type Student struct {
	RosterRow
	Enrolled bool
	State    State
}

// Class is a class of a school's rosters, with its college and major
// (counsellors are assigned to classes).
type Class struct {
	College string `json:"college"`
	Major   string `json:"major"`
	Name    string `json:"name"`
}

// StudentFilter narrows a campaign's student list: by college, class and
// a name or 学号 prefix, a page at a time after a row id.
type StudentFilter struct {
	College, Class, Query string
	After                 int64
	Limit                 int
	// Unfinished: only students whose latest submission is not approved.
	Unfinished bool
}

// Submission is a photo submitted for review.
type Submission struct {
	ID, EnrolmentID, UploadID int64
	State                     State
	Reasons                   string // comma-separated reason codes
	Note                      string
	Deadline                  time.Time // the student's retake deadline after a rejection
	CreatedAt, UpdatedAt      time.Time
	// Findings are the reason codes the automatic checks warned of at
	// submission, comma-separated; empty: they passed cleanly.
	Findings string
	DueAt    time.Time // the review deadline
	// ClaimedBy holds the submission for a reviewer until ClaimedUntil.
	ClaimedBy    int64
	ClaimedUntil time.Time
	DecidedBy    int64
	DecidedAt    time.Time
	ExportedAt   time.Time
}

// Tally counts students by where they are (requirements RO-7).
type Tally struct {
	Total, NotSignedIn, NotSubmitted, Waiting, Rejected, Approved, Exported, Exempt int
}

// Add adds another count to p.
func (p *Tally) Add(q Tally) {
	p.Total += q.Total
	p.NotSignedIn += q.NotSignedIn
	p.NotSubmitted += q.NotSubmitted
	p.Waiting += q.Waiting
	p.Rejected += q.Rejected
	p.Approved += q.Approved
	p.Exported += q.Exported
	p.Exempt += q.Exempt
}

// ReviewItem is a submission in the review queue, with its student.
type ReviewItem struct {
	Submission
	CampaignID, SchoolID int64
	Student              RosterRow
	// The first pass of a two-level review (zero without one), and the
	// sampling mark of an approval: "" not drawn, "drawn", "ok",
	// "reversed".
	FirstBy                    int64
	FirstVerdict, FirstReasons string
	Sample                     string
}

// QueueFilter narrows the review queue.
type QueueFilter struct {
	CampaignID     int64
	College, Class string
	// Findings: "" any, "none" clean, "warn" any warning, or a reason
	// code.
	Findings string
	// States: pending (and CLI-claimed in_review) by default; "rejected"
	// or "approved" to look back; "sample" the approvals drawn for a
	// second look and not yet looked at.
	State string
	// Stage of a two-level review: "first" waiting items without a first
	// pass, "final" those with one; "" both.
	Stage string
	// OlderThan: submitted at least this long ago.
	OlderThan time.Duration
	After     int64 // keyset: items after this (due_at, id) position's id
	Limit     int
	// Skip leaves out items (those a reviewer skipped this session).
	Skip []int64
}

// AddWorkingDays is t plus n working days, Monday to Friday (the review
// deadline; public holidays are not yet known to it).
func AddWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// Event is an entry of a submission's history.
type Event struct {
	Actor, Reasons, Note string
	From, To             State
	At                   time.Time
}

// Upload is a photo a student sent and what standardization made of it.
type Upload struct {
	ID, EnrolmentID, UserID int64
	IdempotencyKey          string
	Status                  UploadStatus
	OriginalBlob            string
	ResultBlob              string
	PreviewBlob             string // the oriented original, reduced for the before/after view
	SHA256, PHash           string
	ReportJSON              string
	ErrorCode               string
	Blocking                bool
	CreatedAt, UpdatedAt    time.Time
}

// User is an account (a student, for now).
type User struct {
	ID          int64
	PhoneIndex  string
	PhoneEnc    []byte
	OpenIDIndex string
}

// Session is a signed-in device.
type Session struct {
	TokenHash string
	UserID    int64
	CSRF      string
	Channel   string // web or wechat
	ExpiresAt time.Time
}

// SMSCode is a sign-in code sent to a phone.
type SMSCode struct {
	ID        int64
	CodeHash  string
	Attempts  int
	ExpiresAt time.Time
	Used      bool
}

// UploadStatus is where an upload is in processing.
type UploadStatus string

const (
	UploadQueued     UploadStatus = "queued"
	UploadProcessing UploadStatus = "processing"
	UploadDone       UploadStatus = "done"   // a standardized photo, or refused with findings measured
	UploadFailed     UploadStatus = "failed" // refused: no standardized photo
)

// Finished reports whether processing has ended, one way or the other.
func (s UploadStatus) Finished() bool { return s == UploadDone || s == UploadFailed }

// SupportCase is something a student cannot settle alone and the school
// must look at.
type SupportCase struct {
	ID, CampaignID int64
	Kind           string
	RosterRowID    int64
	UserID         int64
	IP             string
	CreatedAt      time.Time
	ResolvedAt     time.Time
}

// Support case kinds.
const (
	// CaseRosterClaimed: a roster row bound to one account was claimed by
	// another with the same name and document number.
	CaseRosterClaimed = "roster_claimed"
)

// Notification is a notice in a student's inbox (requirements CS-1); the
// same notice also goes out by SMS or WeChat where the student has them.
type Notification struct {
	ID, UserID, CampaignID int64
	Kind                   string
	Title, Body, Link      string
	// ParamsJSON holds the values an SMS or WeChat template fills in.
	ParamsJSON string
	// DedupKey makes the notice once per student.
	DedupKey                     string
	CreatedAt, VisibleAt, ReadAt time.Time
}

// The outcomes of a delivery.
const (
	DeliveryQueued  = "queued"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliveryRefused = "refused"
	DeliveryLimited = "limited"
	DeliverySkipped = "skipped"
)

// Ticket is a student's question to customer service (requirements CS-4)
// with its thread. DueAt is when the next answer is due (zero while the
// ball is with the student).
type Ticket struct {
	ID, SchoolID, CampaignID, UserID, EnrolmentID int64
	College, Class                                string
	Kind                                          TicketKind
	Status                                        TicketStatus
	CreatedAt, UpdatedAt, DueAt                   time.Time
	FirstAnswerAt, ClosedAt                       time.Time
	// For staff: who asked (from the roster when matched).
	StudentName, StudentNo, CampaignName string
	Major, ExamNo                        string
	Messages                             []TicketMessage
}

// TicketMessage is one message of a ticket's thread.
type TicketMessage struct {
	ID, TicketID, StaffID int64
	// Author is "student" or the staff member's name.
	Author         string
	Body           string
	Attachment     string // blob key of an image, if any
	AttachmentType string
	CreatedAt      time.Time
}

// TicketKind is what a ticket is about.
type TicketKind string

// The kinds the guide names.
const (
	TicketInfoWrong   TicketKind = "info_wrong"
	TicketPhotoChange TicketKind = "photo_change"
	TicketNotOnRoster TicketKind = "not_on_roster"
	TicketDocument    TicketKind = "document"
	TicketOther       TicketKind = "other"
	// TicketRosterClaimed is opened by Zhipai, not the student: a student
	// whose ID card matches a roster row found it bound to another account.
	TicketRosterClaimed TicketKind = "roster_claimed"
)

var ticketKindTitles = map[TicketKind]string{
	TicketInfoWrong: "信息有误", TicketPhotoChange: "更换照片", TicketNotOnRoster: "不在名单", TicketDocument: "证件问题", TicketOther: "其他",
	TicketRosterClaimed: "学籍被他人绑定",
}

// TicketKinds lists the kinds in the order the student picks them.
func TicketKinds() []TicketKind {
	return []TicketKind{TicketInfoWrong, TicketPhotoChange, TicketNotOnRoster, TicketDocument, TicketOther}
}

// Title is the kind in Chinese.
func (k TicketKind) Title() string { return ticketKindTitles[k] }

// Valid reports a known kind.
func (k TicketKind) Valid() bool { _, ok := ticketKindTitles[k]; return ok }

// TicketStatus is where a ticket stands.
type TicketStatus string

// A ticket waits for staff (open), for the student (answered), or is done.
const (
	TicketOpen     TicketStatus = "open"
	TicketAnswered TicketStatus = "answered"
	TicketClosed   TicketStatus = "closed"
)

// Title is the status in Chinese.
func (s TicketStatus) Title() string {
	return map[TicketStatus]string{TicketOpen: "待回复", TicketAnswered: "已回复", TicketClosed: "已关闭"}[s]
}

// RosterFix is what staff may correct on a roster row from a ticket.
type RosterFix struct {
	Name, StudentNo, ExamNo, College, Major, Class string
}

// China is the time zone of the schools' calendars (UTC+8, no daylight
// saving): deadlines, days and card validity are counted in it.
var China = time.FixedZone("CST", 8*3600)
