package store

import (
	"context"
	"database/sql"

	"zhipai/internal/domain"
)

const enrolmentCols = `id, user_id, campaign_id, name, doc_type, doc_index, doc_enc, doc_masked, id_front_blob, id_back_blob,
	COALESCE(roster_row_id, 0), confirmed_at, card_doc_index, face_consent`

// scanEnrolment scans enrolmentCols, then any columns selected after them
// into more.
func scanEnrolment(sc interface{ Scan(...any) error }, more ...any) (domain.Enrolment, error) {
	var e domain.Enrolment
	var confirmed sql.NullInt64
	err := sc.Scan(append([]any{&e.ID, &e.UserID, &e.CampaignID, &e.Name, &e.DocType, &e.DocIndex, &e.DocEnc, &e.DocMasked,
		&e.IDFrontBlob, &e.IDBackBlob, &e.RosterRowID, &confirmed, &e.CardDocIndex, &e.FaceConsent}, more...)...)
	e.ConfirmedAt = nullMs(confirmed)
	return e, err
}

// Enrol returns the user's enrolment in a campaign, creating it.
func (s *Store) Enrol(ctx context.Context, userID, campaignID int64) (domain.Enrolment, error) {
	if err := s.Join(ctx, userID, campaignID); err != nil {
		return domain.Enrolment{}, err
	}
	return s.EnrolmentOf(ctx, userID, campaignID)
}

// Join enrols the user in a campaign unless they are enrolled already, in
// one statement (Enrol when the enrolment itself is not needed).
func (s *Store) Join(ctx context.Context, userID, campaignID int64) error {
	_, err := s.exec(ctx, nil, `INSERT INTO enrolments (user_id, campaign_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, userID, campaignID, s.ms())
	return err
}

// EnrolmentOf gets the user's enrolment in a campaign.
func (s *Store) EnrolmentOf(ctx context.Context, userID, campaignID int64) (domain.Enrolment, error) {
	e, err := scanEnrolment(s.row(ctx, nil, `SELECT `+enrolmentCols+` FROM enrolments WHERE user_id = ? AND campaign_id = ?`, userID, campaignID))
	return e, notFound(err, "enrolment of user in campaign", campaignID)
}

// consentedSQL is true when the enrolment e's user accepted the version
// of its campaign's consent text given as the statement's first argument.
const consentedSQL = `EXISTS (SELECT 1 FROM consents k WHERE k.user_id = e.user_id AND k.campaign_id = e.campaign_id AND k.version = ?)`

// EnrolmentConsented gets the user's enrolment in a campaign and whether
// they accepted this version of its consent text (HasConsent), in one
// read.
func (s *Store) EnrolmentConsented(ctx context.Context, userID, campaignID int64, version string) (domain.Enrolment, bool, error) {
	var consented bool
	e, err := scanEnrolment(s.row(ctx, nil, `SELECT `+enrolmentCols+`, `+consentedSQL+` FROM enrolments e WHERE user_id = ? AND campaign_id = ?`,
		version, userID, campaignID), &consented)
	return e, consented, notFound(err, "enrolment of user in campaign", campaignID)
}

// StudentState is what a student's progress in a campaign is made of
// (capture.Status), read at once.
type StudentState struct {
	domain.Enrolment
	Consented   bool  // the campaign's current consent text is accepted
	UploadsUsed int   // uploads that used up a try (CountUploads)
	LastUpload  int64 // the latest upload, 0: none
	LastSubmit  int64 // the latest submission, 0: none
}

// StudentStateOf reads the user's enrolment in a campaign with their
// consent to this version of its text, their tries used and their latest
// upload and submission: one statement instead of five, since every step
// a student takes answers with it.
func (s *Store) StudentStateOf(ctx context.Context, userID, campaignID int64, version string) (StudentState, error) {
	var st StudentState
	var err error
	st.Enrolment, err = scanEnrolment(s.row(ctx, nil, `SELECT `+enrolmentCols+`, `+consentedSQL+`,
		(SELECT COUNT(*) FROM uploads u WHERE u.enrolment_id = e.id AND `+triesUsedSQL+`),
		COALESCE((SELECT MAX(u.id) FROM uploads u WHERE u.enrolment_id = e.id), 0),
		COALESCE((SELECT MAX(b.id) FROM submissions b WHERE b.enrolment_id = e.id), 0)
		FROM enrolments e WHERE user_id = ? AND campaign_id = ?`,
		version, domain.UploadQueued, domain.UploadProcessing, domain.UploadDone, userID, campaignID),
		&st.Consented, &st.UploadsUsed, &st.LastUpload, &st.LastSubmit)
	return st, notFound(err, "enrolment of user in campaign", campaignID)
}

// Enrolment gets an enrolment.
func (s *Store) Enrolment(ctx context.Context, id int64) (domain.Enrolment, error) {
	e, err := scanEnrolment(s.row(ctx, nil, `SELECT `+enrolmentCols+` FROM enrolments WHERE id = ?`, id))
	return e, notFound(err, "enrolment", id)
}

// EnrolmentsOf lists a user's enrolments.
func (s *Store) EnrolmentsOf(ctx context.Context, userID int64) ([]domain.Enrolment, error) {
	rows, err := s.rows(ctx, nil, `SELECT `+enrolmentCols+` FROM enrolments WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Enrolment
	for rows.Next() {
		e, err := scanEnrolment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetIdentity records the identity the student entered (before matching).
func (s *Store) SetIdentity(ctx context.Context, id int64, name, docType, docIndex string, docEnc []byte, docMasked string) error {
	_, err := s.exec(ctx, nil, `UPDATE enrolments SET name = ?, doc_type = ?, doc_index = ?, doc_enc = ?, doc_masked = ? WHERE id = ?`,
		name, docType, docIndex, docEnc, docMasked, id)
	return err
}

// SetFaceConsent records the student's decision on the face comparison
// (domain.FaceAgreed or domain.FaceRefused).
func (s *Store) SetFaceConsent(ctx context.Context, id int64, decision string) error {
	_, err := s.exec(ctx, nil, `UPDATE enrolments SET face_consent = ? WHERE id = ?`, decision, id)
	return err
}

// CountFaceComparison counts the student among the subjects whose faces
// were compared in the campaign (once).
func (s *Store) CountFaceComparison(ctx context.Context, campaignID, userID int64) error {
	_, err := s.exec(ctx, nil, `INSERT INTO face_comparisons (campaign_id, user_id, compared_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, campaignID, userID, s.ms())
	return err
}

// FaceComparisons counts the subjects whose faces were compared, in a
// school's campaigns (0: every school).
func (s *Store) FaceComparisons(ctx context.Context, schoolID int64) (int, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM face_comparisons f JOIN campaigns c ON c.id = f.campaign_id WHERE ? = 0 OR c.school_id = ?`, schoolID, schoolID).Scan(&n)
	return n, err
}

// MatchRoster binds the enrolment to its roster row, in one transaction
// with the row's binding to the account: ErrConflict when the row belongs
// to another account.
func (s *Store) MatchRoster(ctx context.Context, enrolmentID, userID, rowID int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := s.BindRosterRow(ctx, tx, rowID, userID); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `UPDATE enrolments SET roster_row_id = ? WHERE id = ?`, rowID, enrolmentID)
		if isUnique(err) {
			return ErrConflict
		}
		return err
	})
}

