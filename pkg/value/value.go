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
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return "holds a space or control character"
		} else if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if unicode.IsSpace(r) || unicode.IsControl(r) {
					return "holds a space or control character"
				}
			}
			break
		}
	}
	at := strings.IndexByte(s, '@')
	switch {
	case at < 0:
		return "has no @"
	case strings.Count(s, "@") > 1:
		return "has more than one @"
	case at == 0:
		return "has nothing before the @"
	}
	local, domain := s[:at], s[at+1:]
	switch {
	case domain == "":
		return "has nothing after the @"
	case !strings.Contains(domain, "."):
		return "has no dot in the domain"
	case strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return "has a misplaced dot in the domain"
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "has a misplaced dot before the @"
	}
	return ""
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
