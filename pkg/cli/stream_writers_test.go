package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Every registered streaming writer, fed through asyncStream (whose arenas are reused every few
// batches and, in tests, overwritten when they are), writes and reports what Write writes and
// reports for the same roster: a writer that keeps a string it was lent past its call (a map
// key, an example for a message) shows here. The roster has a class with two teachers, users of
// roles some formats drop, a grade --fix rewrites, and enough rows for many batches.
func TestAsyncStreamMatchesWrite(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "d1", Name: "District", Type: "district"}, {SourcedID: "s1", Name: "Lincoln", Type: "school", ParentID: "d1"}},
		Users: []roster.User{
			{SourcedID: "a0", Role: "administrator", OrgIDs: []string{"s1"}, GivenName: "Ad", FamilyName: "Min", Email: "a0@example.org", Username: "a0@example.org"},
			{SourcedID: "g0", Role: "guardian", OrgIDs: []string{"s1"}, GivenName: "Gu", FamilyName: "Ard", Email: "g0@example.org", Username: "g0@example.org"},
			{SourcedID: "k0", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"Kindergarten"}, GivenName: "Kay", FamilyName: "Gee", Identifier: "K0", Email: "k0@example.org", Username: "k0@example.org", Password: "pw"},
		},
	}
	for i := range 3000 {
		r.Users = append(r.Users, roster.User{SourcedID: fmt.Sprintf("zzzzzzzzzzzzzz%05d", i), Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"10"},
			GivenName: "F", FamilyName: fmt.Sprintf("L%05d", i), Identifier: fmt.Sprintf("%05d", i), Email: fmt.Sprintf("u%05d@example.org", i),
			Username: fmt.Sprintf("u%05d@example.org", i), Password: fmt.Sprintf("SECRET%05d", i)})
	}
	r.AcademicSessions = []roster.AcademicSession{{SourcedID: "y1", Title: "2025", Type: "schoolYear", StartDate: "2025-08-01", EndDate: "2026-06-30", SchoolYear: "2026"}}
	r.Courses = []roster.Course{{SourcedID: "co1", Title: "Math", OrgID: "s1", SchoolYearID: "y1"}}
	r.Users = append(r.Users,
		roster.User{SourcedID: "t1", Role: "teacher", OrgIDs: []string{"s1"}, GivenName: "T", FamilyName: "One", Email: "t1@example.org", Username: "t1@example.org", Identifier: "T1"},
		roster.User{SourcedID: "t2", Role: "teacher", OrgIDs: []string{"s1"}, GivenName: "T", FamilyName: "Two", Email: "t2@example.org", Username: "t2@example.org", Identifier: "T2"})
	r.Classes = []roster.Class{{SourcedID: "class-one", Title: "Math A", CourseID: "co1", SchoolID: "s1", TermIDs: []string{"y1"}, ClassType: "scheduled"},
		{SourcedID: "another-class-two", Title: "Math B", CourseID: "co1", SchoolID: "s1", TermIDs: []string{"y1"}, ClassType: "scheduled"}}
	r.Enrollments = []roster.Enrollment{
		{SourcedID: "e-t1", ClassID: "class-one", UserID: "t1", Role: "teacher", SchoolID: "s1"},
		{SourcedID: "e-t2", ClassID: "class-one", UserID: "t2", Role: "teacher", SchoolID: "s1"},
	}
	for i := range 3000 {
		r.Enrollments = append(r.Enrollments, roster.Enrollment{SourcedID: fmt.Sprintf("e%05d", i), ClassID: []string{"class-one", "another-class-two"}[i%2], UserID: fmt.Sprintf("zzzzzzzzzzzzzz%05d", i), Role: "student", SchoolID: "s1"})
	}
	for _, f := range formats.Registry().Formats() {
		sw, ok := f.(format.StreamWriter)
		if !ok {
			continue
		}
		t.Run(f.Name(), func(t *testing.T) {
			opts := format.Options{Fix: true}
			want := formattest.MemDest{}
			var wantProbs roster.Problems
			if err := f.Write(t.Context(), want, r, opts, &wantProbs); err != nil {
				t.Fatal(err)
			}
			got := formattest.MemDest{}
			var probs roster.Problems
			ws, err := sw.WriteStream(t.Context(), got, t.TempDir(), opts, &probs)
			if err != nil {
				t.Fatal(err)
			}
			s := newAsyncStream(ws)
			if err := r.Emit(s); err != nil {
				t.Fatal(err)
			}
			if err := s.End(r.Count); err != nil {
				t.Fatal(err)
			}
			for name, w := range want {
				if got[name] == nil || got[name].String() != w.String() {
					t.Errorf("%s differs", name)
				}
			}
			if g, w := probs.List(), wantProbs.List(); !slices.Equal(g, w) {
				for _, p := range g {
					if !slices.Contains(w, p) {
						t.Errorf("stream reported %q", p.Message)
					}
				}
				for _, p := range w {
					if !slices.Contains(g, p) {
						t.Errorf("Write reported %q", p.Message)
					}
				}
			}
		})
	}
}

