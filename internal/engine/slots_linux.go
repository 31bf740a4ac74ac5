package engine

import (
	"runtime"
	"syscall"
)

// lowPriorityThread pins the calling goroutine to its OS thread and lowers
// that thread's priority (Linux schedules threads individually). The
// goroutine must end without unlocking, so the thread ends too.
func lowPriorityThread() {
	runtime.LockOSThread()
	syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), photoNice)
}
