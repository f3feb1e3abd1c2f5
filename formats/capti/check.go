package capti

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
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
