-- Staff accounts (requirements AU-4, AU-5): the school's and the vendor's.
CREATE TABLE staff_users (
    id                   INTEGER PRIMARY KEY,
    login                TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    school_id            INTEGER REFERENCES schools(id),
    college              TEXT    NOT NULL DEFAULT '',
    password_hash        TEXT    NOT NULL,
    totp_sealed          BLOB   NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    failures             INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    disabled_at          INTEGER
);

-- A counsellor's classes.
CREATE TABLE staff_classes (
    staff_id   INTEGER NOT NULL REFERENCES staff_users(id),
    class_name TEXT   NOT NULL,
    PRIMARY KEY (staff_id, class_name)
);

CREATE TABLE staff_sessions (
    token_hash TEXT   PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff_users(id),
    csrf       TEXT   NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- The audit log: append-only, a hash chain per tenant (school; 0 is the
-- vendor). audit_heads holds each chain's last link, locked while a row is
-- appended so that links are never forked.
CREATE TABLE audit_log (
    tenant_id  INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    actor_role TEXT   NOT NULL DEFAULT '',
    ip         TEXT   NOT NULL DEFAULT '',
    ua         TEXT   NOT NULL DEFAULT '',
    action     TEXT   NOT NULL,
    target     TEXT   NOT NULL DEFAULT '',
    before_val TEXT   NOT NULL DEFAULT '',
    after_val  TEXT   NOT NULL DEFAULT '',
    reason     TEXT   NOT NULL DEFAULT '',
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at);

CREATE TABLE audit_heads (
    tenant_id INTEGER PRIMARY KEY,
    seq       INTEGER NOT NULL,
    hash      TEXT   NOT NULL
);
