package photo

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Spec is an output photo specification: pixel size, density, background,
// file-size window and the geometry of the head inside the frame. All
// geometry is in output pixels measured from the top edge (crown, eye line)
// or across (face width).
type Spec struct {
	Name       string `json:"name"`
	Title      string `json:"title"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	DPI        int    `json:"dpi"`
	Background RGB    `json:"background"`
	// MinKB and MaxKB bound the file size (1 KB = 1024 bytes); 0 = no bound.
	MinKB int `json:"min_kb,omitempty"`
	MaxKB int `json:"max_kb,omitempty"`
	// MinQuality is the JPEG quality floor; Quality the quality to use when
	// no size window applies (at least MinQuality).
	MinQuality int `json:"min_quality"`
	Quality    int `json:"quality,omitempty"`
	// Crown is the distance of the top of the head (hair included) from the
	// top edge; EyeLine the distance of the line through the eye centres;
	// FaceWidth the width of the face from cheek to cheek.
	Crown     Range `json:"crown_px"`
	EyeLine   Range `json:"eye_line_px"`
	FaceWidth Range `json:"face_width_px"`
	// MaxCentreOffset bounds how far the face's centre may sit from the
	// vertical centre line, in pixels.
	MaxCentreOffset float64 `json:"max_centre_offset_px"`
	// Source says where the numbers come from.
	Source string `json:"source,omitempty"`
}

// Range is a closed interval; Target, when set, is the preferred value
// inside it (the middle otherwise).
type Range struct {
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Target float64 `json:"target,omitempty"`
}

// Contains reports whether v lies in the range.
func (r Range) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

// Mid is the preferred value.
func (r Range) Mid() float64 {
	if r.Target != 0 {
		return r.Target
	}
	return (r.Min + r.Max) / 2
}

// Shrink narrows the range by m on both sides (never past its middle).
func (r Range) Shrink(m float64) Range {
	m = math.Min(m, (r.Max-r.Min)/2)
	return Range{Min: r.Min + m, Max: r.Max - m, Target: r.Target}
}

func (r Range) String() string { return fmt.Sprintf("%g-%g", r.Min, r.Max) }

// RGB is an sRGB colour. In JSON it is [r, g, b] or "#rrggbb".
type RGB struct{ R, G, B uint8 }

func (c RGB) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// MarshalJSON writes [r, g, b].
func (c RGB) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("[%d,%d,%d]", c.R, c.G, c.B)), nil
}

// UnmarshalJSON reads [r, g, b] or "#rrggbb".
func (c *RGB) UnmarshalJSON(b []byte) error {
	var arr []int
	if err := json.Unmarshal(b, &arr); err == nil {
		if len(arr) != 3 {
			return fmt.Errorf("colour needs 3 components, got %d", len(arr))
		}
		for _, v := range arr {
			if v < 0 || v > 255 {
				return fmt.Errorf("colour component %d outside 0-255", v)
			}
		}
		*c = RGB{uint8(arr[0]), uint8(arr[1]), uint8(arr[2])}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("colour must be [r,g,b] or \"#rrggbb\"")
	}
	var r, g, bl uint8
	if n, err := fmt.Sscanf(strings.TrimPrefix(s, "#"), "%02x%02x%02x", &r, &g, &bl); err != nil || n != 3 || len(strings.TrimPrefix(s, "#")) != 6 {
		return fmt.Errorf("colour %q is not #rrggbb", s)
	}
	*c = RGB{r, g, bl}
	return nil
}

// Validate checks that the spec is self-consistent and achievable.
func (s *Spec) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("spec %q: %s", s.Name, fmt.Sprintf(format, a...))
	}
	switch {
	case s.Name == "":
		return bad("no name")
	case s.Width < 64 || s.Height < 64 || s.Width > 4000 || s.Height > 4000:
		return bad("size %dx%d outside 64-4000 px", s.Width, s.Height)
	case s.DPI < 72 || s.DPI > 1200:
		return bad("dpi %d outside 72-1200", s.DPI)
	case s.MinQuality < 1 || s.MinQuality > 100:
		return bad("min_quality %d outside 1-100", s.MinQuality)
	case s.Quality != 0 && (s.Quality < s.MinQuality || s.Quality > 100):
		return bad("quality %d below min_quality %d or above 100", s.Quality, s.MinQuality)
	case s.MinKB < 0 || s.MaxKB < 0 || (s.MaxKB > 0 && s.MinKB > s.MaxKB):
		return bad("size window %d-%d KB", s.MinKB, s.MaxKB)
	}
	for _, r := range []struct {
		name string
		r    Range
		lim  float64
	}{{"crown_px", s.Crown, float64(s.Height)}, {"eye_line_px", s.EyeLine, float64(s.Height)}, {"face_width_px", s.FaceWidth, float64(s.Width)}} {
		if r.r.Min < 0 || r.r.Max <= r.r.Min || r.r.Max > r.lim {
			return bad("%s %s outside 0-%g or empty", r.name, r.r, r.lim)
		}
		if r.r.Target != 0 && !r.r.Contains(r.r.Target) {
			return bad("%s target %g outside %s", r.name, r.r.Target, r.r)
		}
	}
	if s.EyeLine.Max <= s.Crown.Min {
		return bad("eye line %s cannot be below crown %s", s.EyeLine, s.Crown)
	}
	if s.MaxCentreOffset < 0 {
		return bad("max_centre_offset_px %g", s.MaxCentreOffset)
	}
	return nil
}

// EncodeQuality is the quality used when no size window applies.
func (s *Spec) EncodeQuality() int {
	if s.Quality != 0 {
		return s.Quality
	}
	return max(s.MinQuality, 90)
}

// ReadSpec parses and validates a spec file (JSON, the fields of Spec).
func ReadSpec(r io.Reader) (*Spec, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("spec file: %w", err)
	}
	if s.MaxCentreOffset == 0 {
		s.MaxCentreOffset = math.Max(2, float64(s.Width)/100)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}
