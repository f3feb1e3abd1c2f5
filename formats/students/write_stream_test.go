package students

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// The streaming writer writes what Write writes, byte for byte, and reports the same, with
// the demographics after the users as OneRoster sends them: birth dates as BIRTHDATE and as
// passwords, optional columns left out when no student has one, a STUDENT_ID two students
// would share, missing values, other roles and deleted users, schools by identifier or
// sourcedId, a student of two schools, a metadata column of a layout; with the students kept
// in memory, and past a budget of memory in a spool file.
func TestWriteStreamMatchesWrite(t *testing.T) {
	full := &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "d1", Name: "District", Type: "district"},
			{SourcedID: "s1", Name: "Lincoln", Type: "school", Identifier: "LIN"},
			{SourcedID: "s2", Name: "Grant", Type: "school"},
		},
		Users: []roster.User{
			{SourcedID: "u1", Identifier: "100", Role: "student", OrgIDs: []string{"d1", "s1", "s2"}, Grades: []string{"9", "10"},
				GivenName: "Ana", FamilyName: "Lee", MiddleName: "Q", Email: "ana@example.org", Password: "pw1",
				Metadata: []roster.KV{{Key: "HOMEROOM", Value: "H1"}}},
			{SourcedID: "u2", Identifier: "101", Role: "student", OrgIDs: []string{"s2"}, Grades: []string{"KG"},
				GivenName: "Bo", FamilyName: "Kim, Jr", Email: "bo@example.org"},
			{SourcedID: "u3", Identifier: "100", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"09"}, GivenName: "Dup", FamilyName: "X", Password: "p"},
			{SourcedID: "u4", Role: "teacher", OrgIDs: []string{"s1"}, GivenName: "T", FamilyName: "Eacher"},
			{SourcedID: "u5", Status: "tobedeleted", Role: "student", OrgIDs: []string{"s1"}, GivenName: "G", FamilyName: "One"},
			{SourcedID: "u6", Identifier: "102", Role: "student", GivenName: "No", FamilyName: "School", Password: "p"},
			{SourcedID: "u7", Identifier: "103", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"11"}, GivenName: "Bad", FamilyName: "Birth"},
		},
		Demographics: []roster.Demographics{
			{SourcedID: "u2", BirthDate: "2011-02-03", Sex: "male"},
			{SourcedID: "u4", BirthDate: "1980-01-01"},
			{SourcedID: "u7", BirthDate: "not a date"},
			{SourcedID: "u1", White: "true"},
		},
		Skipped: map[roster.Kind]int{roster.EnrollmentKind: 12, roster.ClassKind: 3},
	}
	plain := &roster.Roster{
		Orgs:  []roster.Org{{SourcedID: "s1", Name: "Lincoln", Type: "school", Identifier: "LIN"}},
		Users: []roster.User{{SourcedID: "u1", Identifier: "1", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"09"}, GivenName: "A", FamilyName: "B", Password: "p"}},
	}
	layout := &format.Layout{Name: "homeroom", Format: Name, Columns: []format.Column{{Name: ColStudentID, Required: true},
		{Name: ColFirstName}, {Name: ColLastName}, {Name: "HOMEROOM"}, {Name: ColSiteID}, {Name: ColPassword}}}
	for _, tc := range []struct {
		name string
		r    *roster.Roster
		opts format.Options
	}{
		{"full", full, format.Options{}},
		{"passwords are dates", full, format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true})},
		{"by sourcedId", full, format.Options{}.WithSettings(Name, Settings{StudentID: "sourcedId"})},
		{"layout", full, format.Options{Layout: layout}},
		{"no middle names or births", plain, format.Options{}},
		{"no users", &roster.Roster{}, format.Options{}},
	} {
		// In memory, in a spool file past the first student, and all in the spool.
		for _, mem := range []int{storeMemory, 60, 0} {
			func() {
				defer func(was int) { storeMemory = was }(storeMemory)
				storeMemory = mem
				formattest.StreamMatchesWrite(t, New(), fmt.Sprintf("%s, %d bytes in memory", tc.name, mem), tc.r, tc.opts)
			}()
		}
	}
}

