package clever_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/formats/clever"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// streamMatches is formattest.StreamMatchesWrite for Clever.
func streamMatches(t *testing.T, name string, r *roster.Roster) {
	t.Helper()
	formattest.StreamMatchesWrite(t, clever.New(), name, r, format.Options{})
}

// The streaming writer writes what Write writes, byte for byte, and reports the same in the
// same order: the examples read from OneRoster, Clever, SDS and Capti; and a roster with what
// Clever refuses or loses in every file (deleted records, orgs that are not schools, users
// without a school or a name, staff of the district office, sections without students or
// teachers or with eleven, a primary teacher listed after others, repeated enrollments,
// demographics Clever cannot hold, metadata columns).
func TestWriteStreamMatchesWrite(t *testing.T) {
	for _, ex := range []struct {
		f   format.Format
		dir string
	}{{oneroster.New(), "oneroster"}, {clever.New(), "clever"}, {sds.New(), "sds"}, {capti.New(), "capti"}} {
		_, coll, _ := formattest.Read(t, ex.f, os.DirFS(filepath.Join("..", "..", "examples", ex.dir)), format.Options{})
		streamMatches(t, "examples/"+ex.dir, &coll.Roster)
	}
	var many []roster.User
	var manyEnr []roster.Enrollment
	for _, id := range []string{"m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11"} {
		many = append(many, roster.User{SourcedID: id, Role: "teacher", GivenName: "T", FamilyName: id, OrgIDs: []string{"s1"}})
		manyEnr = append(manyEnr, roster.Enrollment{SourcedID: "e" + id, ClassID: "k5", UserID: id, Role: "teacher"})
	}
	hostile := &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "d1", Name: "District", Type: "district"},
			{SourcedID: "s1", Name: "Lincoln", Type: "school", Identifier: "LIN", Metadata: []roster.KV{{Key: "ext.color", Value: "red"}, {Key: "Principal", Value: "P"}}},
			{SourcedID: "s2", Name: "Grant", Type: "school", Metadata: []roster.KV{{Key: "ext.a", Value: ""}}},
			{SourcedID: "s3", Name: " ", Type: "school"},
			{SourcedID: "s4", Status: "tobedeleted", Name: "Gone", Type: "school"},
			{SourcedID: clever.DistrictOffice, Name: "Office", Type: "district"},
		},
		AcademicSessions: []roster.AcademicSession{
			{SourcedID: "t1", Title: "Fall", Type: "term", StartDate: "2026-08-01", EndDate: "2026-12-20"},
		},
		Courses: []roster.Course{
			{SourcedID: "s1/MATH", Title: "Math", CourseCode: "MATH"},
			{SourcedID: "c2", Title: "Art"},
		},
		Classes: []roster.Class{
			{SourcedID: "k1", SchoolID: "s1", Title: "Math 1", ClassCode: "M1", CourseID: "s1/MATH", TermIDs: []string{"t1", "t2"}, Grades: []string{"09"},
				Subjects: []string{"math"}, Periods: []string{"1", "2"}, Metadata: []roster.KV{{Key: "ext.room", Value: "12"}}},
			{SourcedID: "k2", SchoolID: "s1", Title: "No students", CourseID: "c2"},
			{SourcedID: "k3", SchoolID: "s3", Title: "Blank school"},
			{SourcedID: "k4", SchoolID: "s1", Title: "No teacher", Grades: []string{"X", "Y"}, Subjects: []string{"basket weaving"}},
			{SourcedID: "k5", SchoolID: "s2", Title: "Crowded"},
			{SourcedID: "k6", SchoolID: "s1", Title: "Gone", Status: "tobedeleted"},
			{SourcedID: "k7", SchoolID: "d1", Title: "District class"},
			{SourcedID: "k8", SchoolID: "s1", Title: "Only a refused student"},
		},
		Users: append([]roster.User{
			{SourcedID: "u1", Role: "student", GivenName: "Ada", FamilyName: "L", MiddleName: "Q", OrgIDs: []string{"d1", "s1", "s2"}, Grades: []string{"09"},
				Identifier: "100", Email: "ada@x.org", Username: "ada", Password: "pw", Metadata: []roster.KV{{Key: "Home_language", Value: "es"}, {Key: "ext.bus", Value: "7"}}},
			{SourcedID: "u2", Role: "student", GivenName: "Bo", FamilyName: "K", OrgIDs: []string{"s1"}, Grades: []string{"PS", "KG"}},
			{SourcedID: "u3", Role: "student", GivenName: "Cy", FamilyName: "M", OrgIDs: []string{"d1"}},
			{SourcedID: "u4", Role: "student", GivenName: "", FamilyName: "N", OrgIDs: []string{"s1"}},
			{SourcedID: "u5", Role: "student", GivenName: "Di", FamilyName: "O", OrgIDs: []string{"s2"}, Grades: []string{"13"}},
			{SourcedID: "u6", Role: "student", GivenName: "Ed", FamilyName: "P", OrgIDs: []string{"s1"}},
			{SourcedID: "t1", Role: "teacher", GivenName: "Tess", FamilyName: "T", OrgIDs: []string{"s1", "s2", "d1"}, Grades: []string{"09"}, Metadata: []roster.KV{{Key: "Title", Value: "Dr"}}},
			{SourcedID: "t2", Role: "teacher", GivenName: "Tom", FamilyName: "U", OrgIDs: []string{"s1"}},
			{SourcedID: "t3", Role: "teacher", GivenName: "Nos", FamilyName: "Chool", OrgIDs: []string{"d1"}},
			{SourcedID: "t4", Role: "teacher", GivenName: "Gone", FamilyName: "T", OrgIDs: []string{"s1"}, Status: "tobedeleted"},
			{SourcedID: "a1", Role: "administrator", GivenName: "Al", FamilyName: "A", MiddleName: "M", Identifier: "9", Email: "al@x.org", OrgIDs: []string{"d1", "s1"}},
			{SourcedID: "a2", Role: "administrator", GivenName: "No", FamilyName: "Mail", OrgIDs: []string{"s1"}},
			{SourcedID: "g1", Role: "guardian", GivenName: "G", FamilyName: "H"},
			{SourcedID: "x1", Role: "aide", GivenName: "Ai", FamilyName: "De", OrgIDs: []string{"s1"}},
		}, many...),
		Demographics: []roster.Demographics{
			{SourcedID: "u1", Sex: "female", BirthDate: "2011-02-03", White: "true", Asian: "true", HispanicOrLatinoEthnicity: "true"},
			{SourcedID: "u2", Sex: "unspecified", BirthDate: "03/02/2011", Metadata: []roster.KV{{Key: "Gender", Value: "X"}}},
			{SourcedID: "u5", Metadata: []roster.KV{{Key: "Gender", Value: "X"}}, BlackOrAfricanAmerican: "true", HispanicOrLatinoEthnicity: "false"},
			{SourcedID: "u6", Sex: "male", DemographicRaceTwoOrMoreRaces: "true"},
			{SourcedID: "u6", Status: "tobedeleted", Sex: "female"},
			{SourcedID: "t1", Sex: "male", BirthDate: "1980-01-01"},
		},
		Enrollments: append([]roster.Enrollment{
			{SourcedID: "e1", ClassID: "k1", UserID: "u1", Role: "student"},
			{SourcedID: "k1/u2", ClassID: "k1", UserID: "u2", Role: "student"},
			{SourcedID: "e3", ClassID: "k1", UserID: "u1", Role: "student", BeginDate: "2027-01-01"},
			{SourcedID: "e4", ClassID: "k1", UserID: "t2", Role: "teacher"},
			{SourcedID: "e5", ClassID: "k1", UserID: "t1", Role: "teacher", Primary: "true"},
			{SourcedID: "e6", ClassID: "k1", UserID: "t3", Role: "teacher"},
			{SourcedID: "e7", ClassID: "k1", UserID: "u3", Role: "student"},
			{SourcedID: "e8", ClassID: "k1", UserID: "x1", Role: "aide"},
			{SourcedID: "e9", ClassID: "k1", UserID: "u5", Role: "student", Status: "tobedeleted"},
			{SourcedID: "e10", ClassID: "k3", UserID: "u1", Role: "student"},
			{SourcedID: "e11", ClassID: "k3", UserID: "t1", Role: "teacher"},
			{SourcedID: "e12", ClassID: "k4", UserID: "u5", Role: "student"},
			{SourcedID: "e13", ClassID: "k4", UserID: "t3", Role: "teacher"},
			{SourcedID: "e14", ClassID: "k5", UserID: "u5", Role: "student"},
			{SourcedID: "e15", ClassID: "k5", UserID: "t1", Role: "teacher"},
			{SourcedID: "e16", ClassID: "k7", UserID: "u4", Role: "student"},
			{SourcedID: "e17", ClassID: "k2", UserID: "t2", Role: "teacher"},
			{SourcedID: "e18", ClassID: "k1", UserID: "u6", Role: "student"},
			{SourcedID: "e19", ClassID: "k1", UserID: "a1", Role: "student"},
			{SourcedID: "e20", ClassID: "k9", UserID: "u1", Role: "student"},
			{SourcedID: "e21", ClassID: "k8", UserID: "u3", Role: "student"},
			{SourcedID: "e22", ClassID: "k8", UserID: "t2", Role: "teacher"},
		}, manyEnr...),
	}
	streamMatches(t, "hostile", hostile)
	streamMatches(t, "empty", &roster.Roster{})
}

