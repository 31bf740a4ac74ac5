package enrol

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
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
	// The vendor's hotline, for what the school cannot answer (the
	// photo, the app); absent when none is configured.
	VendorPhone string `json:"vendor_phone,omitempty"`
	VendorHours string `json:"vendor_hours,omitempty"`
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

// View is a campaign as a student sees it.
func (s *Service) View(c domain.Campaign) CampaignView {
	v := CampaignView{
		ID: c.ID, Name: c.Name, Kind: c.Kind, KindTitle: domain.CampaignKind(c.Kind).Title(), School: c.School.Name,
		OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, Open: s.IsOpen(c), AllowAlbum: c.AllowAlbum, RequireIDImages: c.RequireIDImages,
		Contact:    ContactView{c.School.ContactName, c.School.ContactPhone, c.School.ContactHours, s.cfg.VendorPhone, s.cfg.VendorHours},
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

// IsOpen reports whether a campaign takes students now.
func (s *Service) IsOpen(c domain.Campaign) bool {
	return c.OpenAt(s.now())
}

// Campaigns lists the open campaigns.
func (s *Service) Campaigns(ctx context.Context) ([]CampaignView, error) {
	list, err := s.Store.OpenCampaigns(ctx, s.now())
	if err != nil {
		return nil, domain.Internal("campaigns: %w", err)
	}
	out := make([]CampaignView, 0, len(list))
	for _, c := range list {
		out = append(out, s.View(c))
	}
	return out, nil
}

// Campaign gets one campaign (open or not: a student follows a closed
// campaign's result).
func (s *Service) Campaign(ctx context.Context, id int64) (CampaignView, error) {
	c, err := s.Load(ctx, id)
	if err != nil {
		return CampaignView{}, err
	}
	return s.View(c), nil
}

// CampaignByCode finds a campaign by its join code (特征码). Wrong codes
// are counted per address, so that codes cannot be guessed by trying.
func (s *Service) CampaignByCode(ctx context.Context, code, ip string) (CampaignView, error) {
	if wait, err := s.Limiter.Exceeded(ctx, "joincode-miss-ip", ip); err != nil {
		return CampaignView{}, domain.Internal("%w", err)
	} else if wait > 0 {
		return CampaignView{}, fail(CodeJoinCodeLimited, nil).WithRetry(wait)
	}
	miss := func() (CampaignView, error) {
		if err := s.Limiter.Hit(ctx, "joincode-miss-ip", ip); err != nil {
			return CampaignView{}, domain.Internal("%w", err)
		}
		return CampaignView{}, fail(CodeCampaignNotFound, nil)
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || len(code) > 32 {
		return miss()
	}
	c, err := s.Store.CampaignByJoinCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return miss()
	}
	if err != nil {
		return CampaignView{}, domain.Internal("campaign: %w", err)
	}
	return s.View(c), nil
}

// Load is a campaign, or campaign.not_found.
func (s *Service) Load(ctx context.Context, id int64) (domain.Campaign, error) {
	c, err := s.Store.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, fail(CodeCampaignNotFound, nil)
	}
	if err != nil {
		return c, domain.Internal("campaign %d: %w", id, err)
	}
	return c, nil
}