// A student's packed record comes back as the fields a row is built from.
func TestPackUnpack(t *testing.T) {
	u := roster.User{SourcedID: "u1", Identifier: "1", Role: "student", OrgIDs: []string{"a", "", "b"}, Grades: []string{"09"},
		GivenName: "Ünï", FamilyName: "B", MiddleName: "M", Email: "e@x", Password: "p", Metadata: []roster.KV{{Key: "k", Value: ""}, {Key: "", Value: "v"}}}
	var b blocks
	b.add(pack(nil, &u, u.Metadata))
	b.add(pack(nil, &roster.User{SourcedID: "u2", Role: "student"}, nil))
	var got []roster.User
	b.each(func(rec []byte) bool {
		var v roster.User
		unpack(rec, &v)
		got = append(got, v)
		return true
	})
	if len(got) != 2 || got[0].SourcedID != "u1" || !slices.Equal(got[0].OrgIDs, u.OrgIDs) || !slices.Equal(got[0].Grades, u.Grades) ||
		!slices.Equal(got[0].Metadata, u.Metadata) || got[0].GivenName != u.GivenName || got[0].Password != "p" || got[0].Email != "e@x" ||
		got[0].MiddleName != "M" || got[0].Identifier != "1" || got[1].SourcedID != "u2" || got[1].OrgIDs != nil {
		t.Errorf("unpacked %+v", got)
	}
}

// A demographics record sent before its user (a reader that sends them first) still gives the
// student's BIRTHDATE and password, as Write, which has the whole roster, gives them.
func TestWriteStreamDemographicsBeforeUser(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s1", Name: "Lincoln", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "u1", Identifier: "1", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"09"}, GivenName: "A", FamilyName: "B"},
			{SourcedID: "u2", Identifier: "2", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"10"}, GivenName: "C", FamilyName: "D"},
		},
		Demographics: []roster.Demographics{{SourcedID: "u1", BirthDate: "2010-05-06"}, {SourcedID: "u2", BirthDate: "2011-07-08"}},
	}
	opts := format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true})
	want := formattest.MemDest{}
	if err := (Format{}).Write(t.Context(), want, r, opts, &roster.Problems{}); err != nil {
		t.Fatal(err)
	}
	got := formattest.MemDest{}
	s, err := Format{}.WriteStream(t.Context(), got, t.TempDir(), opts, &roster.Problems{})
	if err != nil {
		t.Fatal(err)
	}
	// u1's record comes before u1, u2's after u2.
	for _, step := range []error{s.Org(&r.Orgs[0]), s.Demographics(&r.Demographics[0]), s.User(&r.Users[0]), s.User(&r.Users[1]),
		s.Demographics(&r.Demographics[1]), s.End(r.Count)} {
		if step != nil {
			t.Fatal(step)
		}
	}
	if g, w := got[FileName].String(), want[FileName].String(); g != w || !strings.Contains(g, "2010-05-06") {
		t.Errorf("students.csv is\n%s\nWrite wrote\n%s", g, w)
	}
}

