-- The checks of ID-card photos, run as jobs: a photo is stored and its
-- check queued in the request, the answer read when the job has written it
-- (status checking, then accepted, refused or failed). result_enc holds
-- the findings and what the card's front says (sealed: it may carry the
-- number read), for the student who asked; a refused photo's blob is
-- deleted with its refusal, and finished checks are pruned after a day.
CREATE TABLE card_checks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enrolment_id  INTEGER NOT NULL REFERENCES enrolments(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    side          TEXT    NOT NULL,
    blob_key      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    result_enc    BLOB,
    error_code    TEXT    NOT NULL DEFAULT '',
    error_message TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX card_checks_enrolment ON card_checks (enrolment_id, side, id);
