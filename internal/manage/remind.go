package manage

import (
	"context"
	"encoding/json"
	"strconv"

	"zhipai/internal/domain"
	"zhipai/internal/notify"
	"zhipai/internal/staff"
)

// Reminder sends reminders (the notices' service).
type Reminder interface {
	Remind(ctx context.Context, sc domain.Scope, c domain.Campaign, college, class string) (notify.Reminded, error)
}

// SetReminder installs the reminder sender (at composition).
func (s *Service) SetReminder(r Reminder) { s.reminder = r }

// Remind sends the campaign's bulk reminder to the students in the
// caller's scope (and college or class, if given) who have not finished
// (requirements CS-5): counsellors for their classes, college and school
// admins for theirs. Each student gets it once a day; audited with what
// it reached.
func (s *Service) Remind(ctx context.Context, who staff.Staff, campaignID int64, college, class string, where staff.Where) (notify.Reminded, error) {
	if !who.User.Role.Reminds() {
		return notify.Reminded{}, Errors.Fail(CodeForbidden, nil)
	}
	c, err := s.campaignIn(ctx, who, campaignID)
	if err != nil {
		return notify.Reminded{}, err
	}
	if s.reminder == nil {
		return notify.Reminded{}, domain.Internal("no reminder sender")
	}
	got, err := s.reminder.Remind(ctx, who.Scope, c, college, class)
	if err != nil {
		return got, domain.Internal("remind: %w", err)
	}
	filter, _ := json.Marshal(map[string]string{"college": college, "class": class})
	after, _ := json.Marshal(got)
	return got, s.record(ctx, who, where, c.SchoolID, "notify.remind", "campaign:"+strconv.FormatInt(c.ID, 10), string(filter), string(after), "")
}