// ConfirmEnrolment records that the student confirmed the matched record.
func (s *Store) ConfirmEnrolment(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, nil, `UPDATE enrolments SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL`, s.ms(), id)
	return err
}

// LockEnrolment holds an enrolment until the transaction ends, so that
// checks and writes on it (the upload limit) are not interleaved with
// another transaction's. PostgreSQL locks the row; SQLite's transactions
// take the database's write lock when they begin (BEGIN IMMEDIATE over one
// connection), which already serialises them.
func (s *Store) LockEnrolment(ctx context.Context, tx *Tx, id int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var got int64
	err := s.row(ctx, tx, `SELECT id FROM enrolments WHERE id = ? FOR UPDATE`, id).Scan(&got)
	return notFound(err, "enrolment", id)
}

// InsertConsent records a consent.
func (s *Store) InsertConsent(ctx context.Context, c domain.Consent) error {
	_, err := s.insert(ctx, nil, `INSERT INTO consents (user_id, campaign_id, version, text_hash, channel, accepted_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.UserID, c.CampaignID, c.Version, c.TextHash, c.Channel, s.ms())
	return err
}

// HasConsent reports whether the user accepted this version of the text.
func (s *Store) HasConsent(ctx context.Context, userID, campaignID int64, version string) (bool, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM consents WHERE user_id = ? AND campaign_id = ? AND version = ?`, userID, campaignID, version).Scan(&n)
	return n > 0, err
}
