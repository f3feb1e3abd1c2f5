package oneroster

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/randtext"
)

// excelNumberSpec is excelNumber written the plain way: the first E or e, a signed exponent of
// digits, and a mantissa of digits with at most one dot, optionally negative.
func excelNumberSpec(s string) bool {
	i := strings.IndexAny(s, "Ee")
	if i <= 0 || i+2 > len(s) || (s[i+1] != '+' && s[i+1] != '-') {
		return false
	}
	mant, exp := s[:i], s[i+2:]
	if exp == "" || strings.Trim(exp, "0123456789") != "" {
		return false
	}
	mant = strings.TrimPrefix(mant, "-")
	if mant == "" || strings.Count(mant, ".") > 1 || strings.Trim(mant, "0123456789.") != "" {
		return false
	}
	return mant[0] != '.'
}

func TestExcelNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"1.02E+07": true, "1E+5": true, "-3E-05": true, "1e-10": true, "1.E+5": true,
		"1.2.3E+4": false, ".5E+3": false, "E+5": false, "12E5": false, "12E+": false, "12E+x": false,
		"3f2e-4a": false, "stu0001": false, "": false, "-E+5": false, "-.5E+3": false, "--1E+5": false,
		"12e3E+5": false,
	} {
		if got := excelNumber(s); got != want {
			t.Errorf("excelNumber(%q) = %v, want %v", s, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	const alphabet = "0123456789.-+eEa"
	for range 200_000 {
		if s := randtext.Bytes(r, alphabet, 9); excelNumber(s) != excelNumberSpec(s) {
			t.Fatalf("excelNumber(%q) = %v, the plain version says %v", s, excelNumber(s), excelNumberSpec(s))
		}
	}
}

func TestValidDate(t *testing.T) {
	for s, want := range map[string]bool{
		"2024-02-29": true, "2023-02-29": false, "1900-02-29": false, "2000-02-29": true, "2026-12-31": true,
		"2026-13-01": false, "2026-00-10": false, "2026-04-31": false, "2026-04-00": false, "2026-4-01": false,
		"2026/04/01": false, "20a6-04-01": false, "2026-04-01T": false, "+026-04-01": false,
	} {
		if got := validDate(s); got != want {
			t.Errorf("validDate(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidDateTime(t *testing.T) {
	for s, want := range map[string]bool{
		"2023-10-02T00:00:00Z": true, "2023-10-02T00:00:00.000Z": true, "2023-10-02T00:00:00+00:00": true,
		"2023-10-02T00:00:00.123+00:00": true, "2023-10-02T00:00:00+02:00": false, "2023-10-02T00:00:00-05:00": false,
		"2023-10-02T00:00:00": false, "2023-10-02 00:00:00Z": false, "2023-10-02T24:00:00Z": false,
		"2023-10-02T00:00:00+00:0": false, "2023-10-02T00:00:00+0000": false, "1/05/2023": false,
	} {
		if got := validDateTime(s, false); got != want {
			t.Errorf("validDateTime(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestValidGUIDEveryByte puts each of the 256 byte values at each position of identifiers of 1
// to 40 bytes (every word, and the last word read over the one before it, see each) and holds
// validGUID to the rule checked byte by byte.
func TestValidGUIDEveryByte(t *testing.T) {
	rule := func(s string) bool {
		if len(s) == 0 || len(s) > 255 {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(".-_/@", c) >= 0) {
				return false
			}
		}
		return true
	}
	for n := 1; n <= 40; n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a9Z._-/@", 5)[:n])
				b[at] = byte(c)
				if got, want := validGUID(string(b)), rule(string(b)); got != want {
					t.Fatalf("validGUID(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	for _, s := range []string{"", strings.Repeat("a", 255), strings.Repeat("a", 256)} {
		if got, want := validGUID(s), rule(s); got != want {
			t.Errorf("validGUID of %d bytes = %v, want %v", len(s), got, want)
		}
	}
}

// BenchmarkValidGUID checks 36-byte UUIDs, as rostergen and most SIS exports write them.
func BenchmarkValidGUID(b *testing.B) {
	ids := []string{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "0d4f1c2a-77e1-4c55-9e1d-3b2f7a9c8e01", "f47ac10b-58cc-4372-a567-0e02b2c3d479"}
	ok := true
	for b.Loop() {
		for _, s := range ids {
			ok = validGUID(s) && ok
		}
	}
	if !ok {
		b.Fatal("a UUID was refused")
	}
}
