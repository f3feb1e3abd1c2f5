package capti

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

var errNoFile = errors.New("no roster file: a Capti roster is one .csv file")

type manyFilesError struct{ files []string }

func (e *manyFilesError) Error() string {
	list := e.files
	more := ""
	if len(list) > 5 {
		list, more = list[:5], ", …"
	}
	return fmt.Sprintf("%d files (%s%s): a Capti roster is one .csv file", len(e.files), strings.Join(list, ", "), more)
}

// validUsername reports whether s is letters and digits only, as Capti requires of a username.
func validUsername(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// emailProblem returns what is wrong with the address s, or "" when it looks valid: one @, a
// non-empty local part, a domain with a dot inside it, no spaces or control characters.
func emailProblem(s string) string {
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

// excelDamaged reports whether an identifier looks like a number a spreadsheet rewrote in
// scientific notation (1.02E+07).
func excelDamaged(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 || i+2 >= len(s) || s[i+1] != '+' {
		return false
	}
	mant, exp := s[:i], s[i+2:]
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

// slug turns an org name into an identifier: lower case letters and digits joined by dashes.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "org"
	}
	return b.String()
}

// plural returns "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
