package students

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/randtext"
)

// plainEmail is the plain reading of validEmail's rule, which validEmail (one pass over the
// bytes) is held to.
func plainEmail(s string) bool {
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

// validEmail decides in one pass over the bytes as the plain reading of the rule does.
func TestValidEmail(t *testing.T) {
	plain := plainEmail
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

// validEmail agrees with the plain reading on random strings of the bytes that matter (dots,
// @, hyphens, a forbidden byte, letters, a multi-byte letter), every position of each.
func TestValidEmailRandom(t *testing.T) {
	alphabet := []string{"a", "b", ".", "@", "-", " ", ";", "é", "x.y", "@c.d"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		if s := randtext.String(rng, alphabet, 9); validEmail(s) != plainEmail(s) {
			t.Fatalf("validEmail(%q) = %v, the plain reading %v", s, validEmail(s), plainEmail(s))
		}
	}
}
