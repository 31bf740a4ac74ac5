package ocr

import (
	"os"
	"syscall"
)

// threadLimit is the variable libgomp, the OpenMP runtime Debian's
// Tesseract is built with, reads the most threads of a parallel region
// from.
const threadLimit = "OMP_THREAD_LIMIT"

// OneThreadPerRead makes Tesseract read each line on the thread that asks
// for it. Tesseract runs its network's gates on OpenMP threads; with the
// reads already run in parallel, one per core, those threads only wait on
// one another: a card took 904 ms to read against 361 ms with one thread
// each, the system time of 40 cards falling from 25 s to 2 s (`zhipai
// idcard eval --cards 40`, this project's 2-core machine). libgomp takes
// its limit from the environment once, as it is loaded, before main runs:
// so when the variable is not set the program starts itself again with it
// set (exec: the same process, for a supervisor). It returns only when it
// could not, leaving the program to run as it is; an operator's own
// setting is kept.
func OneThreadPerRead() {
	if _, set := os.LookupEnv(threadLimit); set {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	if os.Setenv(threadLimit, "1") != nil {
		return
	}
	syscall.Exec(exe, os.Args, os.Environ())
}
