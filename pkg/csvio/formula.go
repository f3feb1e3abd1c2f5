package csvio

import (
	"fmt"
	"strconv"
	"unicode"

	"github.com/rostersync/rostersync/pkg/value"
)

// Formula reports whether a spreadsheet opening s would run it as a formula: it starts with
// = + - @, a tab or a CR (OWASP's CSV injection rule). A plain number (-3, +44) is data, not a
// formula. Formats check every cell with it and warn (code formula).
func Formula(s string) bool {
	return s != "" && formulaStart[s[0]] && formula(s) // inlined: most cells stop at the first byte
}

func formula(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return false
		}
	}
	return true
}

// formulaStart marks the first bytes of a formula (a table: this runs on every cell).
var formulaStart = [256]bool{'=': true, '+': true, '-': true, '@': true, '\t': true, '\r': true}

// FormulaMessage is the formula problem's message for a cell of column col; secret columns
// (passwords, birth dates) show nothing of the value, not even its first character.
func FormulaMessage(col, v string, secret bool) string {
	if secret {
		return col + " starts with a character a spreadsheet would run as a formula (value not shown)"
	}
	return col + " starts with " + strconv.Quote(v[:1]) + ": a spreadsheet would run it as a formula"
}

// Invisible returns the first character of s that a reader cannot see or that reorders the
// text around it: zero-width spaces and joiners, bidi controls (U+202E …), a BOM, control
// characters, spaces other than the ASCII one (no-break U+00A0 …), fillers that draw as
// nothing (U+3164, U+2800, U+034F, variation selectors); 0 when there is none. Two IDs differing only by one look the same and are two
// students, so formats report an ID that holds one (code bad-id).
func Invisible(s string) rune {
	i := value.PrintableASCII(s) // most IDs: all of them
	if i == len(s) {
		return 0
	}
	for _, r := range s[i:] {
		if r >= 0x20 && r < 0x7f {
			continue
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp,
			unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) || r == '\u2800' {
			return r
		}
	}
	return 0
}

// InvisibleMessage is the bad-id message for an ID of column col holding the invisible
// character r (from Invisible); the ID itself is not shown, as it would look fine.
func InvisibleMessage(col string, r rune) string {
	return fmt.Sprintf("%s holds an invisible character, %U (a zero-width or non-ASCII space, a filler, a bidi control or a control character): it looks like another ID but is not one; remove it", col, r)
}
