-- The review queue (requirements RV-1..RV-10).
-- findings: the reason codes of the automatic checks' warnings at
-- submission ("R09,R11"; empty: the checks passed cleanly, which batch
-- approval takes). due_at: the review deadline (the campaign's working
-- days). claimed_by/claimed_until: a reviewer's claim, free once past.
ALTER TABLE submissions ADD COLUMN findings TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN claimed_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN decided_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN decided_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN exported_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX submissions_queue ON submissions (state, due_at, id);

-- Exports (requirements EX-1..EX-7): a ZIP built by a job, downloaded by a
-- signed link until it expires.
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    staff_id    INTEGER NOT NULL,
    params_json TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    blob        TEXT    NOT NULL DEFAULT '',
    files       INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX exports_campaign ON exports (campaign_id, id);
