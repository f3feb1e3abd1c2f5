package formattest

import (
	"slices"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// StreamMatchesWrite writes r with f's Write and streams it into f's WriteStream (f must be a
// format.StreamWriter), and fails the test unless both wrote the same files, byte for byte,
// and reported the same problems in the same order. name names the case in failures. Each
// entity is streamed as a reader lends it (lent): a stream that keeps a string, a list or an
// entity it did not copy writes garbage, and fails.
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
	if err := r.Emit(&lent{s: s}); err != nil {
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

// lent passes each entity on to s as convert does from a reader: a copy valid during the call
// only, its strings and lists in an Arena that is Reset after the call (in a test, Reset
// overwrites what it frees) and the entity itself cleared, so that what a stream keeps without
// copying it shows as garbage in its output.
type lent struct {
	s format.Stream
	a roster.Arena
}

// lend calls pass with a copy of the entity v (made by copyOf, into the Arena), then clears
// the copy and frees the Arena.
func lend[T any](l *lent, v *T, copyOf func(*T) T, pass func(*T) error) error {
	c := copyOf(v)
	err := pass(&c)
	var zero T
	c = zero
	l.a.Reset()
	return err
}

func (l *lent) BorrowsStrings() bool { return true }

func (l *lent) Org(v *roster.Org) error { return lend(l, v, l.a.Org, l.s.Org) }
func (l *lent) AcademicSession(v *roster.AcademicSession) error {
	return lend(l, v, l.a.AcademicSession, l.s.AcademicSession)
}
func (l *lent) Course(v *roster.Course) error { return lend(l, v, l.a.Course, l.s.Course) }
func (l *lent) Class(v *roster.Class) error   { return lend(l, v, l.a.Class, l.s.Class) }
func (l *lent) User(v *roster.User) error     { return lend(l, v, l.a.User, l.s.User) }
func (l *lent) Demographics(v *roster.Demographics) error {
	return lend(l, v, l.a.Demographics, l.s.Demographics)
}
func (l *lent) Enrollment(v *roster.Enrollment) error {
	return lend(l, v, l.a.Enrollment, l.s.Enrollment)
}
