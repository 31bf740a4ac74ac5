package domain

import (
	"fmt"
	"time"
)

// State is a submission's place in the review (requirements RV-1).
type State string

const (
	StatePending   State = "pending"   // 待审核
	StateInReview  State = "in_review" // 审核中
	StateRejected  State = "rejected"  // 已驳回
	StateApproved  State = "approved"  // 已通过 (locked)
	StateWithdrawn State = "withdrawn" // 已撤回
)

var stateTitles = map[State]string{
	StatePending:   "待审核",
	StateInReview:  "审核中",
	StateRejected:  "已驳回",
	StateApproved:  "已通过",
	StateWithdrawn: "已撤回",
}

// Title is the state's Chinese name.
func (s State) Title() string { return stateTitles[s] }

// transitions lists who may move a submission from one state to another.
var transitions = map[State]map[State]Actor{
	StatePending:  {StateInReview: ActorReviewer, StateApproved: ActorReviewer, StateRejected: ActorReviewer, StateWithdrawn: ActorStudent},
	StateInReview: {StateApproved: ActorReviewer, StateRejected: ActorReviewer, StatePending: ActorReviewer},
	// Only an admin unlocks an approved photo, with a reason: it becomes
	// a rejection the student retakes.
	StateApproved: {StateRejected: ActorAdmin},
}

// Actor is who acts on a submission.
type Actor string

const (
	ActorStudent  Actor = "student"
	ActorReviewer Actor = "reviewer"
	ActorAdmin    Actor = "admin"
)

// ErrTransition refuses a move the state machine does not allow.
type ErrTransition struct {
	From, To State
	By       Actor
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("domain: %s cannot move a submission from %s to %s", e.By, e.From, e.To)
}

// CanTransition checks a move: students only withdraw a pending
// submission; reviewers claim, approve and reject; an approved submission
// is locked for good.
func CanTransition(from, to State, by Actor) error {
	if transitions[from][to] != by {
		return &ErrTransition{From: from, To: to, By: by}
	}
	return nil
}

// Final reports whether a submission can no longer change by the student
// or a reviewer (an admin may still unlock it, with a reason).
func (s State) Final() bool { return s == StateApproved }

// RetakeWindow is how long a rejected student has to upload again, unless
// the campaign says otherwise (one school allows two days, S20).
const RetakeWindow = 48 * time.Hour

// CampaignKind is what a collection is for (requirements RO-1).
type CampaignKind string

const (
	KindFreshman CampaignKind = "freshman" // 新生入学照
	KindDiploma  CampaignKind = "diploma"  // 学历照
	KindCampus   CampaignKind = "campus"   // 校园卡照
	KindOther    CampaignKind = "other"    // 其他
)

var kindTitles = map[CampaignKind]string{KindFreshman: "新生入学照", KindDiploma: "学历照", KindCampus: "校园卡照", KindOther: "其他"}

// Title is the kind's Chinese name.
func (k CampaignKind) Title() string { return kindTitles[k] }
