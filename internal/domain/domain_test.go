package domain

import "testing"

func TestTransitions(t *testing.T) {
	t.Parallel()
	allowed := []struct {
		from, to State
		by       Actor
	}{
		{StatePending, StateWithdrawn, ActorStudent},
		{StatePending, StateApproved, ActorReviewer},
		{StatePending, StateRejected, ActorReviewer},
		{StatePending, StateInReview, ActorReviewer},
		{StateInReview, StateRejected, ActorReviewer},
	}
	for _, a := range allowed {
		if err := CanTransition(a.from, a.to, a.by); err != nil {
			t.Errorf("%v", err)
		}
	}
	refused := []struct {
		from, to State
		by       Actor
	}{
		{StateInReview, StateWithdrawn, ActorStudent}, // withdraw only while pending
		{StateApproved, StatePending, ActorReviewer},  // approved is locked
		{StateApproved, StateRejected, ActorReviewer},
		{StatePending, StateApproved, ActorStudent},
		{StateRejected, StateApproved, ActorReviewer},
		{StateWithdrawn, StatePending, ActorStudent},
	}
	for _, r := range refused {
		if CanTransition(r.from, r.to, r.by) == nil {
			t.Errorf("%s: %s -> %s allowed", r.by, r.from, r.to)
		}
	}
	if StatePending.Title() != "待审核" || !StateApproved.Final() || ReasonMouth.Title() != "张嘴/露齿" || !ReasonOther.Valid() || Reason("R77").Valid() {
		t.Fatal("titles")
	}
}

func TestEveryReasonHasTitleAndAdvice(t *testing.T) {
	for _, r := range Reasons() {
		if !r.Valid() || r.Title() == "" || r.Advice() == "" {
			t.Errorf("%s: title %q advice %q", r, r.Title(), r.Advice())
		}
	}
	if Reason("R77").Valid() {
		t.Error("unknown code valid")
	}
}
