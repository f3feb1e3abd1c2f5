package students

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseDate reads a date written YYYY-MM-DD or M/D/YYYY (one or two digits for month and day)
// and checks that the day exists.
func parseDate(s string) (time.Time, bool) {
	var y, m, d string
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, m, d = s[:4], s[5:7], s[8:]
	case strings.Count(s, "/") == 2:
		parts := strings.Split(s, "/")
		m, d, y = parts[0], parts[1], parts[2]
		if len(m) < 1 || len(m) > 2 || len(d) < 1 || len(d) > 2 || len(y) != 4 {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	yi, ok1 := digits(y)
	mi, ok2 := digits(m)
	di, ok3 := digits(d)
	if !ok1 || !ok2 || !ok3 || mi < 1 || mi > 12 || di < 1 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di || int(t.Month()) != mi {
		return time.Time{}, false
	}
	return t, true
}

func digits(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// isISO reports whether s is written YYYY-MM-DD (parseDate checks that the date exists).
func isISO(s string) bool { return len(s) == 10 && s[4] == '-' && s[7] == '-' }

// isoDate writes t as YYYY-MM-DD.
func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

// slashDate writes t as M/D/YYYY without zero padding (2/5/1997), as the vendor stores
// date passwords.
func slashDate(t time.Time) string {
	return fmt.Sprintf("%d/%d/%04d", int(t.Month()), t.Day(), t.Year())
}

// cedsGrade maps a students.csv GRADE label to OneRoster's CEDS vocabulary: 1…9 → 01…09,
// K → KG, PK stays; any other label is kept as it is.
func cedsGrade(g string) string {
	switch strings.ToUpper(g) {
	case "K", "KG":
		return "KG"
	case "PK":
		return "PK"
	}
	if n, ok := digits(g); ok && len(g) <= 2 && n >= 1 && n <= 9 {
		return "0" + strconv.Itoa(n)
	}
	return g
}

// vendorGrade maps a CEDS grade back to the vendor's label: 01…09 → 1…9, KG → K, PK stays, 10…12
// and anything else unchanged.
func vendorGrade(g string) string {
	switch g {
	case "KG":
		return "K"
	case "PK":
		return "PK"
	}
	if n, ok := digits(g); ok && len(g) == 2 && g[0] == '0' && n >= 1 {
		return strconv.Itoa(n)
	}
	return g
}

// scientific reports whether s looks like a number a spreadsheet rewrote in scientific
// notation (1.02E+07).
func scientific(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' || !hasE(s) {
		return false // not a digit then an exponent: most IDs, without upper-casing them
	}
	m, e, ok := strings.Cut(strings.ToUpper(s), "E")
	if !ok || m == "" || e == "" {
		return false
	}
	if e[0] == '+' || e[0] == '-' {
		e = e[1:]
	}
	if _, ok := digits(e); !ok || e == "" {
		return false
	}
	ip, fp, _ := strings.Cut(m, ".")
	if _, ok := digits(ip); !ok || ip == "" {
		return false
	}
	if fp == "" {
		return true
	}
	_, ok = digits(fp)
	return ok
}

// hasE reports whether s holds an e or E (IDs are short: a loop, not two byte searches).
func hasE(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 == 'e' {
			return true
		}
	}
	return false
}

// emailForbidden is 1 for the bytes an address may not contain: spaces and <>(),;:"[]\.
var emailForbidden = func() (t [256]uint8) {
	for _, c := range []byte(" \t\r\n<>(),;:\"[]\\") {
		t[c] = 1
	}
	return t
}()

// validEmail is a plain check of an e-mail address: one @, a local part, a dotted domain, no
// spaces and no empty labels.
func validEmail(s string) bool {
	// One pass, deciding at each dot, @ and hyphen from the byte before it (prev: '@' before
	// the first byte, so that a leading dot or @ fails as an empty part).
	ats, dots := 0, 0 // dots: those after the @
	bad := uint8(0)
	prev := byte('@')
	for i := 0; i < len(s); i++ {
		c := s[i]
		bad |= emailForbidden[c]
		switch c {
		case '@':
			ats++
			if prev == '.' || prev == '@' { // a local part that ends with a dot, or none
				return false
			}
		case '.':
			if prev == '.' || prev == '@' || (ats > 0 && prev == '-') { // an empty label or part, a label ending with -
				return false
			}
			if ats > 0 {
				dots++
			}
		case '-':
			if ats > 0 && (prev == '.' || prev == '@') { // a domain label starting with -
				return false
			}
		}
		prev = c
	}
	// One @, a domain of two labels at least, not ending with a dot or a hyphen.
	return bad == 0 && ats == 1 && dots > 0 && prev != '.' && prev != '-'
}
