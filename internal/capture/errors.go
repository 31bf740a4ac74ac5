package capture

import "zhipai/internal/domain"

// The public codes of photo uploads, results and submissions.
const (
	CodeNotConfirmed     = "capture.not_ready"
	CodeIdempotencyKey   = "upload.idempotency_key"
	CodeQueueFull        = "upload.queue_full"
	CodeUploadRate       = "upload.too_frequent"
	CodeUploadLimit      = "upload.limit"
	CodeDuplicate        = "upload.duplicate_rejected"
	CodeLocked           = "upload.locked"
	CodeUnderReview      = "upload.under_review"
	CodeRetakeExpired    = "upload.retake_expired"
	CodeNotReady         = "submit.not_ready"
	CodeBlocked          = "submit.blocked"
	CodeRefused          = "submit.refused"
	CodeAlreadySubmitted = "submit.already"
	CodeNotSuperseded    = "submit.stale"
	CodeCannotWithdraw   = "withdraw.not_allowed"
)

// Errors are their messages: what the student reads and what to do.
var Errors = domain.Catalogue{
	CodeNotConfirmed:     "请先确认学籍信息，再进入采集",
	CodeIdempotencyKey:   "上传请求缺少标识，请刷新页面后重试",
	CodeQueueFull:        "当前上传人数较多，请稍后自动重试",
	CodeUploadRate:       "上传过于频繁，请稍后再试。",
	CodeUploadLimit:      "上传次数已用完（未生成标准照的照片不计次数），请联系学院增加次数。",
	CodeDuplicate:        "这张照片与已被驳回的照片相同，请按驳回原因重新拍摄",
	CodeLocked:           "照片已审核通过并锁定，不能再修改",
	CodeUnderReview:      "照片正在审核，如需重拍请先撤回（审核中的照片不能撤回）",
	CodeRetakeExpired:    "重拍期限已过，请联系学院处理",
	CodeNotReady:         "照片还在处理中，请稍候",
	CodeBlocked:          "照片存在必须修改的问题，请按提示重拍后再提交",
	CodeRefused:          "这张照片无法生成证件照，请按提示重拍",
	CodeAlreadySubmitted: "已经提交过了，请勿重复提交",
	CodeNotSuperseded:    "这不是你最新的照片，请提交最新上传的照片",
	CodeCannotWithdraw:   "只有待审核的照片可以撤回",
}

func fail(code string, cause error) *domain.Error { return Errors.Fail(code, cause) }
