package domain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

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

func TestPublicHidesInternalErrors(t *testing.T) {
	pe := Public(errors.New("pq: relation users does not exist"))
	if pe.Code != CodeInternal || strings.Contains(pe.Message, "users") || pe.Message == "" {
		t.Fatalf("%+v", pe)
	}
	wrapped := fmt.Errorf("upload 7: %w", Errors.Fail(CodeNotFound, nil))
	if Public(wrapped).Code != CodeNotFound {
		t.Fatalf("a wrapped public error loses its code: %+v", Public(wrapped))
	}
	if e := Errors.Fail("no.such.code", nil); e.Code != CodeInternal {
		t.Fatalf("an unknown code is %+v", e)
	}
}

func TestStepOf(t *testing.T) {
	full := Progress{Joined: true, ConsentAccepted: true, HasIdentity: true, IDImagesDone: true, Matched: true, Confirmed: true}
	for _, c := range []struct {
		p    Progress
		want Step
	}{
		{Progress{}, StepJoin},
		{Progress{Joined: true}, StepConsent},
		{Progress{Joined: true, ConsentAccepted: true}, StepIdentity},
		{Progress{Joined: true, ConsentAccepted: true, HasIdentity: true}, StepIDImages},
		{Progress{Joined: true, ConsentAccepted: true, HasIdentity: true, IDImagesDone: true}, StepMatch},
		{Progress{Joined: true, HasIdentity: true, Matched: true}, StepConfirm}, // a new consent version does not undo a match
		{full, StepCapture},
		{func() Progress { p := full; p.Submission = StatePending; return p }(), StepReview},
		{func() Progress { p := full; p.Submission = StateInReview; return p }(), StepReview},
		{func() Progress { p := full; p.Submission = StateRejected; return p }(), StepCapture},
		{func() Progress { p := full; p.Submission = StateWithdrawn; return p }(), StepCapture},
		{func() Progress { p := full; p.Submission = StateApproved; return p }(), StepApproved},
	} {
		if got := StepOf(c.p); got != c.want {
			t.Errorf("StepOf(%+v) = %s, want %s", c.p, got, c.want)
		}
	}
}