// An order the stream cannot write as Write would is refused with format.ErrStreamOrder (the
// caller then writes the whole roster): two users with one sourcedId (Write takes the last
// one's role), a user after an enrollment.
func TestWriteStreamOrder(t *testing.T) {
	for name, send := range map[string]func(s format.Stream) error{
		"two users, one sourcedId": func(s format.Stream) error {
			if err := s.User(&roster.User{SourcedID: "u1", Role: "student"}); err != nil {
				return err
			}
			return s.User(&roster.User{SourcedID: "u1", Role: "teacher"})
		},
		"a user after an enrollment": func(s format.Stream) error {
			if err := s.Enrollment(&roster.Enrollment{SourcedID: "e1", ClassID: "k1", UserID: "u1", Role: "student"}); err != nil {
				return err
			}
			return s.User(&roster.User{SourcedID: "u1", Role: "student"})
		},
	} {
		s, err := clever.New().WriteStream(t.Context(), formattest.MemDest{}, t.TempDir(), format.Options{}, &roster.Problems{})
		if err != nil {
			t.Fatal(err)
		}
		if err := send(s); !errors.Is(err, format.ErrStreamOrder) {
			t.Errorf("%s: %v, want ErrStreamOrder", name, err)
		}
	}
}

// failDest is a format.Dest whose file name fails at one step: "create", "write" or "close".
// It records the files created and the ones closed.
type failDest struct {
	name, step      string
	created, closed []string
}

