package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// replay is a format made up for these tests: it reads examples/oneroster with the OneRoster
// reader, marks its first student tobedeleted (a roster read without a manifest may) and sends
// the entities in the canonical order, or, backwards, enrollments and demographics first. It
// counts its reads.
type replay struct {
	backwards bool
	reads     *int
}

func (p replay) Name() string {
	if p.backwards {
		return "backwards"
	}
	return "forwards"
}

func (replay) Detect(fs.FS) format.Match { return format.NoMatch }

func (p replay) Read(ctx context.Context, _ fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	*p.reads++
	or, err := formats.Registry().Lookup("oneroster")
	if err != nil {
		return format.Info{}, err
	}
	coll := &roster.Collector{}
	info, err := or.Read(ctx, os.DirFS(filepath.Join(examples, "oneroster")), opts, coll, rep)
	if err != nil {
		return info, err
	}
	r := &coll.Roster
	for i := range r.Users {
		if r.Users[i].Role == "student" {
			r.Users[i].Status = roster.StatusToBeDeleted
			break
		}
	}
	if !p.backwards {
		return info, r.Emit(sink)
	}
	back := &roster.Roster{Enrollments: r.Enrollments, Demographics: r.Demographics}
	if err := back.Emit(sink); err != nil {
		return info, err
	}
	r.Enrollments, r.Demographics = nil, nil
	return info, r.Emit(sink)
}

func (replay) Write(context.Context, format.Dest, *roster.Roster, format.Options, roster.Reporter) error {
	return errors.New("not written")
}

// A conversion into OneRoster streams: the source is read once, the deleted student is left
// out with its demographics and enrollments, counted as the whole-roster path counts them.
// A source that sends a deleted user after enrollments (which the stream has passed on) is
// read again and written from the whole roster: the same files, the same report.
func TestConvertStreamOrFallBack(t *testing.T) {
	var fwdReads, backReads int
	reg := format.NewRegistry(append(formats.Registry().Formats(), replay{reads: &fwdReads}, replay{backwards: true, reads: &backReads})...)
	src := filepath.Join(examples, "oneroster")
	convert := func(from string) (map[string]string, string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		code, _, errOut := runWith(t, reg, false, "convert", "--from", from, "--to", "oneroster", src, out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", from, code, errOut)
		}
		files := map[string]string{}
		ents, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = string(b)
		}
		return files, strings.ReplaceAll(strings.ReplaceAll(errOut, out, "OUT"), "("+from+")", "(FROM)")
	}
	fwd, fwdErr := convert("forwards")
	back, backErr := convert("backwards")
	if fwdReads != 1 {
		t.Errorf("the canonical order was read %d times, want once (streamed)", fwdReads)
	}
	if backReads != 2 {
		t.Errorf("the backwards order was read %d times, want twice (the stream refused, then the whole roster)", backReads)
	}
	for _, w := range []string{"1 user with status tobedeleted not written", "enrollments of a deleted user or class not written",
		"1 demographic of a deleted user or class not written"} {
		if !strings.Contains(fwdErr, w) {
			t.Errorf("the report has no %q:\n%s", w, fwdErr)
		}
	}
	if fwdErr != backErr {
		t.Errorf("streamed, the report is\n%s\nfrom the whole roster\n%s", fwdErr, backErr)
	}
	names := func(m map[string]string) []string {
		var out []string
		for n := range m {
			out = append(out, n)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(names(fwd), names(back)) {
		t.Fatalf("streamed, files %v; from the whole roster %v", names(fwd), names(back))
	}
	for n, b := range back {
		if fwd[n] != b {
			t.Errorf("streamed, %s is\n%s\nfrom the whole roster\n%s", n, fwd[n], b)
		}
	}
}

// An input with errors is refused after it was streamed: nothing appears at DEST and nothing
// is left beside it.
func TestConvertStreamRefusesBadInput(t *testing.T) {
	src := editedPackage(t, map[string]string{"stu00,": "stu00,,,true,nosuchorg,student,x,,A,B,,,,,,,,\n"})
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, _, errOut := runCLI(t, nil, false, "convert", "--to", "oneroster", src, out)
	if code != 1 || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left in DEST's folder: %v", left)
	}
}

// streamSink's kind indexes are the kinds' places in roster.Kinds.
func TestStreamSinkKindIndexes(t *testing.T) {
	want := map[int]roster.Kind{iOrg: roster.OrgKind, iSession: roster.AcademicSessionKind, iCourse: roster.CourseKind,
		iClass: roster.ClassKind, iUser: roster.UserKind, iDemographics: roster.DemographicsKind, iEnrollment: roster.EnrollmentKind}
	if len(roster.Kinds) != numKinds || len(want) != numKinds {
		t.Fatalf("%d kinds, streamSink has %d", len(roster.Kinds), numKinds)
	}
	for i, k := range want {
		if roster.Kinds[i] != k {
			t.Errorf("index %d is %s in roster.Kinds, streamSink takes it for %s", i, roster.Kinds[i], k)
		}
	}
}
