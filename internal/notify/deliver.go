package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"zhipai/internal/domain"
	"zhipai/internal/store"
)

// Deliver sends one delivery, once: a delivery already finished, or whose
// notice was withdrawn, is done. An SMS to a phone that has had its share
// of messages (the "notify-phone" rule) is recorded as limited and not
// sent: the inbox still holds it. A refusal is final; any other failure
// is returned for the queue to retry, and recorded as failed on the last
// attempt.
func (s *Service) Deliver(ctx context.Context, id int64, last bool) error {
	d, err := s.Store.Delivery(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: delivery %d: %w", id, err)
	}
	if d.Status != domain.DeliveryQueued {
		return nil
	}
	sender := s.sender(d.Channel)
	if sender == nil {
		return s.finish(ctx, id, domain.DeliverySkipped, "no sender for the channel")
	}
	to, err := s.address(d)
	if err != nil {
		return s.finish(ctx, id, domain.DeliverySkipped, err.Error())
	}
	if d.Channel == "sms" {
		wait, err := s.Limiter.Allow(ctx, "notify-phone", s.Keys.Index(domain.IndexPhone, to))
		if err != nil {
			return err
		}
		if wait > 0 {
			return s.finish(ctx, id, domain.DeliveryLimited, "phone over its message limit")
		}
	}
	params := map[string]string{}
	json.Unmarshal([]byte(d.Notification.ParamsJSON), &params)
	err = sender.Send(ctx, to, d.Notification, params)
	switch {
	case err == nil:
		s.Log.InfoContext(ctx, "notice delivered", "delivery", id, "channel", d.Channel, "kind", d.Notification.Kind)
		return s.finish(ctx, id, domain.DeliverySent, "")
	case errors.Is(err, ErrNoTemplate):
		return s.finish(ctx, id, domain.DeliverySkipped, err.Error())
	case errors.Is(err, ErrRefused):
		s.Log.WarnContext(ctx, "notice refused", "delivery", id, "channel", d.Channel, "err", err)
		return s.finish(ctx, id, domain.DeliveryRefused, err.Error())
	case last:
		s.Log.WarnContext(ctx, "notice given up", "delivery", id, "channel", d.Channel, "err", err)
		return s.finish(ctx, id, domain.DeliveryFailed, err.Error())
	}
	if cerr := s.Store.CountAttempt(ctx, id, err.Error()); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

func (s *Service) finish(ctx context.Context, id int64, status, why string) error {
	if err := s.Store.FinishDelivery(ctx, id, status, why); err != nil {
		return fmt.Errorf("notify: finish delivery %d: %w", id, err)
	}
	return nil
}

func (s *Service) sender(channel string) Sender {
	for _, x := range s.Senders {
		if x.Channel() == channel {
			return x
		}
	}
	return nil
}

// address opens the student's phone or openid.
func (s *Service) address(d store.Delivery) (string, error) {
	switch d.Channel {
	case "sms":
		return s.Keys.OpenField(d.PhoneEnc, domain.IndexPhone)
	case "wechat":
		return s.Keys.OpenField(d.OpenIDEnc, domain.IndexOpenID)
	}
	return "", fmt.Errorf("unknown channel %q", d.Channel)
}
