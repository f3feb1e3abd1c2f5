package formattest

import (
	"slices"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// StreamMatchesWrite writes r with f's Write and streams it into f's WriteStream (f must be a
// format.StreamWriter), and fails the test unless both wrote the same files, byte for byte,
// and reported the same problems in the same order. name names the case in failures.
func StreamMatchesWrite(t *testing.T, f format.Format, name string, r *roster.Roster, opts format.Options) {
	t.Helper()
	sw, ok := f.(format.StreamWriter)
	if !ok {
		t.Fatalf("%s is no format.StreamWriter", f.Name())
	}
	want := MemDest{}
	var wantProbs roster.Problems
	if err := f.Write(t.Context(), want, r, opts, &wantProbs); err != nil {
		t.Fatal(err)
	}
	got := MemDest{}
	var probs roster.Problems
	s, err := sw.WriteStream(t.Context(), got, t.TempDir(), opts, &probs)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Emit(s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := s.End(r.Count); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(got) != len(want) {
		t.Errorf("%s: wrote %d files, Write %d", name, len(got), len(want))
	}
	for file, w := range want {
		if g := got[file]; g == nil || g.String() != w.String() {
			t.Errorf("%s: %s is\n%q\nWrite wrote\n%q", name, file, g, w.String())
		}
	}
	if g, w := probs.List(), wantProbs.List(); !slices.Equal(g, w) {
		t.Errorf("%s: reported\n%v\nWrite reported\n%v", name, g, w)
	}
}
