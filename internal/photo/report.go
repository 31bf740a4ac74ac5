package photo

import (
	"zhipai/internal/domain"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Report is every measurement the pipeline made, in JSON for the student's
// result page, the reviewer and the evaluation.
type Report struct {
	Spec       string         `json:"spec"`
	Input      InputReport    `json:"input"`
	Faces      []FaceReport   `json:"faces"`
	Landmarks  *Landmarks     `json:"landmarks,omitempty"`
	Pose       *vision.Pose   `json:"pose,omitempty"`
	Geometry   *Geometry      `json:"geometry,omitempty"`
	Background *BackgroundRep `json:"background,omitempty"`
	Output     *OutputReport  `json:"output,omitempty"`
	// TimingsMS holds the wall time of each step and their "total"; after
	// a refusal, "salvage" is the time taken to complete the analysis for
	// the compliance checks (outside "total").
	TimingsMS map[string]float64 `json:"timings_ms"`
	// Findings are the compliance checks' results.
	Findings []Finding `json:"findings"`
	// Error is the refusal, when the photo was refused.
	Error *ErrorReport `json:"error,omitempty"`
}

// InputReport describes the uploaded file.
type InputReport struct {
	Format      string  `json:"format,omitempty"`
	Bytes       int     `json:"bytes"`
	Width       int     `json:"width,omitempty"`
	Height      int     `json:"height,omitempty"`
	Orientation int     `json:"exif_orientation,omitempty"`
	ICCProfile  string  `json:"icc_profile_converted,omitempty"`
	DecodeScale float64 `json:"decode_scale,omitempty"`
	// From EXIF, for the compliance checks (the output keeps no metadata).
	FocalLength35mm int    `json:"focal_length_35mm,omitempty"`
	Software        string `json:"software,omitempty"`
}

// FaceReport is one detected face, in input pixels.
type FaceReport struct {
	Box   raster.Rect `json:"box"`
	Score float32     `json:"score"`
}

// Landmarks are the mesh points the geometry uses, in input pixels.
type Landmarks struct {
	RightEye   vision.Point `json:"right_eye"` // the subject's right: left in the photo
	LeftEye    vision.Point `json:"left_eye"`
	EyeSource  string       `json:"eye_source"` // iris or contour
	Forehead   vision.Point `json:"forehead"`
	Chin       vision.Point `json:"chin"`
	RightCheek vision.Point `json:"right_cheek"`
	LeftCheek  vision.Point `json:"left_cheek"`
	NoseTip    vision.Point `json:"nose_tip"`
	MeshScore  float32      `json:"mesh_score"`
	IrisRadius float64      `json:"iris_radius"`
}

// Geometry holds the head measurements and the chosen crop.
type Geometry struct {
	// In input pixels.
	CrownY      float64     `json:"crown_y"`
	CrownSource string      `json:"crown_source"`
	EyeY        float64     `json:"eye_y"`
	ChinY       float64     `json:"chin_y"`
	FaceWidth   float64     `json:"face_width"`
	FaceCentreX float64     `json:"face_centre_x"`
	Crop        raster.Rect `json:"crop"`
	// Scale is output pixels per input pixel (above 1: enlarged).
	Scale float64 `json:"scale"`
	// In output pixels, measured on the result.
	Out OutputGeometry `json:"output"`
	// The spec's limits, for reading the numbers.
	Limits GeometryLimits `json:"limits"`
}

// OutputGeometry is the head measured in the output photo.
type OutputGeometry struct {
	CrownPx        float64 `json:"crown_px"`
	EyeLinePx      float64 `json:"eye_line_px"`
	FaceWidthPx    float64 `json:"face_width_px"`
	ChinPx         float64 `json:"chin_px"`
	CentreOffsetPx float64 `json:"centre_offset_px"`
	EyeTiltPx      float64 `json:"eye_tilt_px"`
}

// GeometryLimits restates the spec's geometry.
type GeometryLimits struct {
	Crown           Range   `json:"crown_px"`
	EyeLine         Range   `json:"eye_line_px"`
	FaceWidth       Range   `json:"face_width_px"`
	MaxCentreOffset float64 `json:"max_centre_offset_px"`
}

// BackgroundRep describes the wall and its replacement.
type BackgroundRep struct {
	Wall RGB `json:"wall_rgb"`
	// WallNoise is the spread of the wall's colour around its smooth
	// estimate (0-255 scale): low for a plain wall.
	WallNoise float64 `json:"wall_noise"`
	// KnownBackgroundShare is the share of edge pixels matted against the
	// estimated wall colour (the rest follow the image's edges).
	KnownBackgroundShare float64 `json:"known_background_share"`
	EdgeWallNoise        float64 `json:"edge_wall_noise"`
	MatteDoubt           float64 `json:"matte_doubt"`
	BusyEdgeShare        float64 `json:"busy_edge_share"`
	Output               RGB     `json:"output_rgb"`
}

// OutputReport describes the file produced.
type OutputReport struct {
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	DPI     int    `json:"dpi"`
	Quality int    `json:"quality"`
	Chroma  string `json:"chroma"`
	Bytes   int    `json:"bytes"`
	MinKB   int    `json:"min_kb,omitempty"`
	MaxKB   int    `json:"max_kb,omitempty"`
}

// Finding is one compliance check's result: a stable code, the review
// reason it suggests, whether it blocks submission, what was measured
// against which threshold, and what the student should change.
type Finding struct {
	Code      string          `json:"code"`
	Reason    domain.Reason   `json:"reason"`
	Severity  domain.Severity `json:"severity"`
	Value     float64         `json:"value"`
	Threshold float64         `json:"threshold"`
	Message   string          `json:"message"`
}

// ErrorReport is a refusal in the report.
type ErrorReport struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}