var errDisk = errors.New("disk gone")

func (d *failDest) Create(name string) (io.WriteCloser, error) {
	if name == d.name && d.step == "create" {
		return nil, errDisk
	}
	d.created = append(d.created, name)
	return &failFile{d: d, name: name}, nil
}

type failFile struct {
	d    *failDest
	name string
}

func (f *failFile) Write(b []byte) (int, error) {
	if f.name == f.d.name && f.d.step == "write" {
		return 0, errDisk
	}
	return len(b), nil
}

func (f *failFile) Close() error {
	f.d.closed = append(f.d.closed, f.name)
	if f.name == f.d.name && f.d.step == "close" {
		return errDisk
	}
	return nil
}

// A file that cannot be created, written or closed stops Write and the streaming writer alike
// with an error naming it; every file created is closed, and no file after it is started.
func TestWriteFileFails(t *testing.T) {
	_, coll, _ := formattest.Read(t, oneroster.New(), os.DirFS(filepath.Join("..", "..", "examples", "oneroster")), format.Options{})
	r := &coll.Roster
	ways := map[string]func(dst format.Dest) error{
		"Write": func(dst format.Dest) error {
			return clever.New().Write(t.Context(), dst, r, format.Options{}, &roster.Problems{})
		},
		"WriteStream": func(dst format.Dest) error {
			s, err := clever.New().WriteStream(t.Context(), dst, t.TempDir(), format.Options{}, &roster.Problems{})
			if err != nil {
				return err
			}
			if err := r.Emit(s); err != nil {
				return err
			}
			return s.End(r.Count)
		},
	}
	for way, write := range ways {
		for _, step := range []string{"create", "write", "close"} {
			d := &failDest{name: clever.StudentsFile, step: step}
			err := write(d)
			if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), clever.StudentsFile) {
				t.Errorf("%s, %s fails: err %v, want %v naming %s", way, step, err, errDisk, clever.StudentsFile)
			}
			if !slices.Equal(d.created, d.closed) {
				t.Errorf("%s, %s fails: created %v, closed %v", way, step, d.created, d.closed)
			}
			if n := len(d.created); n == 0 || d.created[n-1] != clever.StudentsFile && step != "create" || slices.Contains(d.created, clever.SectionsFile) {
				t.Errorf("%s, %s fails: created %v, want the files up to %s", way, step, d.created, clever.StudentsFile)
			}
		}
	}
}

