package quality

import (
	"fmt"
	"math"
)

// Threshold is where a check fires: at Warn the reviewer is told, at
// Block the student cannot submit. NaN disables a level.
type Threshold struct {
	Warn  float64 `json:"warn"`
	Block float64 `json:"block"`
}

// Config holds every check's thresholds, by check code.
type Config struct {
	Thresholds map[string]Threshold
}

// DefaultConfig returns the thresholds calibrated on the evaluation data
// (`zhipai photo eval --checks`); each rule's comment says which numbers
// justify it.
func DefaultConfig() Config {
	c := Config{Thresholds: map[string]Threshold{}}
	for _, r := range rules() {
		c.Thresholds[r.code] = Threshold{Warn: r.warn, Block: r.block}
	}
	return c
}

// Validate rejects thresholds for unknown checks or in the wrong order.
func (c Config) Validate() error {
	known := map[string]rule{}
	for _, r := range rules() {
		known[r.code] = r
	}
	for code, t := range c.Thresholds {
		r, ok := known[code]
		if !ok {
			return fmt.Errorf("quality: threshold for unknown check %q", code)
		}
		if math.IsNaN(t.Warn) || math.IsNaN(t.Block) {
			continue
		}
		if (r.above && t.Block < t.Warn) || (!r.above && t.Block > t.Warn) {
			return fmt.Errorf("quality: %s: block threshold %v is milder than warn %v", code, t.Block, t.Warn)
		}
	}
	return nil
}
