package students

import (
	"fmt"
	"strings"
	"testing"
)

// validEmail checks its forbidden characters a byte at a time and its domain's labels without
// a slice: it decides as the plain reading of the rule does.
func TestValidEmail(t *testing.T) {
	plain := func(s string) bool {
		local, domain, ok := strings.Cut(s, "@")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") ||
			strings.ContainsAny(s, " \t\r\n<>(),;:\"[]\\") ||
			strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			return false
		}
		labels := strings.Split(domain, ".")
		if len(labels) < 2 {
			return false
		}
		for _, l := range labels {
			if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
				return false
			}
		}
		return true
	}
	for s, want := range map[string]bool{
		"ann@school.org": true, "a.b@x.y.z": true, "åsa@skola.se": true, "a@b-c.d": true,
		"": false, "ann": false, "@school.org": false, "ann@": false, "ann@school": false, "a@b@c.d": false,
		"an n@school.org": false, "ann@school.org\t": false, "<ann@school.org>": false, `a"b@c.d`: false,
		"a\\b@c.d": false, "a;b@c.d": false, ".ann@c.d": false, "ann.@c.d": false, "a..b@c.d": false,
		"a@.c.d": false, "a@c..d": false, "a@c.d.": false, "a@-c.d": false, "a@c-.d": false, "a@c.-d": false,
		"a\xffb@c.d": true, "a\u00a0b@c.d": true,
	} {
		if got := validEmail(s); got != want || got != plain(s) {
			t.Errorf("validEmail(%q) = %v, want %v (plain reading %v)", s, got, want, plain(s))
		}
	}
}

// validISO accepts exactly the YYYY-MM-DD strings parseDate reads as a date.
func TestValidISOAsParseDate(t *testing.T) {
	for _, y := range []string{"0000", "0004", "1900", "2000", "2023", "2024", "9999", "20a4"} {
		for m := -1; m <= 13; m++ {
			for d := -1; d <= 32; d++ {
				s := fmt.Sprintf("%s-%02d-%02d", y, m, d)
				if len(s) != 10 {
					continue
				}
				_, want := parseDate(s)
				if got := validISO(s); got != want {
					t.Errorf("validISO(%q) = %v, parseDate says %v", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"2024-1x-01", "2024-01-x1", "2024-01-0 "} {
		if _, want := parseDate(s); validISO(s) != want {
			t.Errorf("validISO(%q) = %v, parseDate says %v", s, validISO(s), want)
		}
	}
}
