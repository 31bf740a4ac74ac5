package review

import "zhipai/internal/domain"

// The public codes of reviewers' decisions.
const (
	CodeReviewState  = "review.state"
	CodeReviewReason = "review.reason"
)

// Errors are their messages: what the student reads and what to do.
var Errors = domain.Catalogue{
	CodeReviewState:  "该提交当前状态不能执行此操作",
	CodeReviewReason: "驳回需要至少一个有效的原因代码（R01-R99）",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
