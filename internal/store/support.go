package store

import (
	"context"
	"database/sql"

	"zhipai/internal/domain"
)

// OpenSupportCase records a case; the same open case again (same kind,
// row and claimant) is recorded once (opened false).
func (s *Store) OpenSupportCase(ctx context.Context, c domain.SupportCase) (opened bool, err error) {
	var row any
	if c.RosterRowID != 0 {
		row = c.RosterRowID
	}
	_, err = s.insert(ctx, nil, `INSERT INTO support_cases (campaign_id, kind, roster_row_id, user_id, ip, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.CampaignID, c.Kind, row, c.UserID, c.IP, s.ms())
	if err == ErrConflict {
		return false, nil
	}
	return err == nil, err
}

// OpenSupportCases lists a campaign's open cases, oldest first.
func (s *Store) OpenSupportCases(ctx context.Context, campaignID int64) ([]domain.SupportCase, error) {
	rows, err := s.rows(ctx, nil, `SELECT id, campaign_id, kind, roster_row_id, user_id, ip, created_at FROM support_cases
		WHERE campaign_id = ? AND resolved_at IS NULL ORDER BY created_at, id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.SupportCase
	for rows.Next() {
		var c domain.SupportCase
		var row sql.NullInt64
		var at int64
		if err := rows.Scan(&c.ID, &c.CampaignID, &c.Kind, &row, &c.UserID, &c.IP, &at); err != nil {
			return nil, err
		}
		c.RosterRowID, c.CreatedAt = row.Int64, msTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
