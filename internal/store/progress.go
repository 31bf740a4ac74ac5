package store

import (
	"context"
	"time"

	"zhipai/internal/domain"
)

// ProgressRow counts a class's students by where they are (requirements
// RO-7).
type ProgressRow struct {
	College, Class string
	domain.Tally
}

// Progress counts a campaign's roster within a scope per college and
// class, in SQL: not signed in, not submitted (signed in, or withdrawn),
// waiting for review, rejected, approved, exported.
func (s *Store) Progress(ctx context.Context, sc domain.Scope, campaignID int64) ([]ProgressRow, error) {
	where, args := scopeWhere(sc)
	rows, err := s.rows(ctx, nil, `SELECT r.college, r.class_name, COUNT(*),
		SUM(CASE WHEN e.id IS NULL AND r.exempt_reason = '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.id IS NOT NULL AND e.sub_state IN ('', 'withdrawn') AND r.exempt_reason = '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.sub_state IN ('pending', 'in_review') THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.sub_state = 'rejected' THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.sub_state = 'approved' THEN 1 ELSE 0 END),
		SUM(CASE WHEN e.sub_state = 'approved' AND e.sub_exported = 1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.exempt_reason <> '' AND (e.sub_state IS NULL OR e.sub_state <> 'approved') THEN 1 ELSE 0 END)
		FROM roster_rows r JOIN campaigns c ON c.id = r.campaign_id
		LEFT JOIN enrolments e ON e.roster_row_id = r.id
		WHERE r.campaign_id = ? AND `+where+` GROUP BY r.college, r.class_name ORDER BY r.college, r.class_name`, append([]any{campaignID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ProgressRow{}
	for rows.Next() {
		var p ProgressRow
		if err := rows.Scan(&p.College, &p.Class, &p.Total, &p.NotSignedIn, &p.NotSubmitted, &p.Waiting, &p.Rejected, &p.Approved, &p.Exported, &p.Exempt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Unmatched counts a campaign's students who signed in but are not yet
// matched to a roster row (they belong to no class yet).
func (s *Store) Unmatched(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM enrolments WHERE campaign_id = ? AND roster_row_id IS NULL`, campaignID).Scan(&n)
	return n, err
}

// DayCount is a day's number of submissions and of approvals.
type DayCount struct {
	Day                 time.Time
	Submitted, Approved int
}

// Daily counts a campaign's submissions and approvals per day (UTC+8) in
// a scope, oldest first.
func (s *Store) Daily(ctx context.Context, sc domain.Scope, campaignID int64) ([]DayCount, error) {
	where, args := reviewScope(sc)
	const day, shift = 86400000, 8 * 3600000 // China Standard Time days
	rows, err := s.rows(ctx, nil, `SELECT d, SUM(sub), SUM(appr) FROM (
		SELECT (sb.created_at + ?) / ? AS d, 1 AS sub, 0 AS appr FROM submissions sb WHERE sb.campaign_id = ? AND `+where+`
		UNION ALL
		SELECT (sb.decided_at + ?) / ?, 0, 1 FROM submissions sb WHERE sb.campaign_id = ? AND sb.state = 'approved' AND sb.decided_at > 0 AND `+where+`
		) t GROUP BY d ORDER BY d`,
		append(append(append([]any{shift, day, campaignID}, args...), shift, day, campaignID), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var d int64
		var c DayCount
		if err := rows.Scan(&d, &c.Submitted, &c.Approved); err != nil {
			return nil, err
		}
		c.Day = time.UnixMilli(d*day - shift).In(chinaTime)
		out = append(out, c)
	}
	return out, rows.Err()
}

// chinaTime is China Standard Time (no daylight saving).
var chinaTime = domain.China
