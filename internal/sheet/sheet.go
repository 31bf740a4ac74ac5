// Package sheet keeps spreadsheet cells harmless. A cell whose text starts
// with = + - @ (or a tab or carriage return before them) is run as a
// formula by Excel and WPS when the file is opened: a roster cell such as
// =HYPERLINK("http://...") would run on a counsellor's machine when an
// error report or an export comes back to the school.
package sheet

import (
	"strings"
	"unicode/utf8"
)

// FormulaLike reports whether a spreadsheet would take the text for a
// formula (the full-width forms too, which WPS accepts).
func FormulaLike(s string) bool {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return true
	}
	return false
}

// Safe is the text to write into a cell: formula-like text gets a leading
// apostrophe, which spreadsheets show as text and do not run.
func Safe(s string) string {
	if FormulaLike(s) {
		return "'" + s
	}
	return s
}

// SafeRow is Safe for every cell of a row.
func SafeRow(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Safe(c)
	}
	return out
}