// The streaming writer keeps the first written enrollment of a section and student, as Write
// does, in every case where a copy of the pair is dropped for another reason first: a deleted
// copy before a live one, a teacher's enrollment of a student's pair, copies of a student
// refused at End (no school), copies in a class not written (no school, deleted), a user who
// is not a student, and repeats whose sourcedId is lost or kept.
func TestWriteStreamRepeatedEnrollments(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "s1", Name: "Lincoln", Type: "school"},
			{SourcedID: "d1", Name: "District", Type: "district"},
		},
		Classes: []roster.Class{
			{SourcedID: "k1", SchoolID: "s1", Title: "Math"},
			{SourcedID: "k2", SchoolID: "d1", Title: "District class"},
			{SourcedID: "k3", SchoolID: "s1", Title: "Gone", Status: "tobedeleted"},
			{SourcedID: "k4", SchoolID: "s1", Title: "Art"},
		},
		Users: []roster.User{
			{SourcedID: "u1", Role: "student", GivenName: "A", FamilyName: "B", OrgIDs: []string{"s1"}},
			{SourcedID: "u2", Role: "student", GivenName: "C", FamilyName: "D", OrgIDs: []string{"d1"}}, // refused: no school
			{SourcedID: "u3", Role: "student", GivenName: "E", FamilyName: "F", OrgIDs: []string{"s1"}},
			{SourcedID: "t1", Role: "teacher", GivenName: "T", FamilyName: "U", OrgIDs: []string{"s1"}},
			{SourcedID: "x1", Role: "aide", GivenName: "X", FamilyName: "Y", OrgIDs: []string{"s1"}},
		},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "k1", UserID: "t1", Role: "teacher"},
			{SourcedID: "e2", ClassID: "k4", UserID: "t1", Role: "teacher"},
			{SourcedID: "e3", ClassID: "k1", UserID: "u1", Role: "student", Status: "tobedeleted"},
			{SourcedID: "e4", ClassID: "k1", UserID: "u1", Role: "teacher"},
			{SourcedID: "k1/u1", ClassID: "k1", UserID: "u1", Role: "student"},
			{SourcedID: "e6", ClassID: "k1", UserID: "u1", Role: "student"},
			{SourcedID: "e7", ClassID: "k1", UserID: "u1", Role: "student", Status: "tobedeleted"},
			{SourcedID: "e8", ClassID: "k1", UserID: "u2", Role: "student"},
			{SourcedID: "e9", ClassID: "k1", UserID: "u2", Role: "student"},
			{SourcedID: "e10", ClassID: "k2", UserID: "u3", Role: "student"},
			{SourcedID: "e11", ClassID: "k2", UserID: "u3", Role: "student"},
			{SourcedID: "e12", ClassID: "k3", UserID: "u3", Role: "student"},
			{SourcedID: "e13", ClassID: "k3", UserID: "u3", Role: "student"},
			{SourcedID: "e14", ClassID: "k1", UserID: "x1", Role: "student"},
			{SourcedID: "e15", ClassID: "k1", UserID: "x1", Role: "student"},
			{SourcedID: "e16", ClassID: "k4", UserID: "u3", Role: "student"},
			{SourcedID: "k4/u3", ClassID: "k4", UserID: "u3", Role: "student"},
			{SourcedID: "e18", ClassID: "k1", UserID: "u3", Role: "student", Status: "tobedeleted"},
			{SourcedID: "k1/u3", ClassID: "k1", UserID: "u3", Role: "student"},
			{SourcedID: "e20", ClassID: "k4", UserID: "u1", Role: "aide"},
			{SourcedID: "k4/u1", ClassID: "k4", UserID: "u1", Role: "student"},
		},
	}
	streamMatches(t, "repeated enrollments", r)
}
