package capti

import (
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/idset"
)

// Capti IDs are compared without case: foldedHash hashes the lower-case form, copying only
// when there is something to fold.
func TestFoldedHash(t *testing.T) {
	var scratch []byte
	for _, s := range []string{"", "ann@school.org", "Ann@School.ORG", "ÅSA@skola.se", "åsa@skola.se", "x\u200by", "ΣΊΣΥΦΟΣ"} {
		if got, want := foldedHash(s, &scratch), idset.Hash(strings.ToLower(s)); got != want {
			t.Errorf("foldedHash(%q) = %x, want the hash of %q, %x", s, got, strings.ToLower(s), want)
		}
	}
	if foldedHash("Ann@School.org", &scratch) != foldedHash("ann@school.ORG", &scratch) {
		t.Error("two spellings of one address hash differently")
	}
}

func TestBlank(t *testing.T) {
	for s, want := range map[string]bool{"": true, " ": true, "\t \r\n": true, "\u00a0": true, "\u2003 ": true, "a": false, " a ": false, "\x7f": false, "é": false} {
		if got := blank(s); got != want {
			t.Errorf("blank(%q) = %v, want %v", s, got, want)
		}
	}
}
