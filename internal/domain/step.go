package domain

// Step is where a student is on the path of one campaign.
type Step string

// The steps, in order.
const (
	StepJoin     Step = "join"
	StepConsent  Step = "consent"
	StepIdentity Step = "identity"
	StepIDImages Step = "id_images"
	StepMatch    Step = "match"
	StepConfirm  Step = "confirm"
	StepCapture  Step = "capture"
	StepReview   Step = "review"
	StepApproved Step = "approved"
)

// Progress is what a student has done in a campaign.
type Progress struct {
	Joined, ConsentAccepted, HasIdentity bool
	IDImagesDone                         bool // or not required
	Matched, Confirmed                   bool
	// Submission is the state of the newest submission ("" for none).
	Submission State
}

// StepOf is the step a student's progress puts them at: the first thing
// not yet done. A student matched before a consent version changed is not
// sent back to consent.
func StepOf(p Progress) Step {
	switch {
	case !p.Joined:
		return StepJoin
	case !p.ConsentAccepted && !p.Matched:
		return StepConsent
	case !p.HasIdentity:
		return StepIdentity
	case !p.Matched && !p.IDImagesDone:
		return StepIDImages
	case !p.Matched:
		return StepMatch
	case !p.Confirmed:
		return StepConfirm
	case p.Submission.Final():
		return StepApproved
	case p.Submission == StatePending || p.Submission == StateInReview:
		return StepReview
	}
	return StepCapture
}