// enrollFirst sends examples/oneroster with its enrollments first: nothing deleted, so only
// the target's streaming writer (SDS: a user after an enrollment) can refuse the order.
type enrollFirst struct{ reads *int }

func (enrollFirst) Name() string              { return "enrollfirst" }
func (enrollFirst) Detect(fs.FS) format.Match { return format.NoMatch }
func (enrollFirst) Write(context.Context, format.Dest, *roster.Roster, format.Options, roster.Reporter) error {
	return nil
}
func (p enrollFirst) Read(ctx context.Context, _ fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	*p.reads++
	or, _ := formats.Registry().Lookup("oneroster")
	coll := &roster.Collector{}
	info, err := or.Read(ctx, os.DirFS(filepath.Join(examples, "oneroster")), opts, coll, rep)
	if err != nil {
		return info, err
	}
	r := &coll.Roster
	if err := (&roster.Roster{Enrollments: r.Enrollments}).Emit(sink); err != nil {
		return info, err
	}
	r.Enrollments = nil
	return info, r.Emit(sink)
}

// A writer that refuses the order of what it is sent (format.ErrStreamOrder from SDS's writer,
// on its goroutine, not from the sink) still makes the conversion read the input again and
// write it whole.
func TestConvertFallsBackWhenTheWriterRefusesTheOrder(t *testing.T) {
	var reads int
	reg := format.NewRegistry(append(formats.Registry().Formats(), enrollFirst{reads: &reads})...)
	out := filepath.Join(t.TempDir(), "out")
	code, _, errOut := runWith(t, reg, false, "convert", "--from", "enrollfirst", "--to", "sds", filepath.Join(examples, "oneroster"), out)
	if code != 0 || reads != 2 {
		t.Fatalf("exit %d, read %d times (want 0, twice): %s", code, reads, errOut)
	}
}

// lateBug is a format whose reader sends the users of examples/oneroster and then panics (a
// bug), and slowTarget one whose streaming writer takes its time over each batch and says when
// it has stopped.
type lateBug struct{}

func (lateBug) Name() string              { return "latebug" }
func (lateBug) Detect(fs.FS) format.Match { return format.NoMatch }
func (lateBug) Write(context.Context, format.Dest, *roster.Roster, format.Options, roster.Reporter) error {
	return nil
}
func (lateBug) Read(ctx context.Context, _ fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	or, _ := formats.Registry().Lookup("oneroster")
	coll := &roster.Collector{}
	if _, err := or.Read(ctx, os.DirFS(filepath.Join(examples, "oneroster")), opts, coll, rep); err != nil {
		return format.Info{}, err
	}
	for i := range coll.Roster.Users {
		if err := sink.User(&coll.Roster.Users[i]); err != nil {
			return format.Info{}, err
		}
	}
	panic("a reader bug")
}

type slowTarget struct{ stopped *stopSignal }

type stopSignal struct{ v chan struct{} }

func (slowTarget) Name() string              { return "slowtarget" }
func (slowTarget) Detect(fs.FS) format.Match { return format.NoMatch }
func (slowTarget) Read(context.Context, fs.FS, format.Options, roster.Sink, roster.Reporter) (format.Info, error) {
	return format.Info{}, nil
}
func (slowTarget) Write(context.Context, format.Dest, *roster.Roster, format.Options, roster.Reporter) error {
	return nil
}
func (t slowTarget) WriteStream(context.Context, format.Dest, string, format.Options, roster.Reporter) (format.Stream, error) {
	return &slowStream{stopped: t.stopped}, nil
}

type slowStream struct {
	roster.Discard
	stopped *stopSignal
	users   int
}

func (s *slowStream) MarkDelta(roster.Kind) {}
func (s *slowStream) User(*roster.User) error {
	if s.users++; s.users == 1 {
		time.Sleep(200 * time.Millisecond) // still writing when the reader panics
		close(s.stopped.v)
	}
	return nil
}
func (s *slowStream) End(func(roster.Kind) int) error { return nil }

// A reader that panics while the writer is still at work: the command ends (exit 3, the
// internal error) only once the writer has stopped, so that it never writes into the private
// folders after they are removed, and no goroutine is left running.
func TestReaderPanicWaitsForTheWriter(t *testing.T) {
	stopped := &stopSignal{v: make(chan struct{})}
	reg := format.NewRegistry(append(formats.Registry().Formats(), lateBug{}, slowTarget{stopped: stopped})...)
	dir := t.TempDir()
	code, _, _ := runWith(t, reg, false, "convert", "--from", "latebug", "--to", "slowtarget", filepath.Join(examples, "oneroster"), filepath.Join(dir, "out.csv"))
	if code != 3 {
		t.Errorf("exit %d, want 3 (internal error)", code)
	}
	select {
	case <-stopped.v:
	default:
		t.Error("the command ended while the writer was still writing")
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left next to DEST: %v", left)
	}
}
