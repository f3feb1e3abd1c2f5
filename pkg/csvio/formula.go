package csvio

import (
	"strconv"
	"strings"
)

// Formula reports whether a spreadsheet opening s would run it as a formula: it starts with
// = + - @, a tab or a CR (OWASP's CSV injection rule). A plain number (-3, +44) is data, not a
// formula. Formats check every cell with it and warn (code formula).
func Formula(s string) bool {
	if s == "" || strings.IndexByte("=+-@\t\r", s[0]) < 0 {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return false
		}
	}
	return true
}

// FormulaMessage is the formula problem's message for a cell of column col; secret columns
// (passwords, birth dates) show nothing of the value, not even its first character.
func FormulaMessage(col, v string, secret bool) string {
	if secret {
		return col + " starts with a character a spreadsheet would run as a formula (value not shown)"
	}
	return col + " starts with " + strconv.Quote(v[:1]) + ": a spreadsheet would run it as a formula"
}
