// Package enrol is the student's way into a campaign: the campaigns open
// to them, joining (获取采集资格), the separate consent, the identity, the
// photos of the identity card and the match against the school's roster
// (学籍), confirmed by the student before capture.
package enrol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"zhipai/internal/audit"
	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
	"zhipai/internal/ratelimit"
	"zhipai/internal/secret"
	"zhipai/internal/store"
	"zhipai/internal/waits"
)

// Config holds the rules' numbers.
type Config struct {
	MaxUploadBytes int64 // a document photo's size
	// VendorPhone and VendorHours are the vendor's hotline, shown on every
	// student page beside the school's contact.
	VendorPhone, VendorHours string
}

// Engine checks document photos (engine.Engine).
type Engine interface {
	CheckDocument(ctx context.Context, data []byte, side string, idCard bool, name string) (findings []photo.Finding, text *quality.CardText, refusal, err error)
}

// Deps are the collaborators.
type Deps struct {
	Store   *store.Store
	Blob    blob.Store
	Keys    *secret.Keys
	Engine  Engine
	Limiter *ratelimit.Limiter
	Audit   *audit.Log
	// Queue runs the card checks of SubmitIDImage.
	Queue CardQueue
	Log   *slog.Logger
}

// Service runs the use cases of enrolment.
type Service struct {
	cfg Config
	Deps
	now     func() time.Time
	waiting waits.Set    // requests waiting for card checks
	heard   atomic.Int64 // card checks announced by the database (tests)
}

// New builds the service.
func New(cfg Config, d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, Deps: d, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Join enrols the caller in an open campaign (获取采集资格).
func (s *Service) Join(ctx context.Context, who domain.Caller, campaignID int64) error {
	c, err := s.Load(ctx, campaignID)
	if err != nil {
		return err
	}
	if !s.IsOpen(c) {
		return fail(CodeCampaignClosed, nil)
	}
	if err := s.Store.Join(ctx, who.UserID, c.ID); err != nil {
		return domain.Internal("enrol: %w", err)
	}
	return nil
}

// Enrolment loads the caller's enrolment and campaign; open requires the
// campaign to be open.
func (s *Service) Enrolment(ctx context.Context, who domain.Caller, campaignID int64, open bool) (domain.Enrolment, domain.Campaign, error) {
	e, c, _, err := s.enrolment(ctx, who, campaignID, open)
	return e, c, err
}

// consentedEnrolment is Enrolment in an open campaign whose consent text
// the caller accepted (CodeConsentRequired if not), read with it.
func (s *Service) consentedEnrolment(ctx context.Context, who domain.Caller, campaignID int64) (domain.Enrolment, domain.Campaign, error) {
	e, c, consented, err := s.enrolment(ctx, who, campaignID, true)
	if err == nil && !consented {
		err = fail(CodeConsentRequired, nil)
	}
	return e, c, err
}

func (s *Service) enrolment(ctx context.Context, who domain.Caller, campaignID int64, open bool) (domain.Enrolment, domain.Campaign, bool, error) {
	c, err := s.Load(ctx, campaignID)
	if err != nil {
		return domain.Enrolment{}, c, false, err
	}
	e, consented, err := s.Store.EnrolmentConsented(ctx, who.UserID, campaignID, c.ConsentVersion)
	if errors.Is(err, store.ErrNotFound) {
		return e, c, false, fail(CodeNotJoined, nil)
	}
	if err != nil {
		return e, c, false, domain.Internal("enrolment: %w", err)
	}
	if open && !s.IsOpen(c) {
		return e, c, false, fail(CodeCampaignClosed, nil)
	}
	return e, c, consented, nil
}

// ConsentView is the separate consent for sensitive personal data
// (requirements PS-1), to be shown before any of it is collected.
type ConsentView struct {
	Version  string `json:"version"`
	Text     string `json:"text"`
	Accepted bool   `json:"accepted"`
}

// Consent returns the campaign's consent text.
func (s *Service) Consent(ctx context.Context, who domain.Caller, campaignID int64) (ConsentView, error) {
	c, err := s.Load(ctx, campaignID)
	if err != nil {
		return ConsentView{}, err
	}
	ok, err := s.Store.HasConsent(ctx, who.UserID, c.ID, c.ConsentVersion)
	if err != nil {
		return ConsentView{}, domain.Internal("consent: %w", err)
	}
	return ConsentView{Version: c.ConsentVersion, Text: c.ConsentText, Accepted: ok}, nil
}

// AcceptConsent records the acceptance of the version shown; a stale
// version (the text changed meanwhile) must be read again.
func (s *Service) AcceptConsent(ctx context.Context, who domain.Caller, campaignID int64, version string) error {
	_, c, err := s.Enrolment(ctx, who, campaignID, true)
	if err != nil {
		return err
	}
	if version != c.ConsentVersion {
		return fail(CodeConsentOutdated, nil)
	}
	if err := s.recordConsent(ctx, who, c.ID, c.ConsentVersion, c.ConsentText); err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "consent accepted", "user", who.UserID, "campaign", c.ID, "version", c.ConsentVersion)
	return nil
}

