//go:build !linux

package engine

// lowPriorityThread does nothing where threads have no priority of their
// own to set.
func lowPriorityThread() {}
