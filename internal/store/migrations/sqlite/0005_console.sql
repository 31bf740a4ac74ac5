-- The console's settings and views (requirements RO-1, AU-4, AU-6).

-- A campaign's review deadline in working days, and the review reasons it
-- uses with their student-facing text (JSON: [{"code","text"}]; empty:
-- every built-in reason with its built-in text).
ALTER TABLE campaigns ADD COLUMN review_days INTEGER NOT NULL DEFAULT 2;
ALTER TABLE campaigns ADD COLUMN reasons_json TEXT NOT NULL DEFAULT '';
-- A campaign without a roster: a student whose document is not on it is
-- added to it from their checked identity (campus-card and similar
-- collections that take anyone who proves who they are).
ALTER TABLE campaigns ADD COLUMN roster_optional INTEGER NOT NULL DEFAULT 0;

-- A school's optional IP allow-list for its staff: comma-separated
-- addresses and CIDR prefixes; empty is anywhere.
ALTER TABLE schools ADD COLUMN staff_ip_allow TEXT NOT NULL DEFAULT '';

-- A vendor staff member's access to one school's personal data, with the
-- reason they gave, for a bounded time.
CREATE TABLE support_access (
    id         INTEGER PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff_users(id),
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX support_access_staff ON support_access (staff_id, expires_at);

-- The staff's student lists filter a campaign by college and class.
CREATE INDEX roster_rows_scope ON roster_rows (campaign_id, college, class_name, id);
