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
