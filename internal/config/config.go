// Package config loads Zhipai's settings from the environment (ZHIPAI_*,
// with *_FILE variants for secrets), validates them and prints them with
// secrets redacted.
package config

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Config is every setting of the process.
type Config struct {
	// ONNXRuntimeLib is the path of libonnxruntime.so.1; empty searches
	// beside the binary and in lib/ of a source checkout.
	ONNXRuntimeLib string
	// PhotoWorkers is how many photos are processed at once (one core
	// each).
	PhotoWorkers int
}

// Load reads the environment through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		ONNXRuntimeLib: getenv("ZHIPAI_ONNXRUNTIME_LIB"),
		PhotoWorkers:   runtime.NumCPU(),
	}
	if v := strings.TrimSpace(getenv("ZHIPAI_PHOTO_WORKERS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("config: ZHIPAI_PHOTO_WORKERS=%q: %w", v, err)
		}
		c.PhotoWorkers = n
	}
	return c, c.Validate()
}

// FromEnv loads from the process environment.
func FromEnv() (Config, error) { return Load(os.Getenv) }

// Validate rejects impossible settings.
func (c Config) Validate() error {
	if c.PhotoWorkers < 1 || c.PhotoWorkers > 256 {
		return fmt.Errorf("config: ZHIPAI_PHOTO_WORKERS=%d outside 1-256", c.PhotoWorkers)
	}
	return nil
}
