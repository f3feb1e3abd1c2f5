package randtext

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// Every piece and byte shows up, and only those, within the lengths asked for.
func TestStringAndBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for range 2000 {
		s := String(r, []string{"ab", "é"}, 5)
		if n := strings.Count(s, "ab") + strings.Count(s, "é"); len(s) != 2*n || n > 4 {
			t.Fatalf("String = %q", s)
		}
		for _, p := range []string{"ab", "é"} {
			seen[p] = seen[p] || strings.Contains(s, p)
		}
		b := Bytes(r, ",x", 7)
		if len(b) > 6 || strings.Trim(b, ",x") != "" {
			t.Fatalf("Bytes = %q", b)
		}
		for _, c := range []string{",", "x"} {
			seen[c] = seen[c] || strings.Contains(b, c)
		}
	}
	if len(seen) != 4 || !seen["ab"] || !seen["é"] || !seen[","] || !seen["x"] {
		t.Errorf("not every piece was drawn: %v", seen)
	}
}
