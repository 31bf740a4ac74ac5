// Package ticket is customer service (the guide's 在线客服, requirements
// CS-4): a student asks, with a kind and an image if it helps; the school's
// staff or the vendor's support answer in the console within a
// service-level time; answers reach the student's inbox. From a ticket,
// staff may hand a photo under review back for a retake, or correct the
// roster row, both audited.
package ticket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zhipai/internal/audit"
	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/ratelimit"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// The public codes.
const (
	CodeBody       = "ticket.body"
	CodeKind       = "ticket.kind"
	CodeClosed     = "ticket.closed"
	CodeTooMany    = "ticket.too_many"
	CodeAttachment = "ticket.attachment"
	CodeForbidden  = "ticket.forbidden"
	CodeNoReview   = "ticket.no_review"
	CodeRosterFix  = "ticket.roster_fix"
	CodeFrequent   = "ticket.too_frequent"
)

// Errors are their messages.
var Errors = domain.Catalogue{
	CodeBody:       "请写下你遇到的问题（2-1000 个字）。",
	CodeKind:       "请选择问题类型：信息有误、更换照片、不在名单、证件问题或其他。",
	CodeClosed:     "这个问题已关闭；如还有疑问，请新建一个。",
	CodeTooMany:    "你已有 5 个未关闭的问题，请等客服回复后再提交。",
	CodeAttachment: "附件须是 JPEG 或 PNG 图片，不超过 5 MB。",
	CodeForbidden:  "你的角色不能处理这个客服问题。",
	CodeNoReview:   "这位学生没有审核中的照片可以退回。",
	CodeRosterFix:  "学籍信息的姓名、学院和班级不能为空，每项最多 64 个字。",
	CodeFrequent:   "消息发得太频繁了，请稍后再发；客服会尽快回复。",
}

func fail(code string) *domain.Error { return Errors.Fail(code, nil) }

// Notifier tells the student of an answer, in its transaction.
type Notifier interface {
	TicketAnswered(ctx context.Context, tx *store.Tx, t domain.Ticket, msgID int64, author, body string) error
}

// Config tunes the service.
type Config struct {
	// AnswerDays is the service level: working days to the next answer.
	AnswerDays int
	// RetakeWindow is how long a student handed back has to retake.
	RetakeWindow time.Duration
	// MaxOpen is how many tickets one student may keep open.
	MaxOpen int
}

// DefaultConfig: an answer within one working day, 48 hours to retake.
func DefaultConfig() Config { return Config{AnswerDays: 1, RetakeWindow: 48 * time.Hour, MaxOpen: 5} }

// Service is customer service.
type Service struct {
	cfg     Config
	limiter *ratelimit.Limiter
	store   *store.Store
	blobs   blob.Store
	audit   *audit.Log
	notify  Notifier
	log     *slog.Logger
	now     func() time.Time
}

