package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"kitten", "sitting", 0, 3},
		{"", "abc", 0, 3},
		{"same", "same", 0, 0},
		{"fiel.demographics", "file.demographics", 0, 2},
		{"kitten", "sitting", 2, 2}, // capped
		{"a", "abcdefgh", 3, 3},
		{"élève", "eleve", 0, 2}, // in characters, not bytes
	} {
		if got := Distance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"file.demographics", "file.users", "manifest.version", "oneroster.version"}
	for _, tt := range []struct{ s, want string }{
		{"fiel.demographics", "file.demographics"},
		{"File.Users", "file.users"},
		{"onerster.version", "oneroster.version"},
		{"file.users", ""}, // known: nothing to suggest
		{"source.systemName", ""},
		{"ab", ""}, // as many edits as characters is no suggestion
	} {
		if got := Closest(tt.s, known); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
	if got := Closest("xy", []string{"ab"}); got != "" {
		t.Errorf("Closest(xy, [ab]) = %q: two edits of two characters", got)
	}
}
