// Package zhtext holds the house rules of Zhipai's Chinese text: what a
// student reads uses full-width punctuation (，：；？！（）), never the ASCII
// marks a programmer's keyboard types.
package zhtext

import (
	"strings"
	"unicode"
)

// asciiMarks are the ASCII marks that have a full-width form in Chinese
// text, with that form.
var asciiMarks = map[rune]rune{',': '，', ':': '：', ';': '；', '?': '？', '!': '！', '(': '（', ')': '）'}

// Chinese reports whether r is a Chinese character or a full-width
// punctuation mark of Chinese text.
func Chinese(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		r >= 0x3000 && r <= 0x303f || // CJK symbols and punctuation: 、。「」《》【】
		r >= 0xff01 && r <= 0xff60 || // full-width forms: ，：；？（）
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '·' || r == '—'
}

// Mark is an ASCII punctuation mark found next to Chinese text.
type Mark struct {
	Offset int    // byte offset in the text
	Mark   rune   // the ASCII mark
	Want   rune   // its full-width form
	Near   string // the text around it
}

// ASCIIPunct finds the ASCII marks of asciiMarks that stand next to a
// Chinese character (spaces between are skipped): "校验位不正确,请核对",
// "采集时间:", "有特征码?", and a ")" closing a "（". Marks between Latin text, numbers and code
// ("13:00", "f(x)", "a, b") are left alone.
func ASCIIPunct(s string) []Mark {
	rs := []rune(s)
	var out []Mark
	off := 0
	var opens []rune // the brackets open so far, to pair ")" with "（"
	for i, r := range rs {
		want, ok := asciiMarks[r]
		// A ")" closing a "（" is Chinese text's, whatever stands beside it:
		// "原因代码（R01-R99)".
		closesFullWidth := r == ')' && len(opens) > 0 && opens[len(opens)-1] == '（'
		switch r {
		case '(', '（':
			opens = append(opens, r)
		case ')', '）':
			if len(opens) > 0 {
				opens = opens[:len(opens)-1]
			}
		}
		if ok && (closesFullWidth || chineseAt(rs, i, -1) || chineseAt(rs, i, +1)) {
			lo, hi := max(0, i-8), min(len(rs), i+9)
			out = append(out, Mark{Offset: off, Mark: r, Want: want, Near: string(rs[lo:hi])})
		}
		off += len(string(r))
	}
	return out
}

// chineseAt reports whether the first non-space rune from i in direction
// dir is Chinese.
func chineseAt(rs []rune, i, dir int) bool {
	for j := i + dir; j >= 0 && j < len(rs); j += dir {
		if rs[j] == ' ' {
			continue
		}
		return Chinese(rs[j])
	}
	return false
}

// Fix replaces every mark ASCIIPunct finds with its full-width form.
func Fix(s string) string {
	ms := ASCIIPunct(s)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m.Offset])
		b.WriteRune(m.Want)
		last = m.Offset + 1
	}
	b.WriteString(s[last:])
	return b.String()
}
