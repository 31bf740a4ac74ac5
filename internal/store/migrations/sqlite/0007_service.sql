-- What reaches the student besides the page (requirements CS-1, CS-5):
-- the in-app inbox, and its deliveries by SMS and WeChat subscribe
-- message, each a job. dedup_key makes a notice once per student however
-- often its cause repeats (a reminder, a retried job). visible_at holds an
-- approval back for the reviewer's undo window.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    campaign_id INTEGER NOT NULL DEFAULT 0,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    link        TEXT    NOT NULL DEFAULT '',
    params_json TEXT    NOT NULL DEFAULT '{}',
    dedup_key   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    visible_at  INTEGER NOT NULL,
    read_at     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX notifications_dedup ON notifications (user_id, dedup_key);
CREATE INDEX notifications_inbox ON notifications (user_id, visible_at, id);
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX deliveries_once ON deliveries (notification_id, channel);
-- A WeChat subscribe message goes to the openid itself: kept encrypted,
-- beside the keyed index that finds the account.
ALTER TABLE users ADD COLUMN openid_enc BLOB;

-- Customer service (requirements CS-4, the seed's online service): a ticket per
-- question with its thread; due_at is the service-level time for the next
-- answer, cleared when staff answer and set again when the student writes.
CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    enrolment_id INTEGER NOT NULL DEFAULT 0,
    college     TEXT    NOT NULL DEFAULT '',
    class_name  TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL DEFAULT 0,
    first_answer_at INTEGER NOT NULL DEFAULT 0,
    closed_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tickets_open ON tickets (school_id, status, due_at);
CREATE INDEX tickets_user ON tickets (user_id, id);
CREATE TABLE ticket_messages (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    staff_id   INTEGER NOT NULL DEFAULT 0,
    author     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    attachment TEXT    NOT NULL DEFAULT '',
    attachment_type TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_messages_thread ON ticket_messages (ticket_id, id);

-- Two-level review and sampling (requirements RV-8). With second_review,
-- a vendor reviewer's verdict is a first pass kept on the submission and
-- the school's reviewer decides; sample_percent of approvals are drawn
-- for a second look. reversed marks a decision a later look overturned,
-- which the reviewer statistics count against whoever made it.
ALTER TABLE campaigns ADD COLUMN second_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN sample_percent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN first_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN first_verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN first_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN first_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN sample TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN reversed_by INTEGER NOT NULL DEFAULT 0;
CREATE INDEX submissions_decider ON submissions (decided_by, decided_at);
CREATE INDEX submissions_first ON submissions (first_by, first_at);
