//go:build unix

package app

import "syscall"

// privateFiles makes every file and directory this process creates
// private to its user (SQLite's database and WAL, blobs, exports).
func privateFiles() { syscall.Umask(0o077) }
