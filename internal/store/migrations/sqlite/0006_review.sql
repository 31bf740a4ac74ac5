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
-- Where a submission belongs, copied from its enrolment and roster row
-- (kept in step when a re-import moves a student), so that the queue and
-- its counts filter one table; and the state of each enrolment's latest
-- submission on the enrolment, so that progress counts one join.
ALTER TABLE submissions ADD COLUMN campaign_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN school_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN college TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN class_name TEXT NOT NULL DEFAULT '';
UPDATE submissions SET campaign_id = (SELECT e.campaign_id FROM enrolments e WHERE e.id = submissions.enrolment_id);
UPDATE submissions SET school_id = (SELECT c.school_id FROM campaigns c WHERE c.id = submissions.campaign_id),
    college = COALESCE((SELECT r.college FROM enrolments e JOIN roster_rows r ON r.id = e.roster_row_id WHERE e.id = submissions.enrolment_id), ''),
    class_name = COALESCE((SELECT r.class_name FROM enrolments e JOIN roster_rows r ON r.id = e.roster_row_id WHERE e.id = submissions.enrolment_id), '');
CREATE INDEX submissions_queue ON submissions (campaign_id, due_at, id);
CREATE INDEX submissions_counts ON submissions (campaign_id, state, findings);
CREATE INDEX submissions_class ON submissions (campaign_id, college, class_name, state);
ALTER TABLE enrolments ADD COLUMN sub_state TEXT NOT NULL DEFAULT '';
ALTER TABLE enrolments ADD COLUMN sub_exported INTEGER NOT NULL DEFAULT 0;
UPDATE enrolments SET sub_state = COALESCE((SELECT s.state FROM submissions s WHERE s.enrolment_id = enrolments.id ORDER BY s.id DESC LIMIT 1), ''),
    sub_exported = COALESCE((SELECT CASE WHEN s.exported_at > 0 THEN 1 ELSE 0 END FROM submissions s WHERE s.enrolment_id = enrolments.id ORDER BY s.id DESC LIMIT 1), 0);
CREATE INDEX enrolments_progress ON enrolments (roster_row_id, sub_state, sub_exported);

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

-- 免采 marks a student the school exempts from the collection (a photo taken
-- offline, a deferred enrolment), with the reason; progress counts them
-- apart.
ALTER TABLE roster_rows ADD COLUMN exempt_reason TEXT NOT NULL DEFAULT '';
-- Progress reads the exemption of every row: keep it in the scope index.
DROP INDEX roster_rows_scope;
CREATE INDEX roster_rows_scope ON roster_rows (campaign_id, college, class_name, id, exempt_reason);
