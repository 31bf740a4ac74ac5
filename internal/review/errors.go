package review

import "zhipai/internal/domain"

// The public codes of reviewers' decisions.
const (
	CodeReviewState  = "review.state"
	CodeReviewReason = "review.reason"
	CodeForbidden    = "review.forbidden"
	CodeClaimed      = "review.claimed"
	CodeClaimLost    = "review.claim_lost"
)

// Errors are their messages: what the student reads and what to do.
var Errors = domain.Catalogue{
	CodeReviewState:  "该提交当前状态不能执行此操作",
	CodeReviewReason: "驳回需要至少一个有效的原因代码（R01-R99）",
	CodeForbidden:    "你的角色不能审核照片。",
	CodeClaimed:      "这张照片正由其他审核员审核，请处理下一张。",
	CodeClaimLost:    "审核锁定已超时或照片已有变化，请重新打开后再处理。",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
