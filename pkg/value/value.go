// Package value checks single values that every format reads the same way: e-mail addresses,
// and identifiers a spreadsheet rewrote. It holds no format's rules, only the shared shape.
package value

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// EmailProblem returns what is wrong with the address s, or "" when it looks valid: one @, a
// non-empty local part, a domain with a dot inside it, no spaces or control characters.
func EmailProblem(s string) string {
	// A run of ASCII without spaces or controls (eight bytes at a time), then what stopped it:
	// a space or control character, or the first non-ASCII byte, from which on every rune is
	// checked.
	i := GraphicASCII(s)
	if i < len(s) {
		if s[i] < utf8.RuneSelf {
			return "holds a space or control character"
		}
		for _, r := range s[i:] {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				return "holds a space or control character"
			}
		}
	}
	at := strings.IndexByte(s, '@')
	switch {
	case at < 0:
		return "has no @"
	case strings.LastIndexByte(s, '@') != at:
		return "has more than one @"
	case at == 0:
		return "has nothing before the @"
	}
	local, domain := s[:at], s[at+1:]
	switch {
	case domain == "":
		return "has nothing after the @"
	case strings.IndexByte(domain, '.') < 0:
		return "has no dot in the domain"
	case MisplacedDot(domain):
		return "has a misplaced dot in the domain"
	case MisplacedDot(local):
		return "has a misplaced dot before the @"
	}
	return ""
}

// MisplacedDot reports whether s starts or ends with a dot or holds two in a row (an address
// part with an empty label).
func MisplacedDot(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '.' || s[len(s)-1] == '.' {
		return true
	}
	for i := strings.IndexByte(s, '.'); i >= 0; {
		if s[i+1] == '.' { // s does not end with a dot
			return true
		}
		j := strings.IndexByte(s[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// ExcelDamaged reports whether an identifier looks like a number a spreadsheet rewrote in
// scientific notation (1.02E+07).
func ExcelDamaged(s string) bool {
	// The first '+' (one fast byte search; most IDs have none) follows the first e or E: the
	// digits before it have neither.
	p := strings.IndexByte(s, '+')
	if p < 2 || p+1 >= len(s) || s[p-1] != 'e' && s[p-1] != 'E' {
		return false
	}
	mant, exp := s[:p-1], s[p+1:]
	if !digits(exp) {
		return false
	}
	whole, frac, dot := strings.Cut(mant, ".")
	return digits(whole) && (!dot || digits(frac))
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
