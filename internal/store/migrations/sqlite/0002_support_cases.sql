-- Support cases: what a student cannot settle alone and the school must
-- look at. The first kind: a roster row already bound to one account is
-- claimed by another with the same name and document number (someone
-- took a classmate's row first, or the student has a second account).
CREATE TABLE support_cases (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    kind          TEXT    NOT NULL,
    roster_row_id INTEGER REFERENCES roster_rows(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    ip            TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER
);
CREATE INDEX support_cases_open ON support_cases (campaign_id, resolved_at, created_at);
-- One open case per row and claimant: a student retrying adds nothing.
CREATE UNIQUE INDEX support_cases_claim ON support_cases (kind, roster_row_id, user_id) WHERE resolved_at IS NULL;
