package value

import (
	"strings"
	"testing"
)

// ExcelDamaged finds the exponent with one byte search for '+'; it decides as the plain
// reading of the rule does (first e or E, then '+', digits around it).
func TestExcelDamaged(t *testing.T) {
	plain := func(s string) bool {
		i := strings.IndexAny(s, "eE")
		if i <= 0 || i+2 >= len(s) || s[i+1] != '+' {
			return false
		}
		whole, frac, dot := strings.Cut(s[:i], ".")
		return digits(s[i+2:]) && digits(whole) && (!dot || digits(frac))
	}
	for s, want := range map[string]bool{
		"1.02E+07": true, "1E+5": true, "12e+3": true, "9.9e+10": true,
		"": false, "+": false, "E+5": false, "e+5": false, "1.0e+": false, "1e5": false, "1E-5": false,
		"1.2.3E+4": false, "1E+5E+6": false, "1e5+E+3": false, "a1E+5": false, "1E++5": false,
		"ce38161b-20b5-4e7e-a5d7-2f767a13f563": false, "1e+a": false, ".5E+3": false, "5.E+3": false,
	} {
		if got := ExcelDamaged(s); got != want || got != plain(s) {
			t.Errorf("ExcelDamaged(%q) = %v, want %v (plain reading %v)", s, got, want, plain(s))
		}
	}
}
