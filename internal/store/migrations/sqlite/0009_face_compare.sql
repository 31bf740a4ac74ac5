-- The student's separate decision on comparing the ID card's portrait
-- with the photo (PIPL art. 28): '' not asked yet, 'agreed', 'refused'.
ALTER TABLE enrolments ADD COLUMN face_consent TEXT NOT NULL DEFAULT '';
-- Whose faces were compared, once per student and campaign: the count of
-- compared subjects the processor reports. No embedding is ever stored.
CREATE TABLE face_comparisons (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    compared_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
