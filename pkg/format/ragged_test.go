package format

import (
	"slices"
	"testing"
)

func TestRaggedRow(t *testing.T) {
	for _, tc := range []struct {
		rec   []string
		key   int
		want  []string
		wantK bool
	}{
		{[]string{"id", "a", "b", ""}, 2, []string{"id", "a", "b"}, true},  // a trailing comma
		{[]string{"id", "a", "x", "b"}, 0, []string{"id", "a", "x"}, true}, // key first: cut
		{[]string{"id", "a", "x", "b"}, 2, nil, false},                     // key after a shift
		{[]string{"id", "a"}, 0, []string{"id", "a", ""}, true},            // short, key first
		{[]string{"id", "a"}, 2, nil, false},                               // short, no key cell
		{[]string{"x", "y"}, -1, nil, false},                               // no key column
	} {
		got, ok := RaggedRow(tc.rec, 3, tc.key)
		if ok != tc.wantK || !slices.Equal(got, tc.want) {
			t.Errorf("RaggedRow(%q, 3, %d) = %q %v, want %q %v", tc.rec, tc.key, got, ok, tc.want, tc.wantK)
		}
	}
}

// A secret in a row whose cells moved is blanked wherever the shift may have put it, and only
// there; a row whose extra cells are empty did not move.
func TestRaggedRowSecrets(t *testing.T) {
	header := []string{"id", "name", "birthDate", "sex", "grade", "Password"}
	secret := SecretColumns(header)
	if !slices.Equal(secret, []int{2, 5}) {
		t.Fatalf("SecretColumns = %v, want [2 5]", secret)
	}
	for _, tc := range []struct {
		rec, want []string
	}{
		// a cell too many before birthDate: it sits in sex now
		{[]string{"u1", "Ann", "x", "2010-01-02", "female", "07", "pw"}, []string{"u1", "Ann", "", "", "female", ""}},
		// a cell too few: the password may sit in grade now, birthDate in name
		{[]string{"u1", "Ann", "2010-01-02", "female", "pw"}, []string{"u1", "", "", "female", "", ""}},
		// two cells too many at the start: birthDate may be two columns on
		{[]string{"u1", "a", "b", "Ann", "2010-01-02", "female", "07", "pw"}, []string{"u1", "a", "", "", "", ""}},
		// a trailing comma: nothing moved
		{[]string{"u1", "Ann", "2010-01-02", "female", "07", "pw", ""}, []string{"u1", "Ann", "2010-01-02", "female", "07", "pw"}},
	} {
		got, ok := RaggedRow(tc.rec, len(header), 0, secret...)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("RaggedRow(%q) = %q %v, want %q", tc.rec, got, ok, tc.want)
		}
	}
}
