package ratelimit

// RefusalMemo is refusalMemo, for the tests outside the package.
const RefusalMemo = refusalMemo