// recordConsent keeps the evidence of a consent: the version and a hash
// of the text accepted, the channel and the time.
func (s *Service) recordConsent(ctx context.Context, who domain.Caller, campaignID int64, version, text string) error {
	sum := sha256.Sum256([]byte(text))
	if err := s.Store.InsertConsent(ctx, domain.Consent{UserID: who.UserID, CampaignID: campaignID, Version: version,
		TextHash: hex.EncodeToString(sum[:]), Channel: who.Channel}); err != nil {
		return domain.Internal("consent: %w", err)
	}
	return nil
}

// RecordView is the matched 学籍 record, for the student to confirm.
type RecordView struct {
	School    string `json:"school"`
	Name      string `json:"name"`
	DocMasked string `json:"doc_number"`
	StudentNo string `json:"student_no,omitempty"`
	College   string `json:"college"`
	Major     string `json:"major"`
	ClassName string `json:"class"`
	Grade     string `json:"grade,omitempty"`
}

// NeedsBack reports whether a document has a second side to photograph.
func NeedsBack(docType string) bool { return docType == string(idnumber.ResidentID) }

// Match binds the enrolment to the roster row with the same document type,
// number and name. Failure says nothing about which field was wrong
// (requirements RO-3); tries are limited per user and per address.
func (s *Service) Match(ctx context.Context, who domain.Caller, campaignID int64) (RecordView, error) {
	e, c, err := s.Enrolment(ctx, who, campaignID, true)
	if err != nil {
		return RecordView{}, err
	}
	if e.RosterRowID != 0 {
		return s.Record(ctx, c, e.RosterRowID)
	}
	if e.DocIndex == "" {
		return RecordView{}, fail(CodeIdentityRequired, nil)
	}
	if checking, err := s.Store.CardChecking(ctx, e.ID); err != nil {
		return RecordView{}, domain.Internal("match: %w", err)
	} else if checking {
		return RecordView{}, fail(CodeCardChecking, nil)
	}
	if c.RequireIDImages && (e.IDFrontBlob == "" || NeedsBack(e.DocType) && e.IDBackBlob == "") {
		return RecordView{}, fail(CodeIDImages, nil)
	}
	// The card's own number must be the typed one: knowing a classmate's
	// name and number is not enough to claim their row.
	cardChecked := c.RequireIDImages && e.DocType == string(idnumber.ResidentID)
	if cardChecked && e.CardDocIndex != e.DocIndex {
		return RecordView{}, fail(CodeCardRecheck, nil)
	}
	if err := s.Limiter.CheckAll(ctx, fail(CodeMatchLimited, nil),
		ratelimit.Key{Name: "match-user", Key: strconv.FormatInt(who.UserID, 10)}, ratelimit.Key{Name: "match-ip", Key: who.IP}); err != nil {
		return RecordView{}, err
	}
	row, err := s.Store.RosterRowByDoc(ctx, c.ID, e.DocIndex)
	if errors.Is(err, store.ErrNotFound) && c.RosterOptional {
		// No roster required: the checked identity becomes the row.
		row, err = s.selfRow(ctx, c, e)
	}
	if errors.Is(err, store.ErrNotFound) || err == nil && (row.DocType != e.DocType || idnumber.NormaliseName(row.Name) != e.Name) {
		s.Log.InfoContext(ctx, "roster match failed", "user", who.UserID, "campaign", c.ID)
		return RecordView{}, fail(CodeNoMatch, nil)
	}
	if err != nil {
		return RecordView{}, domain.Internal("roster: %w", err)
	}
	if err := s.Store.MatchRoster(ctx, e.ID, who.UserID, row.ID); errors.Is(err, store.ErrConflict) {
		return RecordView{}, s.claimed(ctx, who, c, row, cardChecked)
	} else if err != nil {
		return RecordView{}, domain.Internal("match: %w", err)
	}
	s.Log.InfoContext(ctx, "roster matched", "user", who.UserID, "campaign", c.ID, "row", row.ID)
	return s.Record(ctx, c, row.ID)
}

