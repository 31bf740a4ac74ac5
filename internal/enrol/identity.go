package enrol

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
	"zhipai/internal/secret"
)

// DocIndex is the blind index of a document: type and canonical key.
func DocIndex(keys *secret.Keys, n idnumber.Number) string {
	return keys.Index(domain.IndexDocument, string(n.Type)+":"+n.Key)
}

// SealDoc encrypts a document number for its column.
func SealDoc(keys *secret.Keys, n idnumber.Number) []byte {
	return keys.SealField(n.Value, domain.IndexDocument)
}

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
func (s *Service) SetIdentity(ctx context.Context, who domain.Caller, campaignID int64, in IdentityInput) (IdentityView, error) {
	e, c, err := s.consentedEnrolment(ctx, who, campaignID)
	if err != nil {
		return IdentityView{}, err
	}
	if e.RosterRowID != 0 {
		return IdentityView{}, fail(CodeIdentityLocked, nil)
	}
	name := idnumber.NormaliseName(in.Name)
	if err := idnumber.ValidName(name); err != nil {
		return IdentityView{}, Errors.FailMsg(CodeName, err.Error())
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
	if e.CardDocIndex != "" && n.Type == idnumber.ResidentID && DocIndex(s.Keys, n) != e.CardDocIndex {
		// The card's front was photographed first: its number decides.
		return IdentityView{}, fail(CodeCardNumberMismatch, nil)
	}
	masked := idnumber.Mask(n.Value)
	if err := s.Store.SetIdentity(ctx, e.ID, name, string(n.Type), DocIndex(s.Keys, n), SealDoc(s.Keys, n), masked); err != nil {
		return IdentityView{}, domain.Internal("identity: %w", err)
	}
	return IdentityView{Name: name, DocType: string(n.Type), DocTitle: n.Type.Title(), DocMasked: masked, Warning: n.Warning}, nil
}

// Document image sides.
const (
	SideFront = quality.SideFront
	SideBack  = quality.SideBack
)

// IDImageResult is the check of a document photo. Read is what the
// card's front says, offered to fill in the identity when the card was
// photographed before the identity was typed.
type IDImageResult struct {
	Side     string          `json:"side"`
	Accepted bool            `json:"accepted"`
	Findings []photo.Finding `json:"findings"`
	Read     *CardRead       `json:"read,omitempty"`
}

// CardRead is the name and number read off a card's front.
type CardRead struct {
	Name      string `json:"name,omitempty"`
	DocType   string `json:"doc_type"`
	DocNumber string `json:"doc_number"`
}

// Confidence a read needs: below them the card asks for a clearer photo.
const (
	minNumberConf = 0.6
	minValidConf  = 0.5
)

// UploadIDImage checks and stores a photo of the identity document, in
// the request: the answer of the first API, kept for the clients built on
// it. SubmitIDImage queues the check instead. A resident ID card is
// checked for its four corners, sharpness, glare and side, and read: the
// front's number must be the typed one (and the name, when read surely),
// the back's validity must not have ended. A blocking finding refuses the
// image with its specific message. Other documents are stored after the
// format checks. The card may come before the identity, where the
// campaign takes resident ID cards: its reading fills it in.
func (s *Service) UploadIDImage(ctx context.Context, who domain.Caller, campaignID int64, side string, data []byte) (IDImageResult, error) {
	e, idCard, err := s.cardUpload(ctx, who, campaignID, side, data)
	if err != nil {
		return IDImageResult{}, err
	}
	res, cardIndex, err := s.checkCardPhoto(ctx, e, side, idCard, data)
	if err != nil {
		return res, err
	}
	key, err := blob.PutBytes(ctx, s.Blob, "idcard", data)
	if err != nil {
		return res, domain.Internal("store id image: %w", err)
	}
	replaced, err := s.Store.SetIDImage(ctx, e.ID, side, key, cardIndex)
	if err != nil {
		return res, domain.Internal("id image: %w", err)
	}
	if replaced != "" {
		s.Blob.Delete(ctx, replaced) // the replaced image is no longer needed (minimisation)
	}
	return res, nil
}

// cardUpload holds a document photo to what every upload must meet: a
// side, the rate, the consent, an identity not yet bound, a document the
// campaign takes, the size and an image format. It returns the
// enrolment, and whether the photo is of a resident ID card (to be read).
func (s *Service) cardUpload(ctx context.Context, who domain.Caller, campaignID int64, side string, data []byte) (domain.Enrolment, bool, error) {
	if side != SideFront && side != SideBack {
		return domain.Enrolment{}, false, fail(CodeIDSide, nil)
	}
	if err := s.Limiter.Check(ctx, "idimage-user", strconv.FormatInt(who.UserID, 10), fail(CodeIDImageRate, nil)); err != nil {
		return domain.Enrolment{}, false, err
	}
	e, c, err := s.consentedEnrolment(ctx, who, campaignID)
	if err != nil {
		return e, false, err
	}
	if e.RosterRowID != 0 {
		return e, false, fail(CodeIdentityLocked, nil)
	}
	docType := e.DocType
	if docType == "" {
		if !slices.Contains(docTypes(c), idnumber.ResidentID) {
			return e, false, fail(CodeIdentityRequired, nil)
		}
		docType = string(idnumber.ResidentID)
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return e, false, domain.Errors.Fail(domain.CodeRequestTooLarge, nil)
	}
	if _, err := photo.Sniff(data); err != nil {
		return e, false, err
	}
	return e, docType == string(idnumber.ResidentID), nil
}

// checkCardPhoto checks a document photo against the enrolment (in an
// engine slot): the findings, and for a resident ID card what it says.
// It returns the answer and the blind index of the number the front says.
func (s *Service) checkCardPhoto(ctx context.Context, e domain.Enrolment, side string, idCard bool, data []byte) (IDImageResult, string, error) {
	res := IDImageResult{Side: side, Accepted: true, Findings: []photo.Finding{}}
	findings, text, refusal, err := s.Engine.CheckDocument(ctx, data, side, idCard, e.Name)
	if err != nil {
		return res, "", domain.Internal("id image: %w", err)
	}
	if refusal != nil {
		return res, "", refusal
	}
	res.Findings = append(res.Findings, findings...)
	for _, f := range res.Findings {
		if f.Severity == domain.SeverityBlock {
			// The card check's own codes (card.blur...) become idcard.*
			// codes of the API, with the check's message.
			return res, "", &domain.Error{Code: "idcard." + strings.TrimPrefix(f.Code, "card."), Message: f.Message}
		}
	}
	cardIndex := ""
	if idCard {
		if cardIndex, res.Read, err = s.checkCardText(e, side, text); err != nil {
			return res, "", err
		}
	}
	return res, cardIndex, nil
}

// checkCardText holds what a resident ID card says against the enrolment:
// the front's number (and surely read name) against the typed identity,
// the back's validity against today. It returns the blind index of the
// front's number, and the reading to fill the identity in with when none
// was typed (the number read is never shown otherwise).
func (s *Service) checkCardText(e domain.Enrolment, side string, text *quality.CardText) (string, *CardRead, error) {
	if side == SideBack {
		if text == nil || text.ValidFrom.IsZero() || text.ValidConf < minValidConf {
			return "", nil, fail(CodeCardBackUnreadable, nil)
		}
		today := s.now().In(domain.China)
		if !text.LongTerm && text.ValidTo.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
			return "", nil, fail(CodeCardExpired, nil)
		}
		return "", nil, nil
	}
	if text == nil || text.Number == "" || text.NumberConf < minNumberConf {
		return "", nil, fail(CodeCardUnreadable, nil)
	}
	n, err := idnumber.Parse(idnumber.ResidentID, text.Number)
	if err != nil {
		return "", nil, fail(CodeCardUnreadable, nil)
	}
	index := DocIndex(s.Keys, n)
	if e.DocIndex == "" {
		return index, &CardRead{Name: text.Name, DocType: string(idnumber.ResidentID), DocNumber: n.Value}, nil
	}
	if e.DocType != string(idnumber.ResidentID) || index != e.DocIndex {
		return "", nil, fail(CodeCardNumberMismatch, nil)
	}
	// The name: the card says the typed one, or, read freely and surely,
	// another.
	if text.ContradictsName(e.Name) {
		return "", nil, fail(CodeCardNameMismatch, nil)
	}
	return index, nil, nil
}
