package value

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rostersync/rostersync/pkg/randtext"
)

// The word-at-a-time checks agree with the byte loops whatever byte stands where, and
// whatever surrounds it (a carry or borrow between bytes must not hide or invent one).
func TestASCIIWords(t *testing.T) {
	slowLower := func(s string) bool { return strings.ToLower(s) == s && PrintableASCII(s) >= 0 && isASCII(s) }
	for n := range 20 {
		for p := range n {
			for c := range 256 {
				for _, fill := range []byte{' ', '!', '~', 'a', 'A', 'Z', '@', '[', 0x7f, 0x80, 0xff, 0x1f, 0} {
					b := make([]byte, n)
					for i := range b {
						b[i] = 'x'
						if i > p {
							b[i] = fill
						}
					}
					b[p] = byte(c)
					s := string(b)
					if got, want := PrintableASCII(s), slowRun(s, 0x20); got != want {
						t.Fatalf("PrintableASCII(%q) = %d, want %d", s, got, want)
					}
					if got, want := GraphicASCII(s), slowRun(s, 0x21); got != want {
						t.Fatalf("GraphicASCII(%q) = %d, want %d", s, got, want)
					}
					if got, want := LowerASCII(s), slowLower(s); got != want {
						t.Fatalf("LowerASCII(%q) = %v, want %v", s, got, want)
					}
				}
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// emailProblemBefore is EmailProblem as it was written before it read eight bytes at a time:
// the rewrite must answer every address the same.
func emailProblemBefore(s string) string {
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

func TestEmailProblemAsBefore(t *testing.T) {
	pieces := []string{"a", "Z", "@", ".", ".", " ", "\t", "\x7f", "\x01", "é", "\u00a0", "\u200b", "\u2028", "-", "9"}
	r := rand.New(rand.NewPCG(7, 8))
	for range 200_000 {
		if s := randtext.String(r, pieces, 24); EmailProblem(s) != emailProblemBefore(s) {
			t.Fatalf("EmailProblem(%q) = %q, before %q", s, EmailProblem(s), emailProblemBefore(s))
		}
	}
	for _, s := range []string{"nadia.pena1000000@example.org", "a.b.c@d.e.f", "a..b@c.d", "a@b..c", ".a@b.c", "a.@b.c", "a@.b", "a@b.", "ab@c"} {
		if EmailProblem(s) != emailProblemBefore(s) {
			t.Fatalf("EmailProblem(%q) = %q, before %q", s, EmailProblem(s), emailProblemBefore(s))
		}
	}
}
