package manage

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/url"
	"strings"
	"unicode/utf16"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"zhipai/internal/domain"
	"zhipai/internal/staff"
)

// JoinURL is the address a campaign's QR code opens: the student app with
// the join code filled in.
func JoinURL(base string, c domain.Campaign) string {
	return strings.TrimSuffix(base, "/") + "/?join=" + url.QueryEscape(c.JoinCode)
}

// Poster is a campaign's join poster for the console: the QR code of its
// join address, as a PNG to put into a notice or as an A4 PDF to print.
func (s *Service) Poster(ctx context.Context, who staff.Staff, campaignID int64, base, format string) ([]byte, string, error) {
	c, err := s.Campaign(ctx, who, campaignID)
	if err != nil {
		return nil, "", err
	}
	qr, err := qrcode.New(JoinURL(base, c), qrcode.Medium)
	if err != nil {
		return nil, "", domain.Internal("qr: %w", err)
	}
	if format == "pdf" {
		return PosterPDF(c, JoinURL(base, c), qr.Bitmap()), "application/pdf", nil
	}
	b, err := posterPNG(c, qr.Bitmap())
	if err != nil {
		return nil, "", domain.Internal("poster png: %w", err)
	}
	return b, "image/png", nil
}

// posterPNG is the QR code, 1,000 px square with its quiet zone, and the
// join code under it in large type (ASCII only: the PNG carries no
// Chinese font; the PDF poster has the words).
func posterPNG(c domain.Campaign, bits [][]bool) ([]byte, error) {
	const side = 1000
	n := len(bits)
	cell := side / n
	qrSide := cell * n
	img := image.NewGray(image.Rect(0, 0, side, side+200))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	off := (side - qrSide) / 2
	for y, row := range bits {
		for x, dark := range row {
			if dark {
				draw.Draw(img, image.Rect(off+x*cell, off+y*cell, off+(x+1)*cell, off+(y+1)*cell), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	// The code in 7x13 glyphs, drawn small and scaled by whole pixels.
	text := "JOIN CODE  " + c.JoinCode
	face := basicfont.Face7x13
	small := image.NewGray(image.Rect(0, 0, 7*len(text), 13))
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.Black, Face: face, Dot: fixed.P(0, 11)}
	d.DrawString(text)
	scale := min(6, (side-40)/small.Bounds().Dx())
	x0 := (side - small.Bounds().Dx()*scale) / 2
	y0 := side + (200-13*scale)/2
	for y := 0; y < 13; y++ {
		for x := 0; x < small.Bounds().Dx(); x++ {
			if small.GrayAt(x, y).Y < 128 {
				draw.Draw(img, image.Rect(x0+x*scale, y0+y*scale, x0+(x+1)*scale, y0+(y+1)*scale), &image.Uniform{color.Black}, image.Point{}, draw.Src)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PosterPDF is an A4 poster: the school and campaign, the QR code drawn
// as vector squares (sharp at any printer's resolution), the join code,
// the address and three steps. The Chinese text uses the standard CJK
// font STSong-Light through UniGB-UCS2-H, which PDF readers supply, so
// nothing is embedded or fetched.
func PosterPDF(c domain.Campaign, join string, bits [][]bool) []byte {
	const pageW, pageH = 595.0, 842.0
	var content bytes.Buffer
	// text centres a line: Chinese in STSong-Light, ASCII in Courier
	// (whose every glyph is 0.6 em wide, so the line's width is known).
	text := func(size, y float64, s string) {
		x := (pageW - textWidth(s)*size) / 2
		fmt.Fprintf(&content, "BT %.2f %.2f Td", x, y)
		for _, run := range runs(s) {
			if run[0] < 0x80 {
				fmt.Fprintf(&content, " /F2 %.1f Tf (%s) Tj", size, pdfEscape(run))
			} else {
				fmt.Fprintf(&content, " /F1 %.1f Tf <%s> Tj", size, ucs2Hex(run))
			}
		}
		content.WriteString(" ET\n")
	}
	title := c.Name
	if !strings.Contains(title, "采集") {
		title += " 照片采集"
	}
	text(26, 770, c.School.Name)
	text(20, 736, title)
	n := float64(len(bits))
	side := 360.0
	cell := side / n
	x0, y0 := (pageW-side)/2, 330.0
	content.WriteString("0 g\n")
	for y, row := range bits {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&content, "%.3f %.3f %.3f %.3f re\n", x0+float64(x)*cell, y0+side-float64(y+1)*cell, cell+0.02, cell+0.02)
			}
		}
	}
	content.WriteString("f\n")
	text(22, 290, "特征码  "+c.JoinCode)
	text(11, 266, join)
	text(13, 220, "1．用手机微信或浏览器扫描上方二维码（或打开网址后输入特征码）")
	text(13, 198, "2．登录，核验身份并关联学籍")
	text(13, 176, "3．请同学在白墙前用后置摄像头为你拍摄半身照，上传后即可看到标准照")
	text(12, 120, fmt.Sprintf("采集时间：%s 至 %s", c.OpensAt.Local().Format("2006-01-02 15:04"), c.ClosesAt.Local().Format("2006-01-02 15:04")))
	if c.School.ContactPhone != "" {
		text(12, 100, "咨询电话："+c.School.ContactPhone+"  "+c.School.ContactHours)
	}

	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> /Contents 4 0 R >>", pageW, pageH))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()))
	obj("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>")
	obj("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> " +
		"/FontDescriptor 7 0 R /DW 1000 >>")
	obj("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 " +
		"/CapHeight 880 /StemV 80 >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}

// ucs2Hex is a string in UTF-16BE, as hex for a PDF string.
func ucs2Hex(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	return b.String()
}

// textWidth is a string's width in ems: 0.6 for ASCII (Courier), whole
// for Chinese.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x80 {
			w += 0.6
		} else {
			w++
		}
	}
	return w
}

// runs splits a string into runs of ASCII and of everything else.
func runs(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if i > 0 && (r < 0x80) != (s[start] < 0x80) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// pdfEscape makes ASCII text a PDF literal string's content.
func pdfEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(s)
}