// Two students with one sourcedId (identifiers differ, so Write writes both, each with the birth
// date of that sourcedId): the stream, which keeps one birth date per student, refuses the
// order (format.ErrStreamOrder), and the conversion writes the whole roster with Write.
func TestWriteStreamTwoStudentsOneSourcedID(t *testing.T) {
	u := []roster.User{
		{SourcedID: "u1", Identifier: "1", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"09"}, GivenName: "A", FamilyName: "B"},
		{SourcedID: "u1", Identifier: "2", Role: "student", OrgIDs: []string{"s1"}, Grades: []string{"10"}, GivenName: "C", FamilyName: "D"},
	}
	s, err := Format{}.WriteStream(t.Context(), formattest.MemDest{}, t.TempDir(), format.Options{}, &roster.Problems{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.User(&u[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.User(&u[1]); !errors.Is(err, format.ErrStreamOrder) {
		t.Errorf("the second student with sourcedId u1: %v, want format.ErrStreamOrder", err)
	}
}

// A student kept in memory is kept once: its sourcedId, the index's key, is the copy packed
// with the rest of the student, not a second copy among the orgs' strings and birth dates
// (which would grow with every student for nothing). A spooled student's key is a copy, as the
// spool's bytes are not kept.
func TestWriteStreamKeepsAStudentOnce(t *testing.T) {
	for _, mem := range []int{storeMemory, 0} {
		func() {
			defer func(was int) { storeMemory = was }(storeMemory)
			storeMemory = mem
			ws, err := New().WriteStream(t.Context(), nil, t.TempDir(), format.Options{}, roster.ReporterFunc(func(roster.Problem) {}))
			if err != nil {
				t.Fatal(err)
			}
			s := ws.(*stream)
			defer s.students.close()
			const n = 1000
			for i := range n {
				u := roster.User{SourcedID: fmt.Sprintf("student-%04d", i), Identifier: fmt.Sprint(i), Role: "student", GivenName: "A", FamilyName: "B"}
				if err := s.User(&u); err != nil {
					t.Fatal(err)
				}
			}
			kept := 0
			for _, b := range s.strs.list {
				kept += len(b)
			}
			if want := map[bool]int{true: 0, false: n * len("student-0000")}[mem > 0]; kept != want {
				t.Errorf("%d bytes in memory: %d bytes of strings kept besides the students, want %d", mem, kept, want)
			}
			for i := range n {
				if at, ok := s.index.Get(fmt.Sprintf("student-%04d", i)); !ok || at != int32(i) {
					t.Fatalf("%d bytes in memory: student %d found at %d, %v", mem, i, at, ok)
				}
			}
		}()
	}
}

// scratchWatch is a Dest whose file notes, at each write, whether the scratch folder holds a
// file (a spool) at that moment.
type scratchWatch struct {
	scratch string
	writes  int
	spooled bool
	out     strings.Builder
}

func (d *scratchWatch) Create(string) (io.WriteCloser, error) { return d, nil }
func (d *scratchWatch) Close() error                          { return nil }
func (d *scratchWatch) Write(p []byte) (int, error) {
	d.writes++
	if ents, err := os.ReadDir(d.scratch); err == nil && len(ents) > 0 {
		d.spooled = true
	}
	return d.out.Write(p)
}

// The students kept in memory and the rows built from them at End share one budget
// (storeMemory): the rows past what the students left of it go to the scratch file as well,
// so that End holds at most the budget of both, not twice it. 400 students of 1 KB fit the
// budget; they and their rows do not, and students.csv is written in several pieces while the
// rows are read back from the spool.
func TestWriteStreamRowsShareTheBudget(t *testing.T) {
	r := &roster.Roster{Orgs: []roster.Org{{SourcedID: "s1", Name: "Lincoln", Type: "school", Identifier: "LIN"}}}
	for i := range 400 {
		r.Users = append(r.Users, roster.User{SourcedID: fmt.Sprintf("u%d", i), Identifier: fmt.Sprint(1000 + i), Role: "student",
			GivenName: strings.Repeat("n", 1000), FamilyName: "F", Password: "pw", OrgIDs: []string{"s1"}, Grades: []string{"09"}})
	}
	defer func(was int) { storeMemory = was }(storeMemory)
	storeMemory = 600 << 10
	d := &scratchWatch{scratch: t.TempDir()}
	ws, err := New().WriteStream(t.Context(), d, d.scratch, format.Options{}, roster.ReporterFunc(func(p roster.Problem) {
		if p.Severity != roster.Info { // what is not written is counted (info), nothing refused
			t.Errorf("problem %v", p)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Emit(ws); err != nil {
		t.Fatal(err)
	}
	if err := ws.End(r.Count); err != nil {
		t.Fatal(err)
	}
	if s := ws.(*stream); s.students.sp != nil {
		t.Fatal("the students did not fit the budget: the test needs them in memory")
	}
	if d.writes < 2 || !d.spooled {
		t.Errorf("students.csv written in %d pieces, the rows spooled: %v; want the rows past the budget spooled", d.writes, d.spooled)
	}
	if got := strings.Count(d.out.String(), "\n"); got != 401 {
		t.Errorf("students.csv has %d lines, want 401", got)
	}
}
