package api

import (
	"net/http"
	"strconv"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/notify"
	"zhipai/internal/staff"
	"zhipai/internal/store"
	"zhipai/internal/ticket"
)

// serviceRoutes serve what reaches the student besides the steps: the
// inbox, customer service (tickets) and the staff's side of both.
type serviceRoutes struct{ *API }

// NoticeBody is a notice in the inbox.
type NoticeBody struct {
	ID    int64     `json:"id"`
	Kind  string    `json:"kind"`
	Title string    `json:"title"`
	Body  string    `json:"body"`
	Link  string    `json:"link"`
	At    time.Time `json:"at"`
	Read  bool      `json:"read"`
}

func (a serviceRoutes) inbox(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, unread, err := a.notify.Inbox(r.Context(), c, before)
	if err != nil {
		return err
	}
	out := make([]NoticeBody, 0, len(list))
	for _, n := range list {
		out = append(out, NoticeBody{n.ID, n.Kind, n.Title, n.Body, n.Link, n.VisibleAt, !n.ReadAt.IsZero()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": out, "unread": unread})
	return nil
}

func (a serviceRoutes) markRead(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req struct {
		ID int64 `json:"id"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if err := a.notify.MarkRead(r.Context(), c, req.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TicketBody is a ticket with its thread.
type TicketBody struct {
	ID          int64           `json:"id"`
	CampaignID  int64           `json:"campaign_id"`
	Campaign    string          `json:"campaign"`
	Kind        string          `json:"kind"`
	KindTitle   string          `json:"kind_title"`
	Status      string          `json:"status"`
	StatusTitle string          `json:"status_title"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	DueAt       *time.Time      `json:"due_at,omitempty"`
	Overdue     bool            `json:"overdue"`
	Student     string          `json:"student,omitempty"`
	StudentNo   string          `json:"student_no,omitempty"`
	College     string          `json:"college,omitempty"`
	Class       string          `json:"class,omitempty"`
	Messages    []TicketMsgBody `json:"messages,omitempty"`
	FirstAnswer *time.Time      `json:"first_answer_at,omitempty"`
	Actions     map[string]bool `json:"actions,omitempty"`
}

// TicketMsgBody is a message of a thread.
type TicketMsgBody struct {
	ID     int64     `json:"id"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
	Image  bool      `json:"image"`
	At     time.Time `json:"at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ticketBody writes a ticket; forStaff adds who asked and what the caller
// may do with it.
func ticketBody(t domain.Ticket, now time.Time, forStaff *staff.Staff) TicketBody {
	b := TicketBody{ID: t.ID, CampaignID: t.CampaignID, Campaign: t.CampaignName, Kind: string(t.Kind), KindTitle: t.Kind.Title(), Status: string(t.Status),
		StatusTitle: t.Status.Title(), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DueAt: timePtr(t.DueAt), FirstAnswer: timePtr(t.FirstAnswerAt),
		Overdue: t.Status == domain.TicketOpen && !t.DueAt.IsZero() && now.After(t.DueAt), Messages: []TicketMsgBody{}}
	for _, m := range t.Messages {
		b.Messages = append(b.Messages, TicketMsgBody{m.ID, m.Author, m.Body, m.Attachment != "", m.CreatedAt})
	}
	if forStaff != nil {
		b.Student, b.StudentNo, b.College, b.Class = t.StudentName, t.StudentNo, t.College, t.Class
		role := forStaff.User.Role
		b.Actions = map[string]bool{"answer": true, "close": t.Status != domain.TicketClosed,
			"hand_back": role.HandsBack(), "correct_roster": role.CorrectsRoster()}
	}
	return b
}

func (a serviceRoutes) myTickets(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	list, err := a.API.tickets.MyTickets(r.Context(), c)
	if err != nil {
		return err
	}
	out := make([]TicketBody, 0, len(list))
	for _, t := range list {
		out = append(out, ticketBody(t, time.Now(), nil))
	}
	kinds := []map[string]string{}
	for _, k := range domain.TicketKinds() {
		kinds = append(kinds, map[string]string{"code": string(k), "title": k.Title()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out, "kinds": kinds})
	return nil
}

func (a serviceRoutes) openTicket(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withIDBody(w, r, http.StatusCreated, func(id int64, req struct {
		Kind string `json:"kind"`
		Body string `json:"body"`
	}) (TicketBody, error) {
		t, err := a.API.tickets.Open(r.Context(), c, id, domain.TicketKind(req.Kind), ticket.Message{Body: req.Body})
		return ticketBody(t, time.Now(), nil), err
	})
}

func (a serviceRoutes) myTicket(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (TicketBody, error) {
		t, err := a.API.tickets.Mine(r.Context(), c, id)
		return ticketBody(t, time.Now(), nil), err
	})
}

func (a serviceRoutes) reply(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withIDBody(w, r, http.StatusOK, func(id int64, req messageRequest) (TicketBody, error) {
		t, err := a.API.tickets.Reply(r.Context(), c, id, ticket.Message{Body: req.Body})
		return ticketBody(t, time.Now(), nil), err
	})
}

// messageRequest is a message's text.
type messageRequest struct {
	Body string `json:"body"`
}

// replyImage adds an image to the thread (the body is the image, as a
// photo upload's; ?text= may carry a line with it).
func (a serviceRoutes) replyImage(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	img, err := a.readPhoto(w, r, c)
	if err != nil {
		return err
	}
	if len(img) > ticket.MaxAttachment {
		return ticket.Errors.Fail(ticket.CodeAttachment, nil)
	}
	t, err := a.API.tickets.Reply(r.Context(), c, id, ticket.Message{Body: r.URL.Query().Get("text"), Attachment: img})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ticketBody(t, time.Now(), nil))
	return nil
}

func writeImage(w http.ResponseWriter, b []byte, typ string) {
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// messageIDs are a message route's ticket and message ids.
func messageIDs(r *http.Request) (id, msg int64, err error) {
	if id, err = pathID(r, "id"); err == nil {
		msg, err = pathID(r, "msg")
	}
	return id, msg, err
}

func (a serviceRoutes) myImage(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	id, msg, err := messageIDs(r)
	if err != nil {
		return err
	}
	b, typ, err := a.API.tickets.Attachment(r.Context(), c, id, msg)
	if err != nil {
		return err
	}
	writeImage(w, b, typ)
	return nil
}

// ---- Staff ----------------------------------------------------------------

func (a serviceRoutes) where(r *http.Request) staff.Where { return staffRoutes{a.API}.where(r) }

func (a serviceRoutes) remind(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withIDBody(w, r, http.StatusOK, func(id int64, req struct {
		College string `json:"college"`
		Class   string `json:"class"`
	}) (notify.Reminded, error) {
		return a.manage.Remind(r.Context(), s, id, req.College, req.Class, a.where(r))
	})
}

func (a serviceRoutes) tickets(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	q := r.URL.Query()
	campaign, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	list, err := a.API.tickets.Queue(r.Context(), s, store.TicketFilter{Status: domain.TicketStatus(q.Get("status")), CampaignID: campaign})
	if err != nil {
		return err
	}
	out := make([]TicketBody, 0, len(list))
	for _, t := range list {
		b := ticketBody(t, time.Now(), &s)
		b.Messages = nil // the list shows no threads
		out = append(out, b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out})
	return nil
}

func (a serviceRoutes) ticket(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withID(w, r, http.StatusOK, func(id int64) (TicketBody, error) {
		t, err := a.API.tickets.Get(r.Context(), s, id, a.where(r))
		return ticketBody(t, time.Now(), &s), err
	})
}

func (a serviceRoutes) answer(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return withIDBody(w, r, http.StatusOK, func(id int64, req messageRequest) (TicketBody, error) {
		t, err := a.API.tickets.Answer(r.Context(), s, id, ticket.Message{Body: req.Body}, a.where(r))
		return ticketBody(t, time.Now(), &s), err
	})
}

func (a serviceRoutes) closeTicket(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.API.tickets.Close(r.Context(), s, id, a.where(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a serviceRoutes) handBack(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, req struct {
		Reason string `json:"reason"`
	}) error {
		return a.API.tickets.HandBack(r.Context(), s, id, req.Reason, a.where(r))
	})
}

func (a serviceRoutes) correctRoster(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	return noContent(w, r, func(id int64, req struct {
		Name      string `json:"name"`
		StudentNo string `json:"student_no"`
		ExamNo    string `json:"exam_no"`
		College   string `json:"college"`
		Major     string `json:"major"`
		Class     string `json:"class"`
	}) error {
		return a.API.tickets.CorrectRoster(r.Context(), s, id, domain.RosterFix(req), a.where(r))
	})
}

func (a serviceRoutes) staffImage(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	id, msg, err := messageIDs(r)
	if err != nil {
		return err
	}
	b, typ, err := a.API.tickets.StaffAttachment(r.Context(), s, id, msg, a.where(r))
	if err != nil {
		return err
	}
	writeImage(w, b, typ)
	return nil
}
