//go:build !linux

package service

// lowPriorityThread does nothing where threads have no priority of their
// own to set.
func lowPriorityThread() {}
