//go:build !unix

package app

// privateFiles: where there is no umask, the ACLs of the directory decide.
func privateFiles() {}