// New builds the service.
func New(cfg Config, st *store.Store, bs blob.Store, a *audit.Log, n Notifier, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, store: st, blobs: bs, audit: a, notify: n, log: log, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetLimiter bounds how many messages a student may send ("ticket-user"):
// a ticket thread is not a place to store hundreds of images.
func (s *Service) SetLimiter(l *ratelimit.Limiter) { s.limiter = l }

func (s *Service) allow(ctx context.Context, who domain.Caller) error {
	if s.limiter == nil {
		return nil
	}
	return s.limiter.Check(ctx, "ticket-user", strconv.FormatInt(who.UserID, 10), fail(CodeFrequent))
}

// MaxAttachment bounds an attached image.
const MaxAttachment = 5 << 20

// Message is a message as written: text and, optionally, an image.
type Message struct {
	Body       string
	Attachment []byte
}

func (s *Service) check(m Message) (string, string, error) {
	body := strings.TrimSpace(visible(m.Body))
	if n := utf8.RuneCountInString(body); (n < 2 && len(m.Attachment) == 0) || n > 1000 {
		return "", "", fail(CodeBody)
	}
	if len(m.Attachment) == 0 {
		return body, "", nil
	}
	kind := http.DetectContentType(m.Attachment)
	if len(m.Attachment) > MaxAttachment || (kind != "image/jpeg" && kind != "image/png") {
		return "", "", fail(CodeAttachment)
	}
	// The header must decode as the image it claims to be, of a sensible
	// size: magic bytes before random data are not a picture.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(m.Attachment))
	if err != nil || (format != "jpeg" && format != "png") || cfg.Width < 16 || cfg.Height < 16 || cfg.Width*cfg.Height > 50_000_000 {
		return "", "", fail(CodeAttachment)
	}
	return body, kind, nil
}

// visible drops control characters (NUL, escapes) and the invisible
// format characters (zero-width spaces and joiners) from a message, so
// that what staff read is what was counted; newlines and tabs stay.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}

func (s *Service) due() time.Time { return domain.AddWorkingDays(s.now(), s.cfg.AnswerDays) }

// Open opens a ticket for the student in a campaign.
func (s *Service) Open(ctx context.Context, who domain.Caller, campaignID int64, kind domain.TicketKind, m Message) (domain.Ticket, error) {
	if !kind.Valid() {
		return domain.Ticket{}, fail(CodeKind)
	}
	body, typ, err := s.check(m)
	if err != nil {
		return domain.Ticket{}, err
	}
	// A ticket belongs to a campaign the student has entered (joined):
	// that is where the school answering it sees them.
	if _, err := s.store.EnrolmentOf(ctx, who.UserID, campaignID); errors.Is(err, store.ErrNotFound) {
		return domain.Ticket{}, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return domain.Ticket{}, domain.Internal("enrolment: %w", err)
	}
	if err := s.allow(ctx, who); err != nil {
		return domain.Ticket{}, err
	}
	if n, err := s.store.OpenTicketsOf(ctx, who.UserID); err != nil {
		return domain.Ticket{}, domain.Internal("tickets: %w", err)
	} else if n >= s.cfg.MaxOpen {
		return domain.Ticket{}, fail(CodeTooMany)
	}
	msg := domain.TicketMessage{Author: "student", Body: body, AttachmentType: typ}
	if typ != "" {
		if msg.Attachment, err = blob.PutBytes(ctx, s.blobs, "ticket", m.Attachment); err != nil {
			return domain.Ticket{}, domain.Internal("attachment: %w", err)
		}
	}
	id, err := s.store.CreateTicket(ctx, domain.Ticket{UserID: who.UserID, CampaignID: campaignID, Kind: kind, DueAt: s.due()}, msg)
	if err != nil {
		return domain.Ticket{}, domain.Internal("create ticket: %w", err)
	}
	s.log.InfoContext(ctx, "ticket opened", "ticket", id, "user", who.UserID, "kind", kind)
	return s.Mine(ctx, who, id)
}

// Mine is one of the student's tickets with its thread.
func (s *Service) Mine(ctx context.Context, who domain.Caller, id int64) (domain.Ticket, error) {
	t, err := s.store.Ticket(ctx, nil, who.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return t, domain.Internal("ticket: %w", err)
	}
	return t, nil
}

// MyTickets lists the student's tickets.
func (s *Service) MyTickets(ctx context.Context, who domain.Caller) ([]domain.Ticket, error) {
	list, err := s.store.Tickets(ctx, nil, store.TicketFilter{UserID: who.UserID, Limit: 50})
	if err != nil {
		return nil, domain.Internal("tickets: %w", err)
	}
	return list, nil
}

// Reply adds the student's message; the ticket waits for staff again.
func (s *Service) Reply(ctx context.Context, who domain.Caller, id int64, m Message) (domain.Ticket, error) {
	t, err := s.Mine(ctx, who, id)
	if err != nil {
		return t, err
	}
	body, typ, err := s.check(m)
	if err != nil {
		return t, err
	}
	if t.Status == domain.TicketClosed {
		return t, fail(CodeClosed)
	}
	if err := s.allow(ctx, who); err != nil {
		return t, err
	}
	msg := domain.TicketMessage{TicketID: id, Author: "student", Body: body, AttachmentType: typ}
	if typ != "" {
		if msg.Attachment, err = blob.PutBytes(ctx, s.blobs, "ticket", m.Attachment); err != nil {
			return t, domain.Internal("attachment: %w", err)
		}
	}
	if _, err := s.store.AddTicketMessage(ctx, msg, domain.TicketOpen, s.due(), nil); errors.Is(err, store.ErrConflict) {
		return t, fail(CodeClosed)
	} else if err != nil {
		return t, domain.Internal("reply: %w", err)
	}
	return s.Mine(ctx, who, id)
}

// Attachment is an image of a message, for the student who owns the
// ticket (staff use StaffAttachment).
func (s *Service) Attachment(ctx context.Context, who domain.Caller, id, msgID int64) ([]byte, string, error) {
	t, err := s.Mine(ctx, who, id)
	if err != nil {
		return nil, "", err
	}
	return s.attachment(ctx, t, msgID)
}

func (s *Service) attachment(ctx context.Context, t domain.Ticket, msgID int64) ([]byte, string, error) {
	for _, m := range t.Messages {
		if m.ID == msgID && m.Attachment != "" {
			b, err := blob.Get(ctx, s.blobs, m.Attachment)
			if err != nil {
				return nil, "", domain.Internal("attachment: %w", err)
			}
			return b, m.AttachmentType, nil
		}
	}
	return nil, "", domain.Errors.Fail(domain.CodeNotFound, nil)
}

// ---- Staff ----------------------------------------------------------------

// answers reports whether a role answers tickets: the school's admins,
// counsellors for their classes, reviewers, and the vendor's support and
// admin. The vendor's reviewers only review.
func answers(r domain.Role) bool { return r != domain.RoleVendorReviewer && r.Valid() }

// Queue lists the tickets in the caller's scope, due first.
func (s *Service) Queue(ctx context.Context, who staff.Staff, f store.TicketFilter) ([]domain.Ticket, error) {
	if !answers(who.User.Role) {
		return nil, fail(CodeForbidden)
	}
	list, err := s.store.Tickets(ctx, &who.Scope, f)
	if err != nil {
		return nil, domain.Internal("tickets: %w", err)
	}
	return list, nil
}

// Get is a ticket in the caller's scope; the view is audited (it shows a
// student's name and what they wrote).
func (s *Service) Get(ctx context.Context, who staff.Staff, id int64, where staff.Where) (domain.Ticket, error) {
	if !answers(who.User.Role) {
		return domain.Ticket{}, fail(CodeForbidden)
	}
	t, err := s.store.Ticket(ctx, &who.Scope, 0, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return t, domain.Internal("ticket: %w", err)
	}
	return t, s.record(ctx, who, where, t, "ticket.view", "", "", "")
}

// StaffAttachment is an image of a ticket in the caller's scope.
func (s *Service) StaffAttachment(ctx context.Context, who staff.Staff, id, msgID int64, where staff.Where) ([]byte, string, error) {
	t, err := s.Get(ctx, who, id, where)
	if err != nil {
		return nil, "", err
	}
	return s.attachment(ctx, t, msgID)
}

// Answer replies to a ticket; the student's inbox has it at once.
func (s *Service) Answer(ctx context.Context, who staff.Staff, id int64, m Message, where staff.Where) (domain.Ticket, error) {
	t, err := s.Get(ctx, who, id, where)
	if err != nil {
		return t, err
	}
	body, typ, err := s.check(Message{Body: m.Body})
	if err != nil {
		return t, err
	}
	msg := domain.TicketMessage{TicketID: id, StaffID: who.User.ID, Author: authorName(who), Body: body, AttachmentType: typ}
	_, err = s.store.AddTicketMessage(ctx, msg, domain.TicketAnswered, time.Time{}, func(tx *store.Tx, msgID int64) error {
		if s.notify == nil {
			return nil
		}
		return s.notify.TicketAnswered(ctx, tx, t, msgID, msg.Author, body)
	})
	if errors.Is(err, store.ErrConflict) {
		return t, fail(CodeClosed)
	} else if err != nil {
		return t, domain.Internal("answer: %w", err)
	}
	if err := s.record(ctx, who, where, t, "ticket.answer", string(t.Status), string(domain.TicketAnswered), ""); err != nil {
		return t, err
	}
	return s.store.Ticket(ctx, &who.Scope, 0, id)
}

// authorName is how a student sees who answered: the role, not the
// person's name.
func authorName(who staff.Staff) string {
	if who.User.Role.Vendor() {
		return "客服"
	}
	return "学校老师"
}

// Close closes a ticket.
func (s *Service) Close(ctx context.Context, who staff.Staff, id int64, where staff.Where) error {
	t, err := s.Get(ctx, who, id, where)
	if err != nil {
		return err
	}
	if err := s.store.CloseTicket(ctx, id); errors.Is(err, store.ErrConflict) {
		return fail(CodeClosed)
	} else if err != nil {
		return domain.Internal("close: %w", err)
	}
	return s.record(ctx, who, where, t, "ticket.close", string(t.Status), string(domain.TicketClosed), "")
}

// HandBack returns the student's photo under review for a retake (they
// asked to change it, or the ticket shows it cannot pass): a rejection
// with the reason as its note, which the student reads with a new
// deadline. Audited.
func (s *Service) HandBack(ctx context.Context, who staff.Staff, id int64, reason string, where staff.Where) error {
	if !who.User.Role.HandsBack() {
		return fail(CodeForbidden)
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return Errors.FailMsg(CodeBody, "退回重拍须写明原因（2-200 个字），学生会看到它。")
	}
	t, err := s.Get(ctx, who, id, where)
	if err != nil {
		return err
	}
	sub, err := s.store.LatestSubmission(ctx, t.EnrolmentID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sub.State != domain.StatePending) {
		return fail(CodeNoReview)
	} else if err != nil {
		return domain.Internal("submission: %w", err)
	}
	err = s.store.Transition(ctx, sub.ID, domain.StatePending, domain.StateRejected, "staff:"+who.User.Login, string(domain.ReasonOther), reason, s.now().Add(s.cfg.RetakeWindow))
	if errors.Is(err, store.ErrConflict) {
		return fail(CodeNoReview)
	} else if err != nil {
		return domain.Internal("hand back: %w", err)
	}
	return s.record(ctx, who, where, t, "ticket.hand_back", "submission:"+strconv.FormatInt(sub.ID, 10)+" pending", "rejected", reason)
}

// CorrectRoster corrects the roster row of the ticket's student (a wrong
// name, 学号 or class): school and college admins only. Audited with the
// fields before and after.
func (s *Service) CorrectRoster(ctx context.Context, who staff.Staff, id int64, fix domain.RosterFix, where staff.Where) error {
	if !who.User.Role.CorrectsRoster() {
		return fail(CodeForbidden)
	}
	for _, v := range []*string{&fix.Name, &fix.StudentNo, &fix.ExamNo, &fix.College, &fix.Major, &fix.Class} {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > 64 {
			return fail(CodeRosterFix)
		}
	}
	if fix.Name == "" || fix.College == "" || fix.Class == "" {
		return fail(CodeRosterFix)
	}
	// A college's admin corrects within their college: moving a student to
	// another would hand them to staff the admin cannot see.
	if who.Scope.College != "" && fix.College != who.Scope.College {
		return Errors.FailMsg(CodeRosterFix, "只能在本学院（"+who.Scope.College+"）内更正学籍信息。")
	}
	t, err := s.Get(ctx, who, id, where)
	if err != nil {
		return err
	}
	e, err := s.store.Enrolment(ctx, t.EnrolmentID)
	if err != nil || e.RosterRowID == 0 {
		return Errors.FailMsg(CodeRosterFix, "这位学生还没有匹配学籍，无法更正；请先导入或补充名单。")
	}
	before, _, err := s.store.StudentIn(ctx, who.Scope, e.RosterRowID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return domain.Internal("student: %w", err)
	}
	if err := s.store.CorrectRoster(ctx, who.Scope, e.RosterRowID, fix); errors.Is(err, store.ErrNotFound) {
		return domain.Errors.Fail(domain.CodeNotFound, nil)
	} else if err != nil {
		return domain.Internal("correct roster: %w", err)
	}
	was, _ := json.Marshal(domain.RosterFix{Name: before.Name, StudentNo: before.StudentNo, ExamNo: before.ExamNo, College: before.College, Major: before.Major, Class: before.ClassName})
	now, _ := json.Marshal(fix)
	return s.record(ctx, who, where, t, "ticket.correct_roster", string(was), string(now), "roster_row:"+strconv.FormatInt(e.RosterRowID, 10))
}

func (s *Service) record(ctx context.Context, who staff.Staff, where staff.Where, t domain.Ticket, action, before, after, reason string) error {
	_, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: t.SchoolID, ActorID: who.User.ID, ActorRole: string(who.User.Role), IP: where.IP, UA: where.UA,
		Action: action, Target: "ticket:" + strconv.FormatInt(t.ID, 10), Before: before, After: after, Reason: reason})
	if err != nil {
		return domain.Internal("audit: %w", err)
	}
	return nil
}
