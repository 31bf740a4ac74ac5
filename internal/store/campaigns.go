package store

import (
	"context"
	"time"

	"zhipai/internal/domain"
)

// CreateSchool inserts a school.
func (s *Store) CreateSchool(ctx context.Context, sc domain.School) (int64, error) {
	return s.insert(ctx, nil, `INSERT INTO schools (name, code, contact_name, contact_phone, contact_hours, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		sc.Name, sc.Code, sc.ContactName, sc.ContactPhone, sc.ContactHours, s.ms())
}

// SchoolByCode finds a school.
func (s *Store) SchoolByCode(ctx context.Context, code string) (domain.School, error) {
	sc, err := scanSchool(s.row(ctx, nil, `SELECT `+schoolCols+` FROM schools WHERE code = ?`, code))
	return sc, notFound(err, "school", code)
}

// CreateCampaign inserts a campaign.
func (s *Store) CreateCampaign(ctx context.Context, c domain.Campaign) (int64, error) {
	if c.ReviewDays == 0 {
		c.ReviewDays = 2
	}
	return s.insert(ctx, nil, `INSERT INTO campaigns (school_id, name, kind, spec_json, join_code, opens_at, closes_at, allow_album,
		require_id_images, id_types, consent_version, consent_text, faq_json, max_uploads, review_days, reasons_json, roster_optional, second_review, sample_percent, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.SchoolID, c.Name, c.Kind, c.SpecJSON, c.JoinCode, c.OpensAt.UnixMilli(), c.ClosesAt.UnixMilli(), boolInt(c.AllowAlbum),
		boolInt(c.RequireIDImages), c.IDTypes, c.ConsentVersion, c.ConsentText, c.FAQJSON, c.MaxUploads, c.ReviewDays, c.ReasonsJSON, boolInt(c.RosterOptional), boolInt(c.SecondReview), c.SamplePercent, s.ms())
}

// UpdateCampaign changes a campaign's settings (not its school, consent or
// document types); a join code another campaign has is ErrConflict.
func (s *Store) UpdateCampaign(ctx context.Context, c domain.Campaign) error {
	_, err := s.exec(ctx, nil, `UPDATE campaigns SET name = ?, kind = ?, spec_json = ?, join_code = ?, opens_at = ?, closes_at = ?,
		allow_album = ?, require_id_images = ?, max_uploads = ?, review_days = ?, reasons_json = ?, roster_optional = ?,
		second_review = ?, sample_percent = ? WHERE id = ?`,
		c.Name, c.Kind, c.SpecJSON, c.JoinCode, c.OpensAt.UnixMilli(), c.ClosesAt.UnixMilli(), boolInt(c.AllowAlbum),
		boolInt(c.RequireIDImages), c.MaxUploads, c.ReviewDays, c.ReasonsJSON, boolInt(c.RosterOptional), boolInt(c.SecondReview), c.SamplePercent, c.ID)
	s.campaignCache.drop(c.ID)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

const campaignCols = `c.id, c.school_id, c.name, c.kind, c.spec_json, c.join_code, c.opens_at, c.closes_at, c.allow_album,
	c.require_id_images, c.id_types, c.consent_version, c.consent_text, c.faq_json, c.max_uploads, c.review_days, c.reasons_json, c.roster_optional,
	c.second_review, c.sample_percent, s.id, s.name, s.code, s.contact_name, s.contact_phone, s.contact_hours, s.staff_ip_allow`

func scanCampaign(sc interface{ Scan(...any) error }) (domain.Campaign, error) {
	var c domain.Campaign
	var opens, closes int64
	var album, ids, optional, second int
	err := sc.Scan(&c.ID, &c.SchoolID, &c.Name, &c.Kind, &c.SpecJSON, &c.JoinCode, &opens, &closes, &album, &ids, &c.IDTypes,
		&c.ConsentVersion, &c.ConsentText, &c.FAQJSON, &c.MaxUploads, &c.ReviewDays, &c.ReasonsJSON, &optional, &second, &c.SamplePercent,
		&c.School.ID, &c.School.Name, &c.School.Code, &c.School.ContactName, &c.School.ContactPhone, &c.School.ContactHours, &c.School.StaffIPAllow)
	c.OpensAt, c.ClosesAt, c.AllowAlbum, c.RequireIDImages, c.RosterOptional = msTime(opens), msTime(closes), album == 1, ids == 1, optional == 1
	c.SecondReview = second == 1
	return c, err
}

// Campaign gets a campaign with its school.
// It is read on nearly every student request, so it is cached (CacheTTL).
func (s *Store) Campaign(ctx context.Context, id int64) (domain.Campaign, error) {
	if c, ok := s.campaignCache.get(id); ok {
		return c, nil
	}
	c, err := scanCampaign(s.row(ctx, nil, `SELECT `+campaignCols+` FROM campaigns c JOIN schools s ON s.id = c.school_id WHERE c.id = ?`, id))
	if err == nil {
		s.campaignCache.put(id, c)
	}
	return c, notFound(err, "campaign", id)
}

// CampaignByJoinCode finds a campaign by its join code (特征码).
func (s *Store) CampaignByJoinCode(ctx context.Context, code string) (domain.Campaign, error) {
	c, err := scanCampaign(s.row(ctx, nil, `SELECT `+campaignCols+` FROM campaigns c JOIN schools s ON s.id = c.school_id WHERE c.join_code = ?`, code))
	return c, notFound(err, "campaign with join code", code)
}

// OpenCampaigns lists the campaigns open at a moment.
func (s *Store) OpenCampaigns(ctx context.Context, at time.Time) ([]domain.Campaign, error) {
	return s.campaigns(ctx, `WHERE c.opens_at <= ? AND c.closes_at > ? ORDER BY s.name, c.id`, at.UnixMilli(), at.UnixMilli())
}

// CampaignsIn lists the campaigns a staff scope sees, newest first: the
// vendor every school's, anyone else their school's only.
func (s *Store) CampaignsIn(ctx context.Context, sc domain.Scope) ([]domain.Campaign, error) {
	if sc.Vendor {
		return s.campaigns(ctx, `ORDER BY c.opens_at DESC, c.id DESC`)
	}
	return s.campaigns(ctx, `WHERE c.school_id = ? ORDER BY c.opens_at DESC, c.id DESC`, sc.SchoolID)
}

// campaigns runs a campaign query given its WHERE and ORDER BY.
func (s *Store) campaigns(ctx context.Context, tail string, args ...any) ([]domain.Campaign, error) {
	rows, err := s.rows(ctx, nil, `SELECT `+campaignCols+` FROM campaigns c JOIN schools s ON s.id = c.school_id `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// School gets a school.
func (s *Store) School(ctx context.Context, id int64) (domain.School, error) {
	sc, err := scanSchool(s.row(ctx, nil, `SELECT `+schoolCols+` FROM schools WHERE id = ?`, id))
	return sc, notFound(err, "school", id)
}

const schoolCols = `id, name, code, contact_name, contact_phone, contact_hours, staff_ip_allow`

func scanSchool(sc interface{ Scan(...any) error }) (domain.School, error) {
	var s domain.School
	err := sc.Scan(&s.ID, &s.Name, &s.Code, &s.ContactName, &s.ContactPhone, &s.ContactHours, &s.StaffIPAllow)
	return s, err
}

// SetStaffIPAllow replaces a school's staff IP allow-list.
func (s *Store) SetStaffIPAllow(ctx context.Context, schoolID int64, list string) error {
	_, err := s.exec(ctx, nil, `UPDATE schools SET staff_ip_allow = ? WHERE id = ?`, list, schoolID)
	s.campaignCache.dropAll() // campaigns carry their school
	return err
}

// CampaignOfSubmission gets the campaign a submission was made in.
func (s *Store) CampaignOfSubmission(ctx context.Context, submissionID int64) (domain.Campaign, error) {
	c, err := scanCampaign(s.row(ctx, nil, `SELECT `+campaignCols+` FROM submissions sb JOIN enrolments e ON e.id = sb.enrolment_id
		JOIN campaigns c ON c.id = e.campaign_id JOIN schools s ON s.id = c.school_id WHERE sb.id = ?`, submissionID))
	return c, notFound(err, "campaign of submission", submissionID)
}