// claimed answers a match on a row someone else's account holds. The
// school gets a support case to settle whose row it is. When the card was
// read and its number is the row's, the claimant holds the card: a ticket
// opened for them puts the case in the school's queue (and in the audit
// log), and they are told so. Otherwise the answer is the same as for a
// row that does not exist, so that nobody learns from it that a name and
// number are on the roster and taken.
func (s *Service) claimed(ctx context.Context, who domain.Caller, c domain.Campaign, row domain.RosterRow, cardChecked bool) error {
	s.Log.WarnContext(ctx, "roster row bound to another account", "user", who.UserID, "campaign", c.ID, "row", row.ID, "card_checked", cardChecked)
	opened, err := s.Store.OpenSupportCase(ctx, domain.SupportCase{CampaignID: c.ID, Kind: domain.CaseRosterClaimed, RosterRowID: row.ID,
		UserID: who.UserID, IP: who.IP})
	if err != nil {
		return domain.Internal("support case: %w", err)
	}
	if !cardChecked {
		return fail(CodeNoMatch, nil)
	}
	if opened {
		body := fmt.Sprintf("系统消息：本账号上传的身份证人像面经识别，号码与学籍“%s（%s，%s %s）”一致，但该学籍已被另一个账号（#%d）绑定。"+
			"请核实哪个账号是学生本人：冒用的账号须解除绑定，并提醒本人更改密码、保管好证件。", row.Name, row.DocMasked, row.College, row.ClassName, row.BoundUserID)
		if _, err := s.Store.CreateTicket(ctx, domain.Ticket{UserID: who.UserID, CampaignID: c.ID, Kind: domain.TicketRosterClaimed,
			DueAt: domain.AddWorkingDays(s.now(), 1)}, domain.TicketMessage{Author: "系统", Body: body}); err != nil {
			return domain.Internal("roster claim ticket: %w", err)
		}
		if s.Audit != nil {
			if _, err := s.Audit.Record(ctx, domain.AuditEntry{TenantID: c.SchoolID, ActorRole: "system", IP: who.IP, Action: "roster.claimed",
				Target: fmt.Sprintf("roster_row:%d", row.ID), Before: fmt.Sprintf("user:%d", row.BoundUserID), After: fmt.Sprintf("user:%d", who.UserID),
				Reason: "ID card number matches the row"}); err != nil {
				return domain.Internal("audit: %w", err)
			}
		}
	}
	return fail(CodeRosterClaimed, nil)
}

// selfRow adds a student to a campaign's roster from their checked
// identity (a campaign that does not require a roster).
func (s *Service) selfRow(ctx context.Context, c domain.Campaign, e domain.Enrolment) (domain.RosterRow, error) {
	r := domain.RosterRow{CampaignID: c.ID, Name: e.Name, DocType: e.DocType, DocIndex: e.DocIndex, DocEnc: e.DocEnc, DocMasked: e.DocMasked,
		ImportBatch: "self:" + s.now().UTC().Format("20060102")}
	if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := s.Store.UpsertRosterRows(ctx, tx, c.ID, []domain.RosterRow{r}, nil)
		return err
	}); err != nil {
		return r, err
	}
	s.Log.InfoContext(ctx, "roster row added from identity", "campaign", c.ID)
	return s.Store.RosterRowByDoc(ctx, c.ID, e.DocIndex)
}

// Record is the roster record an enrolment is bound to, as shown.
func (s *Service) Record(ctx context.Context, c domain.Campaign, rowID int64) (RecordView, error) {
	row, err := s.Store.RosterRow(ctx, rowID)
	if err != nil {
		return RecordView{}, domain.Internal("roster row: %w", err)
	}
	return RecordView{School: c.School.Name, Name: row.Name, DocMasked: row.DocMasked, StudentNo: row.StudentNo, College: row.College,
		Major: row.Major, ClassName: row.ClassName, Grade: row.Grade}, nil
}

// Confirm records that the student checked the matched record (进入采集).
func (s *Service) Confirm(ctx context.Context, who domain.Caller, campaignID int64) error {
	e, _, err := s.Enrolment(ctx, who, campaignID, true)
	if err != nil {
		return err
	}
	if e.RosterRowID == 0 {
		return fail(CodeNotMatched, nil)
	}
	if err := s.Store.ConfirmEnrolment(ctx, e.ID); err != nil {
		return domain.Internal("confirm: %w", err)
	}
	return nil
}
