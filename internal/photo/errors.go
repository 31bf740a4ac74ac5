package photo

import (
	"errors"
	"fmt"
)

// Error is a refusal a student can act on: a stable code and a message in
// Chinese that says what to do. How a code travels (an HTTP status, an
// exit code) is for the layer that carries it to decide. Detail and Err
// are for logs and reports, never for the student.
type Error struct {
	Code    string
	Message string
	Detail  string
	Err     error
}

func (e *Error) Error() string {
	s := "photo: " + e.Code
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Stable error codes.
const (
	CodeEmpty           = "photo.empty"
	CodeTooLarge        = "photo.too_large"
	CodeTooManyPixels   = "photo.too_many_pixels"
	CodeDimensions      = "photo.dimensions"
	CodeTooComplex      = "photo.too_complex"
	CodeDecodeTimeout   = "photo.decode_timeout"
	CodeTooSmall        = "photo.too_small"
	CodeHEIC            = "photo.heic"
	CodeGIF             = "photo.gif"
	CodeUnsupported     = "photo.unsupported_format"
	CodeTruncated       = "photo.truncated"
	CodeCorrupt         = "photo.corrupt"
	CodeColourSpace     = "photo.colour_space"
	CodeNoFace          = "face.none"
	CodeManyFaces       = "face.multiple"
	CodeFaceCut         = "face.cut"
	CodeHeadCut         = "head.cut"
	CodeHeadTop         = "crop.head_top"
	CodeShoulders       = "crop.shoulders"
	CodeSides           = "crop.sides"
	CodeTooClose        = "crop.too_close"
	CodeFaceTooSmall    = "crop.face_small"
	CodeProportions     = "crop.proportions"
	CodeSizeWindow      = "encode.size_window"
	CodeInternal        = "internal"
	CodeSpec            = "spec.invalid"
	CodeCancelled       = "cancelled"
	CodeGeometryMissing = "crop.geometry"
	CodeBackground      = "background.unclean"
)

var messages = map[string]string{
	CodeEmpty:           "没有收到照片，请重新选择照片上传",
	CodeTooLarge:        "照片文件超过 30 MB，请直接用手机相机拍摄的原图上传，不要使用超大文件",
	CodeTooManyPixels:   "照片像素超过 5000 万，请使用手机相机的普通拍照模式重新拍摄",
	CodeDimensions:      "照片尺寸或色深过大，无法处理，请用手机相机直接拍摄后上传 JPG 照片。",
	CodeTooComplex:      "照片文件结构异常，无法读取，请用手机相机直接拍摄后上传 JPG 照片。",
	CodeDecodeTimeout:   "照片读取用时过长，已停止，请用手机相机直接拍摄后上传 JPG 照片。",
	CodeTooSmall:        "照片分辨率太低，请用手机后置摄像头重新拍摄，不要上传截图或缩略图",
	CodeHEIC:            "暂不支持 HEIC 格式，请上传 JPG、PNG 或 WebP 格式的照片（苹果手机可在“设置 > 相机 > 格式”中选择“兼容性最佳”）。",
	CodeGIF:             "不支持 GIF 动图，请上传 JPG、PNG 或 WebP 格式的照片。",
	CodeUnsupported:     "不支持该文件格式，请上传 JPG、PNG 或 WebP 格式的照片。",
	CodeTruncated:       "照片文件不完整（可能上传中断），请重新上传",
	CodeCorrupt:         "照片文件已损坏，无法读取，请重新拍摄后上传",
	CodeColourSpace:     "照片的颜色格式无法识别，请用手机相机直接拍摄后上传 JPG 照片",
	CodeNoFace:          "照片中没有找到人脸，请正对镜头、露出完整面部后重拍",
	CodeManyFaces:       "照片中有多个人，请单独拍摄，背景中不要有其他人",
	CodeFaceCut:         "脸部被照片边缘截断，请让整个头部和肩膀都在画面内后重拍",
	CodeHeadCut:         "头顶被照片上边缘截断，请让拍摄者后退一步或把相机放低一些，头顶上方留出空白后重拍",
	CodeHeadTop:         "头顶离照片上边缘太近，请让拍摄者后退一步，头顶上方多留一些空白后重拍",
	CodeShoulders:       "肩膀没有拍全，请拍摄到胸口以上的半身像后重拍",
	CodeSides:           "人像太靠近照片左右边缘，请站在画面中间后重拍",
	CodeTooClose:        "离相机太近，请让拍摄者后退到约 1 米外，拍摄胸口以上的半身像",
	CodeFaceTooSmall:    "人脸在照片中太小，请让拍摄者靠近一些（约 1 米），拍摄胸口以上的半身像",
	CodeProportions:     "头部比例无法满足照片规格（可能是发型过高或戴了帽子），请整理头发、摘下帽子后重拍",
	CodeSizeWindow:      "照片无法压缩到规定的文件大小，请在光线均匀的白墙前重拍",
	CodeInternal:        "照片处理出错，请稍后重试；如多次失败请联系客服",
	CodeSpec:            "照片规格配置有误，请联系学校或客服",
	CodeCancelled:       "照片处理被中断，请重试",
	CodeGeometryMissing: "无法测量头部位置，请正对镜头、露出额头和双耳后重拍",
	CodeBackground:      "背景不纯：请站在干净的白墙前约 1 米处重拍。",
}

// fail builds the public error for a code.
func fail(code string, cause error, detail string, args ...any) *Error {
	m, ok := messages[code]
	if !ok {
		m = messages[CodeInternal]
	}
	return &Error{Code: code, Message: m, Detail: fmt.Sprintf(detail, args...), Err: cause}
}

// Message returns the Chinese message for a code ("" if unknown).
func Message(code string) string { return messages[code] }

// Codes lists every code (for documentation and tests).
func Codes() []string {
	out := make([]string, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	return out
}

// AsError extracts the public error, wrapping anything else as internal.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return fail(CodeInternal, err, "")
}
