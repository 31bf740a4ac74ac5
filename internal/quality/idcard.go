package quality

import (
	"math"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Sides of a 居民身份证.
const (
	SideFront = "front" // 人像面: the portrait
	SideBack  = "back"  // 国徽面: the national emblem
)

// Card geometry: ID-1 format, 85.6 x 54 mm.
const (
	cardAspect = 85.6 / 54
	cardW      = 856
	cardH      = 540
)

// CardReport is what the identity-document check found.
type CardReport struct {
	Found bool `json:"found"`
	// Corners in photo pixels: top left, top right, bottom right, bottom
	// left of the card as read (its long side first).
	Corners    [4]vision.Point `json:"corners,omitempty"`
	AreaShare  float64         `json:"area_share"`
	Support    float64         `json:"edge_support"`
	Sharpness  float64         `json:"sharpness"`
	Glare      float64         `json:"glare"`
	FaceOnCard bool            `json:"face_on_card"`
	EmblemRed  float64         `json:"emblem_red"`
	Side       string          `json:"side,omitempty"`
	// Text is what the card says, read once the side is right and
	// nothing blocks (nil without a reader).
	Text     *CardText       `json:"-"`
	Findings []photo.Finding `json:"findings"`
}

// Thresholds of the card check, set on rendered cards (no real identity
// document may be committed or shared for testing): a sharp card reads
// above 0.25, the same card after a 3-pixel Gaussian blur below 0.12.
const (
	cardMinSupport   = 0.55
	cardMinArea      = 0.25
	cardMinSharpness = 0.14
	cardMaxGlare     = 0.012
	cardMinRed       = 0.02
	cardEdgeMargin   = 0.01
	// cardPortraitShare: the front's portrait face is at least this share
	// of the card's height (the detector's box is about 110 px of 540 on
	// the portrait; a photo of a face elsewhere on the card is smaller).
	cardPortraitShare = 0.15
)

// edgeSupportShare: an outline pixel supports a side when its gradient is
// at least this share of the Hough voting threshold.
const edgeSupportShare = 0.7

// CheckIDCard finds the card in a photo and checks that it is whole, sharp,
// free of glare and shows the side asked for (SideFront or SideBack).
func (c *Checker) CheckIDCard(img *raster.Image, side string) *CardReport {
	return c.CheckIDCardOf(img, side, "")
}

// CheckIDCardOf is CheckIDCard that also checks whether the front carries
// the given name (CardText.NameVerified), when it is not empty.
func (c *Checker) CheckIDCardOf(img *raster.Image, side, name string) *CardReport {
	rep := &CardReport{}
	add := func(code string, sev domain.Severity, value, threshold float64, msg string) {
		rep.Findings = append(rep.Findings, photo.Finding{Code: code, Reason: domain.ReasonIDImage, Severity: sev, Value: round3(value), Threshold: threshold, Message: msg})
	}
	quad, support, ok := findCard(img)
	if !ok {
		add("card.not_found", domain.SeverityBlock, support, cardMinSupport, "没有找到完整的证件，请把证件平放在深色桌面上，四角完整拍入框内后重拍")
		return rep
	}
	rep.Found, rep.Corners, rep.Support = true, quad, round3(support)
	rep.AreaShare = round3(quadArea(quad) / float64(img.W*img.H))
	mx, my := cardEdgeMargin*float64(img.W), cardEdgeMargin*float64(img.H)
	for _, p := range quad {
		if p.X < mx || p.Y < my || p.X > float64(img.W)-mx || p.Y > float64(img.H)-my {
			add("card.cut", domain.SeverityBlock, 0, 0, "请将证件四角完整拍入框内")
			break
		}
	}
	if rep.AreaShare < cardMinArea {
		add("card.small", domain.SeverityWarn, rep.AreaShare, cardMinArea, "证件在照片中太小，请靠近一些，让证件占满取景框后重拍")
	}
	h, err := cardToPhoto(quad)
	if err != nil {
		add("card.not_found", domain.SeverityBlock, 0, 0, "没有找到完整的证件，请把证件平放、四角完整拍入框内后重拍")
		return rep
	}
	card := raster.WarpPerspective(img, h, cardW, cardH)
	rep.Sharpness = round3(cardSharpness(card))
	if rep.Sharpness < cardMinSharpness {
		add("card.blur", domain.SeverityBlock, rep.Sharpness, cardMinSharpness, "证件图片模糊，请对焦清楚、拿稳手机后重拍")
	}
	rep.Glare = round3(cardGlare(card))
	if rep.Glare > cardMaxGlare {
		add("card.glare", domain.SeverityBlock, rep.Glare, cardMaxGlare, "证件有反光，请调整角度、避开灯光后重拍")
	}
	// The front's portrait is large.
	faces, _ := c.vision.DetectDistantFaces(card)
	for _, f := range faces {
		if f.Score >= 0.7 && f.Box.H() >= cardPortraitShare*cardH {
			rep.FaceOnCard = true
		}
	}
	rep.EmblemRed = round3(emblemRed(card))
	switch {
	case rep.FaceOnCard:
		rep.Side = SideFront
	case rep.EmblemRed >= cardMinRed:
		rep.Side = SideBack
	}
	switch {
	case side == SideFront && rep.Side != SideFront:
		add("card.side", domain.SeverityBlock, 0, 0, "请拍摄证件的人像面（有照片的一面）")
	case side == SideBack && rep.Side != SideBack:
		add("card.side", domain.SeverityBlock, 0, 0, "请拍摄证件的国徽面（没有照片的一面）")
	}
	for _, f := range rep.Findings {
		if f.Severity == domain.SeverityBlock {
			return rep
		}
	}
	rep.Text = c.readCard(img, h, side, name)
	return rep
}

// cardToPhoto maps the rectified card's 856x540 grid onto the photo, to
// the corners found.
func cardToPhoto(quad [4]vision.Point) (raster.Homography, error) {
	var dst [4][2]float64
	for i, p := range quad {
		dst[i] = [2]float64{p.X, p.Y}
	}
	return raster.HomographyFrom([4][2]float64{{0, 0}, {cardW, 0}, {cardW, cardH}, {0, cardH}}, dst)
}

// cardSharpness is the Laplacian's spread over the luma's spread on the
// rectified card (text and patterns are fine detail).
func cardSharpness(card *raster.Image) float64 {
	w, h := card.W, card.H
	l := make([]float64, w*h)
	for i := range l {
		p := card.Pix[3*i : 3*i+3]
		l[i] = (0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])) / 255
	}
	var lap, s1, s2, n float64
	for y := h / 20; y < h-h/20; y++ {
		for x := w / 20; x < w-w/20; x++ {
			i := y*w + x
			v := 4*l[i] - l[i-1] - l[i+1] - l[i-w] - l[i+w]
			lap += v * v
			s1 += l[i]
			s2 += l[i] * l[i]
			n++
		}
	}
	variance := s2/n - (s1/n)*(s1/n)
	return math.Sqrt(lap/n) / math.Sqrt(variance+1e-4)
}

// cardGlare is the share of the card that is blown out white.
func cardGlare(card *raster.Image) float64 {
	var g float64
	n := float64(card.W * card.H)
	for i := 0; i < len(card.Pix); i += 3 {
		_, s, v := hsv(float64(card.Pix[i]), float64(card.Pix[i+1]), float64(card.Pix[i+2]))
		if v > 0.97 && s < 0.08 {
			g++
		}
	}
	return g / n
}

// emblemRed is the share of strongly red pixels in the corner where the
// back side's national emblem sits (top left, or bottom right when the
// card is upside down).
func emblemRed(card *raster.Image) float64 {
	count := func(x0, y0, x1, y1 int) float64 {
		var red, n float64
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				r, g, b := card.At(x, y)
				h, s, v := hsv(float64(r), float64(g), float64(b))
				n++
				if (h < 15 || h > 345) && s > 0.5 && v > 0.35 {
					red++
				}
			}
		}
		return red / n
	}
	w, h := card.W, card.H
	return math.Max(count(0, 0, w*3/10, h*6/10), count(w*7/10, h*4/10, w, h))
}
