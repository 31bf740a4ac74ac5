package store

import (
	"context"
	"time"

	"zhipai/internal/domain"
)

// ticketScope is the condition a staff scope puts on tickets, which hold a
// student's own words, name and images: the vendor's staff see a school's
// only while they hold an open support access to it (as for the student
// list); a school's staff their school, college or classes.
func ticketScope(sc domain.Scope) (string, []any) {
	if sc.Vendor {
		return supportedSchools(sc, "t.school_id")
	}
	return workScope(sc, "t")
}

// CreateTicket opens a ticket with its first message, where the student's
// enrolment puts it (school, college, class from the roster row once
// matched), in one transaction; tx also carries the notice, if any.
func (s *Store) CreateTicket(ctx context.Context, t domain.Ticket, first domain.TicketMessage) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *Tx) (err error) {
		id, err = s.insert(ctx, tx, `INSERT INTO tickets (school_id, campaign_id, user_id, enrolment_id, college, class_name, kind, status, created_at, updated_at, due_at)
			SELECT c.school_id, c.id, ?, COALESCE(e.id, 0), COALESCE(r.college, ''), COALESCE(r.class_name, ''), ?, 'open', ?, ?, ?
			FROM campaigns c LEFT JOIN enrolments e ON e.campaign_id = c.id AND e.user_id = ? LEFT JOIN roster_rows r ON r.id = e.roster_row_id
			WHERE c.id = ?`, t.UserID, t.Kind, s.ms(), s.ms(), t.DueAt.UnixMilli(), t.UserID, t.CampaignID)
		if err != nil {
			return err
		}
		first.TicketID = id
		_, err = s.addTicketMessage(ctx, tx, first)
		return err
	})
	return id, err
}

func (s *Store) addTicketMessage(ctx context.Context, tx *Tx, m domain.TicketMessage) (int64, error) {
	return s.insert(ctx, tx, `INSERT INTO ticket_messages (ticket_id, staff_id, author, body, attachment, attachment_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		m.TicketID, m.StaffID, m.Author, m.Body, m.Attachment, m.AttachmentType, s.ms())
}

// AddTicketMessage appends a message and moves the ticket: a student's
// message opens it again with a new due time, a staff member's answers it
// (the first answer is kept for the service-level report). The notice of
// a staff answer goes in the same transaction (notice may be nil).
func (s *Store) AddTicketMessage(ctx context.Context, m domain.TicketMessage, status domain.TicketStatus, due time.Time, notice func(tx *Tx, msgID int64) error) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *Tx) (err error) {
		if err := changed(s.exec(ctx, tx, `UPDATE tickets SET status = ?, updated_at = ?, due_at = ?, closed_at = 0,
			first_answer_at = CASE WHEN first_answer_at = 0 AND ? = 'answered' THEN ? ELSE first_answer_at END WHERE id = ? AND status <> 'closed'`,
			status, s.ms(), msOrZero(due), status, s.ms(), m.TicketID)); err != nil {
			return err
		}
		if id, err = s.addTicketMessage(ctx, tx, m); err != nil {
			return err
		}
		if notice != nil {
			return notice(tx, id)
		}
		return nil
	})
	return id, err
}

// CloseTicket closes a ticket (ErrConflict when it was closed already).
func (s *Store) CloseTicket(ctx context.Context, id int64) error {
	return changed(s.exec(ctx, nil, `UPDATE tickets SET status = 'closed', closed_at = ?, updated_at = ?, due_at = 0 WHERE id = ? AND status <> 'closed'`, s.ms(), s.ms(), id))
}

const ticketCols = `t.id, t.school_id, t.campaign_id, t.user_id, t.enrolment_id, t.college, t.class_name, t.kind, t.status, t.created_at, t.updated_at,
	t.due_at, t.first_answer_at, t.closed_at, COALESCE(r.name, e.name, ''), COALESCE(r.student_no, ''), c.name, COALESCE(r.major, ''), COALESCE(r.exam_no, '')`

const ticketFrom = ` FROM tickets t JOIN campaigns c ON c.id = t.campaign_id LEFT JOIN enrolments e ON e.id = t.enrolment_id
	LEFT JOIN roster_rows r ON r.id = e.roster_row_id`

func scanTicket(sc interface{ Scan(...any) error }) (domain.Ticket, error) {
	var t domain.Ticket
	var created, updated, due, first, closed int64
	err := sc.Scan(&t.ID, &t.SchoolID, &t.CampaignID, &t.UserID, &t.EnrolmentID, &t.College, &t.Class, &t.Kind, &t.Status, &created, &updated,
		&due, &first, &closed, &t.StudentName, &t.StudentNo, &t.CampaignName, &t.Major, &t.ExamNo)
	t.CreatedAt, t.UpdatedAt, t.DueAt, t.FirstAnswerAt, t.ClosedAt = msTime(created), msTime(updated), optMs(due), optMs(first), optMs(closed)
	return t, err
}

// Ticket loads a ticket with its thread; staff pass their scope, a
// student their user id (the other zero): someone else's is ErrNotFound.
func (s *Store) Ticket(ctx context.Context, sc *domain.Scope, userID, id int64) (domain.Ticket, error) {
	where, args := "t.user_id = ?", []any{userID}
	if sc != nil {
		where, args = ticketScope(*sc)
	}
	t, err := scanTicket(s.row(ctx, nil, `SELECT `+ticketCols+ticketFrom+` WHERE t.id = ? AND `+where, append([]any{id}, args...)...))
	if err != nil {
		return t, notFound(err, "ticket", id)
	}
	rows, err := s.rows(ctx, nil, `SELECT id, ticket_id, staff_id, author, body, attachment, attachment_type, created_at FROM ticket_messages WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var m domain.TicketMessage
		var at int64
		if err := rows.Scan(&m.ID, &m.TicketID, &m.StaffID, &m.Author, &m.Body, &m.Attachment, &m.AttachmentType, &at); err != nil {
			return t, err
		}
		m.CreatedAt = msTime(at)
		t.Messages = append(t.Messages, m)
	}
	return t, rows.Err()
}

