package sds_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// streamMatches is formattest.StreamMatchesWrite for SDS.
func streamMatches(t *testing.T, name string, r *roster.Roster, opts format.Options) {
	t.Helper()
	formattest.StreamMatchesWrite(t, sds.New(), name, r, opts)
}

// The streaming writer writes what Write writes, byte for byte, and reports the same in the
// same order: the examples read from OneRoster, SDS and Capti; and a roster with what SDS
// refuses or loses in every file (deleted records, line breaks, usernames without a domain or
// shared by two users, contacts without the fields SDS needs, both-way agent links, roles
// and enrollment roles SDS renames or has not, repeated enrollments, sessions whose school
// year comes from a later parent).
func TestWriteStreamMatchesWrite(t *testing.T) {
	for _, ex := range []struct {
		f   format.Format
		dir string
	}{{oneroster.New(), "oneroster"}, {sds.New(), "sds"}, {capti.New(), "capti"}} {
		_, coll, _ := formattest.Read(t, ex.f, os.DirFS(filepath.Join("..", "..", "examples", ex.dir)), format.Options{})
		streamMatches(t, "examples/"+ex.dir, &coll.Roster, format.Options{})
	}
	hostile := &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "d1", Name: "District", Type: "district", Identifier: "D"},
			{SourcedID: "s1", Name: "Lincoln", Type: "school", ParentID: "d1"},
			{SourcedID: "s2", Name: "Grant", Type: "campus"},
			{SourcedID: "s3", Name: "Line\nbreak", Type: "school", Identifier: "X"},
			{SourcedID: "s4", Status: "tobedeleted", Name: "Gone", Type: "school"},
		},
		AcademicSessions: []roster.AcademicSession{
			{SourcedID: "t1", Title: "Fall", Type: "term", ParentID: "y1", StartDate: "2026-08-01", EndDate: "2026-12-20"},
			{SourcedID: "t2", Status: "tobedeleted", Title: "Old", Type: "term"},
			{SourcedID: "y1", Title: "Year", Type: "schoolYear", StartDate: "2026-08-01", EndDate: "2027-06-30"},
			{SourcedID: "t3", Title: "Odd", Type: "gradingPeriod", EndDate: "bad"},
			{SourcedID: "t4", Title: "Two\nlines", Type: "term", StartDate: "2026-08-01", EndDate: "2026-12-20"},
		},
		Courses: []roster.Course{
			{SourcedID: "c1", OrgID: "s1", Title: "Math", Grades: []string{"09", "10"}, Subjects: []string{"math", "sci"}},
			{SourcedID: "c2", OrgID: "s1", Title: "Old", Status: "tobedeleted"},
			{SourcedID: "c3", OrgID: "s1", Title: "Art\r"},
		},
		Classes: []roster.Class{
			{SourcedID: "k1", SchoolID: "s1", Title: "Math 1", CourseID: "c1", TermIDs: []string{"t1", "t3"}, ClassCode: "M1", Periods: []string{"1"}, Location: "R1"},
			{SourcedID: "k2", Title: "No school"},
			{SourcedID: "k3", SchoolID: "s1", Title: "Gone", Status: "tobedeleted"},
			{SourcedID: "k4", SchoolID: "s1", Title: "Lab", ClassType: "homeroom", Grades: []string{"09"}},
			{SourcedID: "k5", SchoolID: "s1", Title: "Two\nlines"},
		},
		Users: []roster.User{
			{SourcedID: "u1", Username: "ada@school.org", Role: "student", OrgIDs: []string{"s1", "s2"}, PrimaryOrgID: "s2", GivenName: "Ada", FamilyName: "L",
				MiddleName: "Q", Grades: []string{"09", "10"}, AgentIDs: []string{"g1", "g2", "gone", "u9"}, UserIDs: []string{"{activeDirectoryMatchId:ada}", "{SIS:1}"}},
			{SourcedID: "u2", Username: "bob", Email: "bob@school.org", Role: "teacher", OrgIDs: []string{"s1"}, GivenName: "Bob", FamilyName: "K", Identifier: "T1"},
			{SourcedID: "u3", Username: "cy", Role: "student", OrgIDs: []string{"s1"}, GivenName: "Cy", FamilyName: "M"},
			{SourcedID: "u4", Username: "ADA@school.org", Role: "student", OrgIDs: []string{"s1"}, GivenName: "Ada", FamilyName: "Two"},
			{SourcedID: "u5", Username: "not an address@", Role: "aide", OrgIDs: []string{"s1"}},
			{SourcedID: "u6", Username: "dee@school.org", Role: "aide", OrgIDs: []string{"s1"}, EnabledUser: "false", Pronouns: "she", Metadata: []roster.KV{{Key: "x", Value: "y"}}},
			{SourcedID: "u7", Username: "eve@school.org", Role: "", OrgIDs: []string{"s1"}},
			{SourcedID: "u8", Username: "fay@school.org", Role: "administrator"},
			{SourcedID: "u9", Username: "gus@school.org", Role: "proctor", OrgIDs: []string{"s1\nx"}, GivenName: "Gus", FamilyName: "P", Email: "gus@school.org"},
			{SourcedID: "g1", Username: "gia@home.net", Email: "gia@home.net", Role: "parent", GivenName: "Gia", FamilyName: "L", AgentIDs: []string{"u1"}},
			{SourcedID: "g2", Username: "hal@home.net", Role: "guardian", GivenName: "Hal", FamilyName: "L", AgentIDs: []string{"u1", "u2"}},
			{SourcedID: "u11", Username: "jo@school.org", Role: "student", OrgIDs: []string{"s1"}, GivenName: "Jo", FamilyName: "S"},
			{SourcedID: "g3", Username: "kim@home.net", Email: "kim@home.net", Role: "relative", GivenName: "Kim", FamilyName: "S", AgentIDs: []string{"u11"}},
			{SourcedID: "gone", Username: "x@home.net", Role: "parent", Status: "tobedeleted"},
			{SourcedID: "u10", Username: "ivy@school.org", Role: "student", OrgIDs: []string{"s1"}, GivenName: "Ivy", FamilyName: "R", Phone: "1\r2"},
		},
		Demographics: []roster.Demographics{
			{SourcedID: "u1", Sex: "Female", BirthDate: "2011-02-03", White: "true", Asian: "TRUE", HispanicOrLatinoEthnicity: "true", PublicSchoolResidenceStatus: "x"},
			{SourcedID: "u2", Sex: "unspecified"},
			{SourcedID: "u3", Status: "tobedeleted"},
			{SourcedID: "u11", BirthDate: "2011-02-03\n"},
		},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "k1", UserID: "u1", Role: "student", Primary: "false"},
			{SourcedID: "k1/u1/student", ClassID: "k1", UserID: "u1", Role: "student"},
			{SourcedID: "e3", ClassID: "k1", UserID: "u3", Role: "student"},
			{SourcedID: "e4", ClassID: "k1", UserID: "u2", Role: "teacher", BeginDate: "2026-08-01"},
			{SourcedID: "e5", ClassID: "k1", UserID: "u6", Role: "aide"},
			{SourcedID: "e6", ClassID: "k1", UserID: "u8", Role: "proctor"},
			{SourcedID: "e7", ClassID: "k1", UserID: "u1", Role: "student", Status: "tobedeleted"},
			{SourcedID: "e8", ClassID: "k\n1", UserID: "u2", Role: "teacher"},
			{SourcedID: "e9", ClassID: "k1", UserID: "u4", Role: "student"},
			{SourcedID: "e10", ClassID: "k1", UserID: "u10", Role: "student"},
		},
	}
	streamMatches(t, "hostile", hostile, format.Options{})
	streamMatches(t, "hostile with a domain", hostile, format.Options{}.WithSettings(sds.Name, sds.Settings{Domain: " @school.org"}))
	streamMatches(t, "empty", &roster.Roster{}, format.Options{})
}

