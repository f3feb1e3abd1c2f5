package idset

import (
	"fmt"
	"testing"
)

// TestStringsAgainstMap checks Strings against a Go map, with the real hash and with one that
// gives many keys one hash, so that keys sharing a hash are kept apart.
func TestStringsAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(string) uint64
	}{
		{"hash", Hash},
		{"colliding", func(s string) uint64 { return uint64(len(s)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStrings[string](4)
			s.hash = tc.hash
			want := map[string]string{}
			for i := range 5000 {
				k := fmt.Sprintf("user-%d", i%3000) // every key below 2000 is set twice
				v := fmt.Sprintf("v%d", i)
				s.Set(k, v)
				want[k] = v
			}
			if s.Len() != len(want) {
				t.Fatalf("Len = %d, want %d", s.Len(), len(want))
			}
			for k, v := range want {
				if got, ok := s.Get(k); !ok || got != v {
					t.Fatalf("Get(%q) = %q, %v; want %q", k, got, ok, v)
				}
			}
			for _, k := range []string{"user-3000", "", "user-x"} {
				if got, ok := s.Get(k); ok {
					t.Fatalf("Get(%q) = %q, true for a key never set", k, got)
				}
			}
		})
	}
}
