package oneroster

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// adoptDest is a MemDest that can adopt a finished file (format.Adopter), as convert's private
// folder does.
type adoptDest struct {
	formattest.MemDest
	adopted []string
}

func (d *adoptDest) Adopt(name, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if _, ok := d.MemDest[name]; ok {
		return errors.New(name + " written twice")
	}
	d.MemDest[name] = bytes.NewBuffer(b)
	d.adopted = append(d.adopted, name)
	return os.Remove(path)
}

// streamed writes r through WriteStream, its entities sent in the canonical order, into dst.
func streamed(t *testing.T, dst format.Dest, r *roster.Roster, opts format.Options) []roster.Problem {
	t.Helper()
	var probs roster.Problems
	scratch := t.TempDir()
	s, err := New().WriteStream(context.Background(), dst, scratch, opts, &probs)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range r.DeltaKinds() {
		s.MarkDelta(k)
	}
	if err := r.Emit(s); err != nil {
		t.Fatal(err)
	}
	if err := s.End(r.Count); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(scratch); len(left) > 0 {
		t.Errorf("scratch files left behind: %v", left)
	}
	return probs.List()
}

// The streaming writer writes what Write writes, byte for byte, with the same problems
// reported: metadata columns met late (rows before them padded), tobedeleted records in bulk
// and delta files, schoolYear filled from the sessions, --fix's grades, 1.2's roles.csv and
// users with no role; into a Dest that adopts its finished files and into one that does not.
func TestWriteStreamMatchesWrite(t *testing.T) {
	late := &roster.Roster{
		Delta: map[roster.Kind]bool{roster.EnrollmentKind: true},
		Orgs: []roster.Org{
			{SourcedID: "d1", Name: "District", Type: "district"},
			{SourcedID: "s1", Name: "Lincoln, High", Type: "school", ParentID: "d1", Metadata: []roster.KV{{Key: "region", Value: "north"}}},
			{SourcedID: "s2", Status: "tobedeleted", Name: "Gone", Type: "school", Metadata: []roster.KV{{Key: "metadata.only-deleted", Value: "x"}}},
			{SourcedID: "s3", Name: " Lead space", Type: "school", Metadata: []roster.KV{{Key: "metadata.zone", Value: "z\r\n2"}, {Key: "metadata.region", Value: "\\."}}},
		},
		AcademicSessions: []roster.AcademicSession{
			{SourcedID: "y1", Title: "2026", Type: "schoolYear", StartDate: "2025-08-01", EndDate: "2026-06-30", SchoolYear: "2026"},
			{SourcedID: "t1", Title: "Fall", Type: "term", StartDate: "2025-08-01", EndDate: "2025-12-20", ParentID: "y1"},
			{SourcedID: "t2", Title: "Spring", Type: "term", StartDate: "2026-01-05", EndDate: "2026-06-01"},
			{SourcedID: "t3", Title: "Orphan", Type: "term", StartDate: "2030-01-05", EndDate: "2030-06-01"},
		},
		Courses: []roster.Course{{SourcedID: "co1", Title: "Math", Grades: []string{"K", "1"}, OrgID: "s1"}},
		Classes: []roster.Class{{SourcedID: "c1", Title: "Math 1", CourseID: "co1", SchoolID: "s1", TermIDs: []string{"t1", "t2"}, Grades: []string{"9"}}},
		Users: []roster.User{
			{SourcedID: "u0", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "student", Username: "zed", GivenName: "Zed", FamilyName: "Ng"},
			{SourcedID: "u1", EnabledUser: "true", OrgIDs: []string{"s1", "d1", "s1"}, Role: "administrator", Username: "ana",
				UserIDs: []string{"{SSID:1}"}, GivenName: "Ana", FamilyName: "Lee \"Jr\"", Grades: []string{"9"}, Pronouns: "she/her",
				Metadata: []roster.KV{{Key: "metadata.b", Value: "B1"}, {Key: "a", Value: "A1"}}},
			{SourcedID: "u2", EnabledUser: "true", Role: "teacher", Username: "bo", GivenName: "Bo", FamilyName: "Kim",
				Metadata: []roster.KV{{Key: "metadata.a", Value: "A2"}}},
			{SourcedID: "u3", Status: "tobedeleted", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "student", Username: "cy", GivenName: "Cy", FamilyName: "Oh"},
		},
		Demographics: []roster.Demographics{{SourcedID: "u1", BirthDate: "2010-01-02", Sex: "female"}},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", Status: "active", DateLastModified: "2026-01-02T03:04:05Z", ClassID: "c1", SchoolID: "s1", UserID: "u1", Role: "student"},
			{SourcedID: "e2", Status: "tobedeleted", DateLastModified: "2026-01-03T03:04:05Z", ClassID: "c1", SchoolID: "s1", UserID: "u2", Role: "teacher",
				Metadata: []roster.KV{{Key: "late", Value: "L"}}},
		},
	}
	deltaUsers := &roster.Roster{
		Delta: map[roster.Kind]bool{roster.UserKind: true},
		Orgs:  []roster.Org{{SourcedID: "s1", Name: "School", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "u1", Status: "active", DateLastModified: "2026-01-02T03:04:05Z", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "student", Username: "a", GivenName: "A", FamilyName: "B"},
			{SourcedID: "u2", Status: "tobedeleted", DateLastModified: "2026-01-02T03:04:05Z", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "student", Username: "c", GivenName: "C", FamilyName: "D"},
		},
	}
	rosters := map[string]*roster.Roster{"late metadata": late, "delta users": deltaUsers}
	for _, dir := range []string{"../../examples/oneroster", "testdata/lms-toolkit/v1p1-sample", "testdata/lms-toolkit/v1p0-sample"} {
		r, _, _ := collect(t, os.DirFS(dir), format.Options{Fix: true})
		rosters[dir] = r
	}
	for name, r := range rosters {
		for _, version := range Versions {
			for _, fix := range []bool{false, true} {
				opts, err := WithVersion(format.Options{Fix: fix}, version)
				if err != nil {
					t.Fatal(err)
				}
				want := formattest.MemDest{}
				var wantProbs roster.Problems
				if err := New().Write(context.Background(), want, r, opts, &wantProbs); err != nil {
					t.Fatal(err)
				}
				adopting := &adoptDest{MemDest: formattest.MemDest{}}
				plain := formattest.MemDest{}
				for _, got := range []struct {
					name  string
					files formattest.MemDest
					probs []roster.Problem
				}{
					{"adopting", adopting.MemDest, streamed(t, adopting, r, opts)},
					{"plain", plain, streamed(t, plain, r, opts)},
				} {
					where := name + " " + version + " " + got.name
					if fix {
						where += " --fix"
					}
					if !slices.Equal(sortedNames(got.files), sortedNames(want)) {
						t.Errorf("%s: files %v, Write wrote %v", where, sortedNames(got.files), sortedNames(want))
					}
					for n, b := range want {
						if g := got.files[n]; g == nil || g.String() != b.String() {
							t.Errorf("%s: %s is\n%v\nWrite wrote\n%s", where, n, g, b)
						}
					}
					if !slices.Equal(got.probs, wantProbs.List()) {
						t.Errorf("%s: reported\n%v\nWrite reported\n%v", where, got.probs, wantProbs.List())
					}
				}
				if name == "late metadata" && slices.Contains(adopting.adopted, "users.csv") {
					t.Errorf("users.csv, whose first row was written before a metadata column was met, was adopted unpadded")
				}
				if name == "delta users" && !slices.Contains(adopting.adopted, "users.csv") {
					t.Errorf("users.csv, without metadata, was copied instead of adopted (adopted %v)", adopting.adopted)
				}
			}
		}
	}
}

