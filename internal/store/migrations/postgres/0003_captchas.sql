-- The challenges shown before an SMS code is sent: each answered once.
CREATE TABLE captchas (
    id          TEXT   PRIMARY KEY,
    answer_hash TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX captchas_expiry ON captchas (expires_at);
