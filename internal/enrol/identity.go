package enrol

import (
	"context"
	"errors"
	"strconv"
	"strings"

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
	e, c, err := s.Enrolment(ctx, who, campaignID, true)
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
func (s *Service) UploadIDImage(ctx context.Context, who domain.Caller, campaignID int64, side string, data []byte) (IDImageResult, error) {
	if side != SideFront && side != SideBack {
		return IDImageResult{}, fail(CodeIDSide, nil)
	}
	if err := s.Limiter.Check(ctx, "idimage-user", strconv.FormatInt(who.UserID, 10), fail(CodeIDImageRate, nil)); err != nil {
		return IDImageResult{}, err
	}
	e, c, err := s.Enrolment(ctx, who, campaignID, true)
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
		return IDImageResult{}, domain.Errors.Fail(domain.CodeRequestTooLarge, nil)
	}
	if _, err := photo.Sniff(data); err != nil {
		return IDImageResult{}, err
	}
	res := IDImageResult{Side: side, Accepted: true, Findings: []photo.Finding{}}
	findings, refusal, err := s.Engine.CheckDocument(ctx, data, side, e.DocType == string(idnumber.ResidentID))
	if err != nil {
		return res, domain.Internal("id image: %w", err)
	}
	if refusal != nil {
		return res, refusal
	}
	res.Findings = append(res.Findings, findings...)
	for _, f := range res.Findings {
		if f.Severity == domain.SeverityBlock {
			// The card check's own codes (card.blur...) become idcard.*
			// codes of the API, with the check's message.
			return res, &domain.Error{Code: "idcard." + strings.TrimPrefix(f.Code, "card."), Message: f.Message}
		}
	}
	key, err := s.Blob.Put(ctx, "idcard", data)
	if err != nil {
		return res, domain.Internal("store id image: %w", err)
	}
	if err := s.Store.SetIDImage(ctx, e.ID, side == SideBack, key); err != nil {
		return res, domain.Internal("id image: %w", err)
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