// An order the stream cannot write as Write would is refused with format.ErrStreamOrder (the
// caller then writes the whole roster): two users with one sourcedId (Write keeps the
// last), a user after an enrollment.
func TestWriteStreamOrder(t *testing.T) {
	for name, send := range map[string]func(s format.Stream) error{
		"two users, one sourcedId": func(s format.Stream) error {
			if err := s.User(&roster.User{SourcedID: "u1", Username: "a@x.org", Role: "student"}); err != nil {
				return err
			}
			return s.User(&roster.User{SourcedID: "u1", Username: "b@x.org", Role: "teacher"})
		},
		"a user after an enrollment": func(s format.Stream) error {
			if err := s.Enrollment(&roster.Enrollment{SourcedID: "e1", ClassID: "k1", UserID: "u1", Role: "student"}); err != nil {
				return err
			}
			return s.User(&roster.User{SourcedID: "u1", Username: "a@x.org", Role: "student"})
		},
	} {
		s, err := sds.New().WriteStream(t.Context(), formattest.MemDest{}, t.TempDir(), format.Options{}, &roster.Problems{})
		if err != nil {
			t.Fatal(err)
		}
		if err := send(s); !errors.Is(err, format.ErrStreamOrder) {
			t.Errorf("%s: %v, want ErrStreamOrder", name, err)
		}
	}
}
