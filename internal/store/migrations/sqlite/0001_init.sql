-- Zhipai schema, SQLite. Times are Unix milliseconds; personal data is
-- sealed (AES-256-GCM) in *_enc columns and found by keyed HMAC *_index
-- columns; images live in the blob store under *_blob keys.

CREATE TABLE schools (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    code          TEXT    NOT NULL UNIQUE,
    contact_name  TEXT    NOT NULL DEFAULT '',
    contact_phone TEXT    NOT NULL DEFAULT '',
    contact_hours TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id         INTEGER NOT NULL REFERENCES schools(id),
    name              TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    spec_json         TEXT    NOT NULL,
    join_code         TEXT    NOT NULL UNIQUE,
    opens_at          INTEGER NOT NULL,
    closes_at         INTEGER NOT NULL,
    allow_album       INTEGER NOT NULL DEFAULT 1,
    require_id_images INTEGER NOT NULL DEFAULT 1,
    id_types          TEXT    NOT NULL,
    consent_version   TEXT    NOT NULL,
    consent_text      TEXT    NOT NULL,
    faq_json          TEXT    NOT NULL DEFAULT '[]',
    max_uploads       INTEGER NOT NULL DEFAULT 10,
    created_at        INTEGER NOT NULL
);

CREATE TABLE users (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    phone_index  TEXT UNIQUE,
    phone_enc    BLOB,
    openid_index TEXT UNIQUE,
    created_at   INTEGER NOT NULL
);

CREATE TABLE roster_rows (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    name          TEXT    NOT NULL,
    doc_type      TEXT    NOT NULL,
    doc_index     TEXT    NOT NULL,
    doc_enc       BLOB    NOT NULL,
    doc_masked    TEXT    NOT NULL,
    exam_no       TEXT    NOT NULL DEFAULT '',
    student_no    TEXT    NOT NULL DEFAULT '',
    college       TEXT    NOT NULL DEFAULT '',
    major         TEXT    NOT NULL DEFAULT '',
    class_name    TEXT    NOT NULL DEFAULT '',
    grade         TEXT    NOT NULL DEFAULT '',
    level         TEXT    NOT NULL DEFAULT '',
    gender        TEXT    NOT NULL DEFAULT '',
    bound_user_id INTEGER REFERENCES users(id),
    import_batch  TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (campaign_id, doc_index)
);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf       TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE sms_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    phone_index TEXT    NOT NULL,
    code_hash   TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX sms_codes_phone ON sms_codes (phone_index, created_at);

CREATE TABLE rate_events (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (key, at);

CREATE TABLE consents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    version     TEXT    NOT NULL,
    text_hash   TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    accepted_at INTEGER NOT NULL
);
CREATE INDEX consents_user ON consents (user_id, campaign_id);

CREATE TABLE enrolments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    name          TEXT    NOT NULL DEFAULT '',
    doc_type      TEXT    NOT NULL DEFAULT '',
    doc_index     TEXT    NOT NULL DEFAULT '',
    doc_enc       BLOB,
    doc_masked    TEXT    NOT NULL DEFAULT '',
    id_front_blob TEXT    NOT NULL DEFAULT '',
    id_back_blob  TEXT    NOT NULL DEFAULT '',
    roster_row_id INTEGER UNIQUE REFERENCES roster_rows(id),
    confirmed_at  INTEGER,
    created_at    INTEGER NOT NULL,
    UNIQUE (user_id, campaign_id)
);

CREATE TABLE uploads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    enrolment_id    INTEGER NOT NULL REFERENCES enrolments(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    idempotency_key TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    original_blob   TEXT    NOT NULL,
    result_blob     TEXT    NOT NULL DEFAULT '',
    preview_blob    TEXT    NOT NULL DEFAULT '',
    sha256          TEXT    NOT NULL,
    phash           TEXT    NOT NULL DEFAULT '',
    report_json     TEXT    NOT NULL DEFAULT '',
    error_code      TEXT    NOT NULL DEFAULT '',
    blocking        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX uploads_enrolment ON uploads (enrolment_id, id);

CREATE TABLE submissions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id),
    upload_id    INTEGER NOT NULL UNIQUE REFERENCES uploads(id),
    state        TEXT    NOT NULL,
    reasons      TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '',
    deadline_at  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX submissions_enrolment ON submissions (enrolment_id, id);

CREATE TABLE submission_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    actor         TEXT    NOT NULL,
    from_state    TEXT    NOT NULL,
    to_state      TEXT    NOT NULL,
    reasons       TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    at            INTEGER NOT NULL
);
