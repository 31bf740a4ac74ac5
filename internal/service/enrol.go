package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
	"zhipai/internal/store"
)

// CampaignView is a campaign as a student sees it.
type CampaignView struct {
	ID              int64       `json:"id"`
	Name            string      `json:"name"`
	Kind            string      `json:"kind"`
	KindTitle       string      `json:"kind_title"`
	School          string      `json:"school"`
	OpensAt         time.Time   `json:"opens_at"`
	ClosesAt        time.Time   `json:"closes_at"`
	Open            bool        `json:"open"`
	AllowAlbum      bool        `json:"allow_album"`
	RequireIDImages bool        `json:"require_id_images"`
	DocTypes        []DocType   `json:"doc_types"`
	Spec            SpecView    `json:"spec"`
	Contact         ContactView `json:"contact"`
	FAQ             []FAQEntry  `json:"faq"`
	MaxUploads      int         `json:"max_uploads"`
}

// DocType is an accepted identity document.
type DocType struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// SpecView summarises the output photo.
type SpecView struct {
	Name       string `json:"name"`
	Title      string `json:"title"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Background string `json:"background"`
	MinKB      int    `json:"min_kb,omitempty"`
	MaxKB      int    `json:"max_kb,omitempty"`
}

// ContactView is the school's customer service.
type ContactView struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Hours string `json:"hours"`
}

// FAQEntry is a question and its answer.
type FAQEntry struct {
	Q string `json:"q"`
	A string `json:"a"`
}

// CampaignSpec is the output spec of a campaign: a full spec, or the name
// of a built-in one.
func CampaignSpec(c domain.Campaign) (*photo.Spec, error) {
	var probe struct {
		Name  string `json:"name"`
		Width int    `json:"width"`
	}
	if err := json.Unmarshal([]byte(c.SpecJSON), &probe); err != nil {
		return nil, err
	}
	if probe.Width == 0 {
		if strings.ContainsAny(probe.Name, "/.") {
			return nil, errors.New("service: a campaign names a built-in spec or holds a whole one")
		}
		return photo.LookupSpec(probe.Name)
	}
	return photo.ReadSpec(strings.NewReader(c.SpecJSON))
}

func (s *Service) campaignView(c domain.Campaign) CampaignView {
	v := CampaignView{
		ID: c.ID, Name: c.Name, Kind: c.Kind, KindTitle: domain.CampaignKind(c.Kind).Title(), School: c.School.Name,
		OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, Open: s.isOpen(c), AllowAlbum: c.AllowAlbum, RequireIDImages: c.RequireIDImages,
		Contact:    ContactView{c.School.ContactName, c.School.ContactPhone, c.School.ContactHours},
		MaxUploads: c.MaxUploads, FAQ: []FAQEntry{},
	}
	for _, t := range docTypes(c) {
		v.DocTypes = append(v.DocTypes, DocType{string(t), t.Title()})
	}
	if sp, err := CampaignSpec(c); err == nil {
		v.Spec = SpecView{sp.Name, sp.Title, sp.Width, sp.Height, sp.Background.String(), sp.MinKB, sp.MaxKB}
	}
	json.Unmarshal([]byte(c.FAQJSON), &v.FAQ)
	return v
}

func docTypes(c domain.Campaign) []idnumber.Type {
	var out []idnumber.Type
	for _, code := range strings.Split(c.IDTypes, ",") {
		if t, ok := idnumber.ParseType(code); ok {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = idnumber.Types()
	}
	return out
}

func (s *Service) isOpen(c domain.Campaign) bool {
	now := s.now()
	return !now.Before(c.OpensAt) && now.Before(c.ClosesAt)
}

// Campaigns lists the open campaigns.
func (s *Service) Campaigns(ctx context.Context) ([]CampaignView, error) {
	list, err := s.Store.OpenCampaigns(ctx, s.now())
	if err != nil {
		return nil, internal("campaigns: %w", err)
	}
	out := make([]CampaignView, 0, len(list))
	for _, c := range list {
		out = append(out, s.campaignView(c))
	}
	return out, nil
}

// Campaign gets one campaign (open or not: a student follows a closed
// campaign's result).
func (s *Service) Campaign(ctx context.Context, id int64) (CampaignView, error) {
	c, err := s.campaign(ctx, id)
	if err != nil {
		return CampaignView{}, err
	}
	return s.campaignView(c), nil
}

// CampaignByCode finds a campaign by its join code (特征码).
func (s *Service) CampaignByCode(ctx context.Context, code string) (CampaignView, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || len(code) > 32 {
		return CampaignView{}, fail(CodeCampaignNotFound, nil)
	}
	c, err := s.Store.CampaignByJoinCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return CampaignView{}, fail(CodeCampaignNotFound, nil)
	}
	if err != nil {
		return CampaignView{}, internal("campaign: %w", err)
	}
	return s.campaignView(c), nil
}

func (s *Service) campaign(ctx context.Context, id int64) (domain.Campaign, error) {
	c, err := s.Store.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, fail(CodeCampaignNotFound, nil)
	}
	if err != nil {
		return c, internal("campaign %d: %w", id, err)
	}
	return c, nil
}

// Join enrols the caller in an open campaign (获取采集资格).
func (s *Service) Join(ctx context.Context, who Caller, campaignID int64) (Status, error) {
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return Status{}, err
	}
	if !s.isOpen(c) {
		return Status{}, fail(CodeCampaignClosed, nil)
	}
	if _, err := s.Store.Enrol(ctx, who.UserID, c.ID); err != nil {
		return Status{}, internal("enrol: %w", err)
	}
	return s.Status(ctx, who, campaignID)
}

// enrolment loads the caller's enrolment and campaign; open requires the
// campaign to be open.
func (s *Service) enrolment(ctx context.Context, who Caller, campaignID int64, open bool) (domain.Enrolment, domain.Campaign, error) {
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return domain.Enrolment{}, c, err
	}
	e, err := s.Store.EnrolmentOf(ctx, who.UserID, campaignID)
	if errors.Is(err, store.ErrNotFound) {
		return e, c, fail(CodeNotJoined, nil)
	}
	if err != nil {
		return e, c, internal("enrolment: %w", err)
	}
	if open && !s.isOpen(c) {
		return e, c, fail(CodeCampaignClosed, nil)
	}
	return e, c, nil
}

// ConsentView is the separate consent for sensitive personal data
// (requirements PS-1), to be shown before any of it is collected.
type ConsentView struct {
	Version  string `json:"version"`
	Text     string `json:"text"`
	Accepted bool   `json:"accepted"`
}

// Consent returns the campaign's consent text.
func (s *Service) Consent(ctx context.Context, who Caller, campaignID int64) (ConsentView, error) {
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return ConsentView{}, err
	}
	ok, err := s.Store.HasConsent(ctx, who.UserID, c.ID, c.ConsentVersion)
	if err != nil {
		return ConsentView{}, internal("consent: %w", err)
	}
	return ConsentView{Version: c.ConsentVersion, Text: c.ConsentText, Accepted: ok}, nil
}

// AcceptConsent records the acceptance of the version shown; a stale
// version (the text changed meanwhile) must be read again.
func (s *Service) AcceptConsent(ctx context.Context, who Caller, campaignID int64, version string) error {
	_, c, err := s.enrolment(ctx, who, campaignID, true)
	if err != nil {
		return err
	}
	if version != c.ConsentVersion {
		return fail(CodeConsentOutdated, nil)
	}
	sum := sha256.Sum256([]byte(c.ConsentText))
	err = s.Store.InsertConsent(ctx, domain.Consent{UserID: who.UserID, CampaignID: c.ID, Version: c.ConsentVersion, TextHash: hex.EncodeToString(sum[:]), Channel: who.Channel})
	if err != nil {
		return internal("consent: %w", err)
	}
	s.Log.InfoContext(ctx, "consent accepted", "user", who.UserID, "campaign", c.ID, "version", c.ConsentVersion)
	return nil
}

func (s *Service) requireConsent(ctx context.Context, who Caller, c domain.Campaign) error {
	ok, err := s.Store.HasConsent(ctx, who.UserID, c.ID, c.ConsentVersion)
	if err != nil {
		return internal("consent: %w", err)
	}
	if !ok {
		return fail(CodeConsentRequired, nil)
	}
	return nil
}

// DocIndex is the blind index of a document: type and canonical key.
func DocIndex(s *Service, n idnumber.Number) string {
	return s.Keys.Index(indexDoc, string(n.Type)+":"+n.Key)
}

// SealDoc encrypts a document number for its column.
func (s *Service) SealDoc(n idnumber.Number) []byte { return s.Keys.SealField(n.Value, indexDoc) }

// ParseDocument validates a document number of a type, with the public
// error of each problem.
func ParseDocument(docType, number string) (idnumber.Number, error) {
	t, ok := idnumber.ParseType(docType)
	if !ok {
		return idnumber.Number{}, fail(CodeDocType, nil)
	}
	n, err := idnumber.Parse(t, number)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, idnumber.ErrCheckDigit):
		return n, fail(CodeCheckDigit, err)
	case errors.Is(err, idnumber.ErrBirthDate):
		return n, fail(CodeBirthDate, err)
	case errors.Is(err, idnumber.ErrRegion):
		return n, fail(CodeRegion, err)
	case errors.Is(err, idnumber.ErrType):
		return n, fail(CodeDocType, err)
	default:
		return n, fail(CodeDocFormat, err)
	}
}

// IdentityInput is what the student types.
type IdentityInput struct {
	Name      string `json:"name"`
	DocType   string `json:"doc_type"`
	DocNumber string `json:"doc_number"`
}

// IdentityView is the identity as shown back: the number masked.
type IdentityView struct {
	Name      string `json:"name"`
	DocType   string `json:"doc_type"`
	DocTitle  string `json:"doc_title"`
	DocMasked string `json:"doc_number"`
	Warning   string `json:"warning,omitempty"`
}

// SetIdentity records name and document after consent; it can change
// until the roster match binds it.
func (s *Service) SetIdentity(ctx context.Context, who Caller, campaignID int64, in IdentityInput) (IdentityView, error) {
	e, c, err := s.enrolment(ctx, who, campaignID, true)
	if err != nil {
		return IdentityView{}, err
	}
	if err := s.requireConsent(ctx, who, c); err != nil {
		return IdentityView{}, err
	}
	if e.RosterRowID != 0 {
		return IdentityView{}, fail(CodeIdentityLocked, nil)
	}
	name := idnumber.NormaliseName(in.Name)
	if err := idnumber.ValidName(name); err != nil {
		return IdentityView{}, failMsg(CodeName, err.Error())
	}
	n, err := ParseDocument(in.DocType, in.DocNumber)
	if err != nil {
		return IdentityView{}, err
	}
	allowed := false
	for _, t := range docTypes(c) {
		allowed = allowed || t == n.Type
	}
	if !allowed {
		return IdentityView{}, fail(CodeDocType, nil)
	}
	masked := idnumber.Mask(n.Value)
	if err := s.Store.SetIdentity(ctx, e.ID, name, string(n.Type), DocIndex(s, n), s.SealDoc(n), masked); err != nil {
		return IdentityView{}, internal("identity: %w", err)
	}
	return IdentityView{Name: name, DocType: string(n.Type), DocTitle: n.Type.Title(), DocMasked: masked, Warning: n.Warning}, nil
}

// Document image sides.
const (
	SideFront = quality.SideFront
	SideBack  = quality.SideBack
)

// IDImageResult is the check of a document photo.
type IDImageResult struct {
	Side     string          `json:"side"`
	Accepted bool            `json:"accepted"`
	Findings []photo.Finding `json:"findings"`
}

// UploadIDImage checks and stores a photo of the identity document. A
// resident ID card is checked for its four corners, sharpness, glare and
// side; a blocking finding refuses the image with its specific message.
// Other documents are stored after the format checks.
func (s *Service) UploadIDImage(ctx context.Context, who Caller, campaignID int64, side string, data []byte) (IDImageResult, error) {
	if side != SideFront && side != SideBack {
		return IDImageResult{}, fail(CodeIDSide, nil)
	}
	e, c, err := s.enrolment(ctx, who, campaignID, true)
	if err != nil {
		return IDImageResult{}, err
	}
	if err := s.requireConsent(ctx, who, c); err != nil {
		return IDImageResult{}, err
	}
	if e.RosterRowID != 0 {
		return IDImageResult{}, fail(CodeIdentityLocked, nil)
	}
	if e.DocType == "" {
		return IDImageResult{}, fail(CodeIdentityRequired, nil)
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return IDImageResult{}, fail(CodeRequestTooLarge, nil)
	}
	if _, err := photo.Sniff(data); err != nil {
		return IDImageResult{}, err
	}
	res := IDImageResult{Side: side, Accepted: true, Findings: []photo.Finding{}}
	var decodeErr error
	err = s.withCPU(ctx, func() {
		img, _, err := s.Engine.Decode(data)
		if err != nil {
			decodeErr = err
			return
		}
		if e.DocType == string(idnumber.ResidentID) {
			res.Findings = s.Engine.CheckIDCard(img, side).Findings
		}
	})
	if err != nil {
		return res, internal("id image: %w", err)
	}
	if decodeErr != nil {
		return res, decodeErr
	}
	for _, f := range res.Findings {
		if f.Severity == domain.SeverityBlock {
			// The card check's own codes (card.blur...) become idcard.*
			// codes of the API, with the check's message.
			return res, &Error{Code: "idcard." + strings.TrimPrefix(f.Code, "card."), Message: f.Message}
		}
	}
	key, err := s.Blob.Put(ctx, "idcard", data)
	if err != nil {
		return res, internal("store id image: %w", err)
	}
	if err := s.Store.SetIDImage(ctx, e.ID, side == SideBack, key); err != nil {
		return res, internal("id image: %w", err)
	}
	old := e.IDFrontBlob
	if side == SideBack {
		old = e.IDBackBlob
	}
	if old != "" {
		s.Blob.Delete(ctx, old) // the replaced image is no longer needed (minimisation)
	}
	return res, nil
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

// needsBack reports whether a document has a second side to photograph.
func needsBack(docType string) bool { return docType == string(idnumber.ResidentID) }

// Match binds the enrolment to the roster row with the same document type,
// number and name. Failure says nothing about which field was wrong
// (requirements RO-3); tries are limited per user and per address.
func (s *Service) Match(ctx context.Context, who Caller, campaignID int64) (RecordView, error) {
	e, c, err := s.enrolment(ctx, who, campaignID, true)
	if err != nil {
		return RecordView{}, err
	}
	if e.RosterRowID != 0 {
		return s.record(ctx, c, e.RosterRowID)
	}
	if e.DocIndex == "" {
		return RecordView{}, fail(CodeIdentityRequired, nil)
	}
	if c.RequireIDImages && (e.IDFrontBlob == "" || needsBack(e.DocType) && e.IDBackBlob == "") {
		return RecordView{}, fail(CodeIDImages, nil)
	}
	if err := s.limit(ctx, "match-user", itoa(who.UserID), CodeMatchLimited); err != nil {
		return RecordView{}, err
	}
	if err := s.limit(ctx, "match-ip", who.IP, CodeMatchLimited); err != nil {
		return RecordView{}, err
	}
	row, err := s.Store.RosterRowByDoc(ctx, c.ID, e.DocIndex)
	if errors.Is(err, store.ErrNotFound) || err == nil && (row.DocType != e.DocType || idnumber.NormaliseName(row.Name) != e.Name) {
		s.Log.InfoContext(ctx, "roster match failed", "user", who.UserID, "campaign", c.ID)
		return RecordView{}, fail(CodeNoMatch, nil)
	}
	if err != nil {
		return RecordView{}, internal("roster: %w", err)
	}
	if err := s.Store.MatchRoster(ctx, e.ID, who.UserID, row.ID); errors.Is(err, store.ErrConflict) {
		s.Log.WarnContext(ctx, "roster row bound to another account", "user", who.UserID, "campaign", c.ID, "row", row.ID)
		return RecordView{}, fail(CodeRosterBound, nil)
	} else if err != nil {
		return RecordView{}, internal("match: %w", err)
	}
	s.Log.InfoContext(ctx, "roster matched", "user", who.UserID, "campaign", c.ID, "row", row.ID)
	return s.record(ctx, c, row.ID)
}

func (s *Service) record(ctx context.Context, c domain.Campaign, rowID int64) (RecordView, error) {
	row, err := s.Store.RosterRow(ctx, rowID)
	if err != nil {
		return RecordView{}, internal("roster row: %w", err)
	}
	return RecordView{School: c.School.Name, Name: row.Name, DocMasked: row.DocMasked, StudentNo: row.StudentNo, College: row.College,
		Major: row.Major, ClassName: row.ClassName, Grade: row.Grade}, nil
}

// Confirm records that the student checked the matched record (进入采集).
func (s *Service) Confirm(ctx context.Context, who Caller, campaignID int64) (Status, error) {
	e, _, err := s.enrolment(ctx, who, campaignID, true)
	if err != nil {
		return Status{}, err
	}
	if e.RosterRowID == 0 {
		return Status{}, fail(CodeNotMatched, nil)
	}
	if err := s.Store.ConfirmEnrolment(ctx, e.ID); err != nil {
		return Status{}, internal("confirm: %w", err)
	}
	return s.Status(ctx, who, campaignID)
}
