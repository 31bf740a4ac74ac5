// Package procstat reads this process's memory figures from
// /proc/self/status (Linux), for the benchmarks' reports.
package procstat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// MB is a /proc/self/status field in MB ("VmRSS" now, "VmHWM" the peak);
// 0 where there is no /proc.
func MB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