func sortedNames(m formattest.MemDest) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// A 1.2 stream sent an org after a user refuses it (format.ErrStreamOrder): the users' roles
// were written without its type.
func TestWriteStreamOrgAfterUsers(t *testing.T) {
	opts, err := WithVersion(format.Options{}, "1.2")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New().WriteStream(context.Background(), formattest.MemDest{}, t.TempDir(), opts, &roster.Problems{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.User(&roster.User{SourcedID: "u1", OrgIDs: []string{"s1"}, Role: "administrator"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Org(&roster.Org{SourcedID: "s1", Type: "school"}); !errors.Is(err, format.ErrStreamOrder) {
		t.Fatalf("an org after a user: %v, want ErrStreamOrder", err)
	}
}

// A scratch folder that cannot be written fails the stream with the file named, and nothing
// is published.
func TestWriteStreamScratchUnwritable(t *testing.T) {
	dst := formattest.MemDest{}
	s, err := New().WriteStream(context.Background(), dst, filepath.Join(t.TempDir(), "missing"), format.Options{}, &roster.Problems{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Org(&roster.Org{SourcedID: "s1", Name: "S", Type: "school"})
	if err == nil || !strings.Contains(err.Error(), "orgs.csv") {
		t.Fatalf("err = %v, want one naming orgs.csv", err)
	}
	if len(dst) > 0 {
		t.Errorf("published %v", sortedNames(dst))
	}
}