// TicketFilter narrows a ticket list.
type TicketFilter struct {
	Status     domain.TicketStatus // empty: every status
	CampaignID int64
	UserID     int64 // a student's own tickets
	Limit      int
}

// Tickets lists tickets in a scope (nil for a student's own), those due
// first: open tickets by their due time, then the rest newest first.
func (s *Store) Tickets(ctx context.Context, sc *domain.Scope, f TicketFilter) ([]domain.Ticket, error) {
	where, args := "t.user_id = ?", []any{f.UserID}
	if sc != nil {
		where, args = ticketScope(*sc)
	}
	if f.Status != "" {
		where, args = where+" AND t.status = ?", append(args, f.Status)
	}
	if f.CampaignID != 0 {
		where, args = where+" AND t.campaign_id = ?", append(args, f.CampaignID)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	rows, err := s.rows(ctx, nil, `SELECT `+ticketCols+ticketFrom+` WHERE `+where+`
		ORDER BY CASE WHEN t.status = 'open' THEN 0 ELSE 1 END, CASE WHEN t.status = 'open' THEN t.due_at ELSE -t.updated_at END, t.id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// OpenTicketsOf counts a student's tickets not closed (a bound on how many
// one student may keep open).
func (s *Store) OpenTicketsOf(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.row(ctx, nil, `SELECT COUNT(*) FROM tickets WHERE user_id = ? AND status <> 'closed'`, userID).Scan(&n)
	return n, err
}

// CorrectRoster changes a roster row's editable fields (not the document
// number, which the student proves) and keeps the row's submissions where
// it now belongs. ErrNotFound outside the scope.
func (s *Store) CorrectRoster(ctx context.Context, sc domain.Scope, rowID int64, f domain.RosterFix) error {
	where, args := scopeWhere(sc)
	return s.InTx(ctx, func(tx *Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE roster_rows SET name = ?, student_no = ?, exam_no = ?, college = ?, major = ?, class_name = ?
			WHERE id = ? AND EXISTS (SELECT 1 FROM campaigns c JOIN roster_rows r ON r.campaign_id = c.id WHERE r.id = roster_rows.id AND `+where+`)`,
			append([]any{f.Name, f.StudentNo, f.ExamNo, f.College, f.Major, f.Class, rowID}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := s.exec(ctx, tx, `UPDATE submissions SET college = ?, class_name = ? WHERE enrolment_id IN (SELECT id FROM enrolments WHERE roster_row_id = ?)`,
			f.College, f.Class, rowID); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE tickets SET college = ?, class_name = ? WHERE enrolment_id IN (SELECT id FROM enrolments WHERE roster_row_id = ?)`,
			f.College, f.Class, rowID)
		return err
	})
}
