//go:build linux && cgo

package engine

/*
#include <malloc.h>

// zp_return_large_blocks makes glibc's malloc give a large block back to
// the system when it is freed; elsewhere (musl) it does nothing.
static void zp_return_large_blocks(int mmap_threshold, int trim_threshold) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, mmap_threshold);
	mallopt(M_TRIM_THRESHOLD, trim_threshold);
#endif
}
*/
import "C"

// glibc maps a block of 128 KB or more by itself and unmaps it when freed,
// but after the first such free it raises that threshold to the block's
// size (up to 32 MB): from then on libjpeg-turbo's coefficient buffers
// (tens of MB for a large progressive JPEG) and Tesseract's images came
// from the arenas, which keep what is freed in them. Under a storm of large
// photos the C side's memory grew from 170 to 330-400 MB and stayed;
// with the thresholds fixed it stayed at 245-270 MB (e2e
// TestHostileUploadsStayUnderTheCeiling), and the Go heap gets the rest
// (memceil). A block of a megabyte or more then costs a mapping of its
// own, a few per photo.
const (
	mmapThreshold = 1 << 20
	trimThreshold = 4 << 20
)

// Set before any C library allocates (the package's init runs before
// main).
func init() { C.zp_return_large_blocks(mmapThreshold, trimThreshold) }
