package clever

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

type want = formattest.Want

// example returns the files of examples/clever as a file system.
func example(t testing.TB) fstest.MapFS {
	t.Helper()
	return dirFS(t, filepath.Join("..", "..", "examples", "clever"))
}

func dirFS(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = &fstest.MapFile{Data: b, Mode: 0o600}
	}
	return m
}

// edit replaces old (which must be there) with new in file of m.
func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	f := m[file]
	if f == nil || !bytes.Contains(f.Data, []byte(old)) {
		t.Fatalf("%s does not hold %q", file, old)
	}
	f.Data = bytes.Replace(f.Data, []byte(old), []byte(new), 1)
}

func TestExampleReadsClean(t *testing.T) {
	info, coll, probs := formattest.Read(t, Format{}, example(t), format.Options{})
	formattest.CheckProblems(t, probs, nil)
	r := &coll.Roster
	// 2 schools + the district office; 3 teachers, 2 staff, 3 students (stu-1 has two rows).
	if len(r.Orgs) != 3 || len(r.Users) != 8 || len(r.Classes) != 3 || len(r.Courses) != 3 || len(r.AcademicSessions) != 1 {
		t.Fatalf("read %d orgs, %d users, %d classes, %d courses, %d sessions", len(r.Orgs), len(r.Users), len(r.Classes), len(r.Courses), len(r.AcademicSessions))
	}
	// 3 student enrollments + 4 teacher enrollments (sec-1 has a co-teacher).
	if len(r.Enrollments) != 7 {
		t.Fatalf("read %d enrollments, want 7", len(r.Enrollments))
	}
	if len(info.Files) != 6 {
		t.Fatalf("info lists %d files", len(info.Files))
	}
	var nguyen *roster.User
	for i := range r.Users {
		if r.Users[i].SourcedID == "t-3" {
			nguyen = &r.Users[i]
		}
	}
	if nguyen == nil || !slices.Equal(nguyen.OrgIDs, []string{"sch-100", "sch-200"}) {
		t.Fatalf("a teacher with a row per school has the orgs of both: %+v", nguyen)
	}
	for _, e := range r.Enrollments {
		if e.SourcedID != e.ClassID+"/"+e.UserID {
			t.Errorf("enrollment %q is not named by its section and user", e.SourcedID)
		}
	}
	var d roster.Demographics
	for _, x := range r.Demographics {
		if x.SourcedID == "stu-1" {
			d = x
		}
	}
	if d.BirthDate != "2021-03-14" || d.Sex != "female" || d.White != "true" || d.HispanicOrLatinoEthnicity != "true" {
		t.Fatalf("demographics of stu-1: %+v", d)
	}
}

func TestReadRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, m fstest.MapFS)
		want []want
	}{
		{"headers in any case", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, StudentsFile, "School_id,Student_id", "SCHOOL_ID,student_ID")
			edit(t, m, EnrollmentsFile, "School_id,Section_id,Student_id", "Student_id,section_id,School_id")
			edit(t, m, EnrollmentsFile, "sch-100,sec-1,stu-1", "stu-1,sec-1,sch-100")
			edit(t, m, EnrollmentsFile, "sch-100,sec-2,stu-2", "stu-2,sec-2,sch-100")
			edit(t, m, EnrollmentsFile, "sch-200,sec-3,stu-3", "stu-3,sec-3,sch-200")
		}, nil},
		{"ext columns", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, SchoolsFile, ",School_phone\n", ",School_phone,ext.region\n")
			edit(t, m, SchoolsFile, "5551234567\n", "5551234567,north\n")
			edit(t, m, SchoolsFile, "5557654321\n", "5557654321,south\n")
		}, nil},
		{"missing file", func(t *testing.T, m fstest.MapFS) { delete(m, EnrollmentsFile) },
			[]want{{"error missing-file 0 ", "all there"}}},
		{"file name case", func(t *testing.T, m fstest.MapFS) {
			m["Schools.csv"] = m[SchoolsFile]
			delete(m, SchoolsFile)
		}, []want{{"error missing-file 0 ", "lower case"}}},
		{"one file alone", func(t *testing.T, m fstest.MapFS) {
			for n := range m {
				if n != StudentsFile {
					delete(m, n)
				}
			}
		}, []want{
			{"warning missing-file 0 ", "only the rules of the file given"}, {"warning missing-file 0 ", "only the rules"},
			{"warning missing-file 0 ", "only the rules"}, {"warning missing-file 0 ", "only the rules"},
		}},
		{"an eleventh teacher column", func(t *testing.T, m fstest.MapFS) {
			lines := strings.SplitAfter(string(m[SectionsFile].Data), "\n")
			for i, l := range lines {
				if l != "" {
					cell := ",zz"
					if i == 0 {
						cell = ",Teacher_11_id"
					}
					lines[i] = strings.TrimSuffix(l, "\n") + cell + "\n"
				}
			}
			m[SectionsFile] = &fstest.MapFile{Data: []byte(strings.Join(lines, ""))}
		}, []want{{"error header 1 Teacher_11_id", "at most ten teachers (Teacher_id to Teacher_10_id): the column is not read"}}},
		{"admins.csv deprecated", func(t *testing.T, m fstest.MapFS) {
			m[AdminsFile] = &fstest.MapFile{Data: []byte("School_id,Staff_id\n")}
		}, []want{{"warning missing-file 0 ", "staff.csv"}}},
		{"misspelled header", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, ",Student_number,", ",Student number,") },
			[]want{{"error header 1 Student number", "Student_number"}}},
		{"required column missing", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, SchoolsFile, "School_id,School_name,School_number,", "School_id,School_name,")
			edit(t, m, SchoolsFile, "Lincoln Elementary,100,", "Lincoln Elementary,")
			edit(t, m, SchoolsFile, "Roosevelt Middle,200,", "Roosevelt Middle,")
		}, []want{{"error header 1 School_number", "School_number"}}},
		{"required value blank", func(t *testing.T, m fstest.MapFS) { edit(t, m, TeachersFile, "Maria,,Garcia", ",,Garcia") },
			[]want{{"error missing-required 2 First_name", "requires"}}},
		{"date not MM/DD/YYYY", func(t *testing.T, m fstest.MapFS) { edit(t, m, SectionsFile, "Year,08/15/2026", "Year,2026-08-15") },
			[]want{{"error bad-date 2 Term_start", "MM/DD/YYYY"}}},
		{"birth date not shown", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "07/02/2019", "7/2/19") },
			[]want{{"error bad-date 4 DOB", "not shown"}}},
		{"a school named DEFAULT_DISTRICT_OFFICE", func(t *testing.T, m fstest.MapFS) {
			for _, f := range []string{SchoolsFile, StudentsFile, TeachersFile, SectionsFile, EnrollmentsFile, StaffFile} {
				b := m[f].Data
				m[f] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(string(b), "sch-100", DistrictOffice))}
			}
		}, []want{{"error bad-id 2 School_id", "DEFAULT_DISTRICT_OFFICE is Clever's School_id for the district office"}}},
		{"grade K", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Noah,1,M", "Noah,K,M") },
			[]want{{"error bad-grade 4 Grade", "Kindergarten"}}},
		{"grade zero-padded", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Ava,7,X", "Ava,07,X") },
			[]want{{"error bad-grade 5 Grade", "no leading zero"}}},
		{"grade range in schools", func(t *testing.T, m fstest.MapFS) { edit(t, m, SchoolsFile, "6,8,Ben", "6-8,8,Ben") }, nil},
		{"gender", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Noah,1,M,", "Noah,1,Male,") },
			[]want{{"error bad-enum 4 Gender", "M, F or X"}}},
		{"race", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "11/30/2013,A,", "11/30/2013,Asian,") },
			[]want{{"error bad-enum 5 Race", "A, B, I, M, P, W"}}},
		{"ell", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Korean,N,R,Y", "Korean,No,R,Y") },
			[]want{{"error bad-enum 5 Ell_status", "Y or N"}}},
		{"frl", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Korean,N,R,Y", "Korean,N,Reduced,Y") },
			[]want{{"error bad-enum 5 Frl_status", "F (free)"}}},
		{"iep", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Korean,N,R,Y", "Korean,N,R,yes") },
			[]want{{"error bad-enum 5 IEP_status", "Y or N"}}},
		{"email", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, StudentsFile, "akim@students.example.org", "akim.students.example.org")
		},
			[]want{{"error bad-email 5 Student_email", "no @"}}},
		{"phone", func(t *testing.T, m fstest.MapFS) { edit(t, m, SchoolsFile, "5551234567", "(555) 123-4567") },
			[]want{{"error bad-enum 2 School_phone", "10 or 11 digits"}}},
		{"subject", func(t *testing.T, m fstest.MapFS) { edit(t, m, SectionsFile, ",Math,", ",Maths,") },
			[]want{{"error bad-enum 3 Subject", "Clever's subjects"}}},
		{"contact repeat with other student fields", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, StudentsFile, "Sofia,Kindergarten,F,03/14/2021,W,Y,Spanish,Y,F,N,slopez@students.example.org,Juan",
				"Sofia,1,F,03/14/2021,W,Y,Spanish,Y,F,N,slopez@students.example.org,Juan")
		}, []want{{"error duplicate-id 3 Student_id", "line 2"}}},
		{"contact without a name", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Juan Lopez,Emergency", ",Emergency") },
			[]want{{"error missing-required 3 Contact_name", "contact"}}},
		{"duplicate Student_number", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "stu-3,2001", "stu-3,1002") },
			[]want{{"error duplicate-id 5 Student_number", "line 4"}}},
		{"duplicate Section_id", func(t *testing.T, m fstest.MapFS) { edit(t, m, SectionsFile, "sch-200,sec-3", "sch-200,sec-2") },
			[]want{
				{"error dangling-ref 4 Section_id", "sec-3"}, // the enrollment in the section renamed
				{"error duplicate-id 4 Section_id", "line 3"},
			}},
		{"duplicate School_id", func(t *testing.T, m fstest.MapFS) {
			m[SchoolsFile].Data = append(m[SchoolsFile].Data, "sch-100,Other School,300,,,,,,,,,,\n"...)
		}, []want{{"error duplicate-id 4 School_id", "line 2"}}},
		{"teacher repeated with other details", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, TeachersFile, "sch-200,t-3,T003,,lnguyen@example.org,Linh", "sch-200,t-3,T003,,lnguyen@example.org,Lin")
		}, []want{{"error duplicate-id 5 Teacher_id", "other details"}}},
		{"teacher repeated at one school", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, TeachersFile, "sch-200,t-3", "sch-100,t-3")
		}, []want{{"error duplicate-id 5 Teacher_id", "line 4"}}},
		{"duplicate staff email", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, StaffFile, "tech@district.example.org", "aruiz@lincoln.example.org")
		},
			[]want{{"error duplicate-id 3 Staff_email", "s-1"}}},
		{"enrollment section unknown", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, EnrollmentsFile, "sch-100,sec-2,stu-2", "sch-100,sec-9,stu-2")
		},
			[]want{
				{"error dangling-ref 3 Section_id", "sec-9"},
				{"warning dangling-ref 3 Section_id", "no student is enrolled"}, // sections.csv line 3: sec-2
			}},
		{"enrollment student unknown", func(t *testing.T, m fstest.MapFS) { edit(t, m, EnrollmentsFile, "sec-2,stu-2", "sec-2,stu-9") },
			[]want{{"error dangling-ref 3 Student_id", "stu-9"}}},
		{"enrollment school not the section's", func(t *testing.T, m fstest.MapFS) { edit(t, m, EnrollmentsFile, "sch-100,sec-2", "sch-200,sec-2") },
			[]want{{"warning dangling-ref 3 School_id", "sec-2"}}},
		{"repeated enrollment", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, EnrollmentsFile, "sch-200,sec-3,stu-3\n", "sch-200,sec-3,stu-3\nsch-200,sec-3,stu-3\n")
		}, []want{{"warning duplicate-id 5 Student_id", "line 4"}}},
		{"section teacher unknown", func(t *testing.T, m fstest.MapFS) { edit(t, m, SectionsFile, "sec-3,t-2", "sec-3,t-9") },
			[]want{{"error dangling-ref 4 Teacher_id", "t-9"}}},
		{"co-teacher unknown", func(t *testing.T, m fstest.MapFS) { edit(t, m, SectionsFile, "t-1,t-3", "t-1,t-8") },
			[]want{{"error dangling-ref 2 Teacher_2_id", "t-8"}}},
		{"student school unknown", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "sch-200,stu-3", "sch-300,stu-3") },
			[]want{{"error dangling-ref 5 School_id", "sch-300"}}},
		{"staff school unknown", func(t *testing.T, m fstest.MapFS) { edit(t, m, StaffFile, "DEFAULT_DISTRICT_OFFICE", "DISTRICT") },
			[]want{{"error dangling-ref 3 School_id", "DISTRICT"}}},
		{"staff role", func(t *testing.T, m fstest.MapFS) { edit(t, m, StaffFile, "School Tech Lead", "Principal") },
			[]want{{"error bad-enum 3 Role", "School Tech Lead"}}},
		{"staff role in any case", func(t *testing.T, m fstest.MapFS) { edit(t, m, StaffFile, "School Tech Lead", "stl") }, nil},
		{"UTF-16 file", func(t *testing.T, m fstest.MapFS) { m[StaffFile].Data = []byte("\xff\xfeS\x00c\x00") },
			[]want{{"error encoding 1 ", "UTF-16"}}},
		{"section without enrollments", func(t *testing.T, m fstest.MapFS) { edit(t, m, EnrollmentsFile, "sch-200,sec-3,stu-3\n", "") },
			[]want{{"warning dangling-ref 4 Section_id", "no student is enrolled"}}},
		{"unquoted comma", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "Rosa Lopez", "Lopez, Rosa") },
			[]want{{"error ragged-row 2 ", "quotes"}}},
		{"spreadsheet-damaged ID", func(t *testing.T, m fstest.MapFS) { edit(t, m, StudentsFile, "stu-3,2001", "stu-3,2.001E+03") },
			[]want{{"error excel-damage 5 Student_number", "scientific"}}},
		{"formula", func(t *testing.T, m fstest.MapFS) { edit(t, m, TeachersFile, "Maria,,Garcia", "Maria,,=Garcia") },
			[]want{{"warning formula 2 Last_name", "formula"}}},
		{"empty file", func(t *testing.T, m fstest.MapFS) { m[EnrollmentsFile].Data = nil },
			[]want{
				{"error empty-file 0 ", "header row"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := example(t)
			tt.edit(t, m)
			_, _, probs := formattest.Read(t, Format{}, m, format.Options{})
			formattest.CheckProblems(t, probs, tt.want)
		})
	}
}

func TestDetect(t *testing.T) {
	if got := (Format{}).Detect(example(t)); got != format.HeaderMatch {
		t.Fatalf("the example is detected as %v", got)
	}
	reg := format.NewRegistry(oneroster.New(), New())
	f, err := reg.Detect(example(t))
	if err != nil || f.Name() != Name {
		t.Fatalf("registry detects %v, %v", f, err)
	}
	f, err = reg.Detect(dirFS(t, filepath.Join("..", "..", "examples", "oneroster")))
	if err != nil || f.Name() != "oneroster" {
		t.Fatalf("a OneRoster package is detected as %v, %v", f, err)
	}
}

// write writes r with the Clever writer and returns the files and every problem reported.
func write(t *testing.T, r *roster.Roster) (fstest.MapFS, []roster.Problem) {
	t.Helper()
	dst := formattest.MemDest{}
	var probs []roster.Problem
	if err := (Format{}).Write(context.Background(), dst, r, format.Options{}, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })); err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for name, b := range dst {
		m[name] = &fstest.MapFile{Data: b.Bytes(), Mode: 0o600}
	}
	return m, probs
}

func TestRoundTripClever(t *testing.T) {
	_, coll, _ := formattest.Read(t, Format{}, example(t), format.Options{})
	out, probs := write(t, &coll.Roster)
	for _, p := range probs {
		t.Errorf("writing a Clever upload read back reports %s: %s", formattest.Key(p), p.Message)
	}
	_, again, probs := formattest.Read(t, Format{}, out, format.Options{})
	formattest.CheckProblems(t, probs, nil)
	a, b := coll.Roster, again.Roster
	if len(a.Users) != len(b.Users) || len(a.Enrollments) != len(b.Enrollments) || len(a.Classes) != len(b.Classes) || len(a.Orgs) != len(b.Orgs) {
		t.Fatalf("round trip: %d/%d users, %d/%d enrollments, %d/%d classes, %d/%d orgs",
			len(a.Users), len(b.Users), len(a.Enrollments), len(b.Enrollments), len(a.Classes), len(b.Classes), len(a.Orgs), len(b.Orgs))
	}
	byID := map[string]roster.User{}
	for _, u := range b.Users {
		byID[u.SourcedID] = u
	}
	for _, u := range a.Users {
		v := byID[u.SourcedID]
		if u.GivenName != v.GivenName || u.Email != v.Email || u.Role != v.Role || !slices.Equal(u.OrgIDs, v.OrgIDs) ||
			!slices.Equal(u.Grades, v.Grades) || !slices.Equal(u.Metadata, v.Metadata) {
			t.Errorf("user %s changed:\n%+v\n%+v", u.SourcedID, u, v)
		}
	}
	if !reflect.DeepEqual(a.Demographics, b.Demographics) {
		t.Errorf("demographics changed:\n%+v\n%+v", a.Demographics, b.Demographics)
	}
}

type pair struct{ class, user, role string }

func enrollmentSet(r *roster.Roster) map[pair]bool {
	out := map[pair]bool{}
	for _, e := range r.Enrollments {
		out[pair{e.ClassID, e.UserID, e.Role}] = true
	}
	return out
}

// A OneRoster package written as Clever and read back keeps every student and teacher
// enrollment of the classes Clever can hold (classes with students), and every user of the
// roles it holds, an administrator of the district as a staff row.
func TestRoundTripFromOneRoster(t *testing.T) {
	src := dirFS(t, filepath.Join("..", "..", "examples", "oneroster"))
	_, coll, probs := formattest.Read(t, oneroster.New(), src, format.Options{})
	formattest.CheckProblems(t, probs, nil)
	out, probs := write(t, &coll.Roster)
	for _, p := range probs {
		if p.Severity == roster.Error {
			t.Errorf("writing reports %s: %s", formattest.Key(p), p.Message)
		}
	}
	_, back, probs := formattest.Read(t, Format{}, out, format.Options{})
	formattest.CheckProblems(t, probs, nil)
	r := &coll.Roster
	withStudents := map[string]bool{}
	role := map[string]string{}
	for _, u := range r.Users {
		role[u.SourcedID] = u.Role
	}
	for _, e := range r.Enrollments {
		if e.Role == "student" && role[e.UserID] == "student" {
			withStudents[e.ClassID] = true
		}
	}
	got := enrollmentSet(&back.Roster)
	kept := 0
	for _, e := range r.Enrollments {
		if !withStudents[e.ClassID] || (e.Role != "student" && e.Role != "teacher") || role[e.UserID] != e.Role {
			continue
		}
		kept++
		if !got[pair{e.ClassID, e.UserID, e.Role}] {
			t.Errorf("enrollment %s (%s in %s as %s) is lost", e.SourcedID, e.UserID, e.ClassID, e.Role)
		}
	}
	if kept == 0 || len(got) != kept {
		t.Errorf("%d enrollments read back, %d expected", len(got), kept)
	}
	backRole := map[string]string{}
	for _, u := range back.Roster.Users {
		backRole[u.SourcedID] = u.Role
	}
	admins := 0
	for id, rl := range role {
		switch rl {
		case "student", "teacher", "administrator":
			if backRole[id] != rl {
				t.Errorf("user %s (%s) read back as %q", id, rl, backRole[id])
			}
			if rl == "administrator" {
				admins++
			}
		}
	}
	if admins == 0 {
		t.Fatal("the example has no administrator to map to staff.csv")
	}
	if !strings.Contains(string(out[StaffFile].Data), DistrictOffice) {
		t.Errorf("a district administrator is not a DEFAULT_DISTRICT_OFFICE staff row:\n%s", out[StaffFile].Data)
	}
}

// FuzzRead reads arbitrary bytes as each file of the example: problems, never a panic.
func FuzzRead(f *testing.F) {
	m := example(f)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		f.Add(uint8(i), m[n].Data)
	}
	f.Add(uint8(0), []byte("School_id,School_id\n\"x\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fsys := fstest.MapFS{}
		for n, file := range m {
			fsys[n] = &fstest.MapFile{Data: file.Data, Mode: file.Mode}
		}
		fsys[names[int(which)%len(names)]].Data = data
		var coll roster.Collector
		if _, err := (Format{}).Read(context.Background(), fsys, format.Options{Ragged: which&0x80 != 0}, &coll, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
			t.Logf("error: %v", err)
		}
	})
}

// What Clever has no place for is counted by reason; a row Clever would refuse is an error
// and is not written, and nothing that depends on it dangles.
func TestWriteLossyAndRefused(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "d", Name: "District", Type: "district"},
			{SourcedID: "s", Name: "School", Type: "school"},
		},
		Users: []roster.User{
			{SourcedID: "stu", Role: "student", GivenName: "A", FamilyName: "B", OrgIDs: []string{"s"}, Grades: []string{"KG"}},
			{SourcedID: "lost", Role: "student", GivenName: "C", FamilyName: "D", OrgIDs: []string{"d"}},
			{SourcedID: "tch", Role: "teacher", GivenName: "E", FamilyName: "F", OrgIDs: []string{"s"}},
			{SourcedID: "adm", Role: "administrator", GivenName: "G", FamilyName: "H", Email: "g@x.org", OrgIDs: []string{"d"}},
			{SourcedID: "par", Role: "parent", GivenName: "I", FamilyName: "J"},
		},
		Classes: []roster.Class{
			{SourcedID: "c1", Title: "One", SchoolID: "s"},
			{SourcedID: "c2", Title: "Empty", SchoolID: "s"},
		},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "c1", UserID: "stu", Role: "student"},
			{SourcedID: "e2", ClassID: "c1", UserID: "tch", Role: "teacher", Primary: "true"},
			{SourcedID: "e3", ClassID: "c1", UserID: "lost", Role: "student"},
			{SourcedID: "e4", ClassID: "c2", UserID: "tch", Role: "teacher"},
		},
	}
	out, probs := write(t, r)
	var errs, lossy []string
	for _, p := range probs {
		switch p.Code {
		case roster.CodeLossy:
			lossy = append(lossy, p.File+": "+p.Message)
		default:
			errs = append(errs, p.File+" "+p.Code+": "+p.Message)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], `student "lost"`) || !strings.Contains(errs[0], "missing-required") {
		t.Errorf("errors: %q", errs)
	}
	for _, want := range []string{
		`org of type "district" not written`,
		`role "parent" not written`,
		"class without students not written",
		"student enrollment not written: its class or student is not written",
		"enrollment sourcedId not written",
	} {
		if !slices.ContainsFunc(lossy, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("no lossy %q in %q", want, lossy)
		}
	}
	_, back, probs := formattest.Read(t, Format{}, out, format.Options{})
	formattest.CheckProblems(t, probs, nil)
	if len(back.Roster.Classes) != 1 || len(back.Roster.Enrollments) != 2 {
		t.Fatalf("read back %d classes, %d enrollments", len(back.Roster.Classes), len(back.Roster.Enrollments))
	}
	if !strings.Contains(string(out[StaffFile].Data), "DEFAULT_DISTRICT_OFFICE,adm,") {
		t.Errorf("staff.csv:\n%s", out[StaffFile].Data)
	}
}

func TestLenientDates(t *testing.T) {
	m := example(t)
	edit(t, m, SectionsFile, "Year,08/15/2026", "Year,8/15/2026")
	_, _, probs := formattest.Read(t, Format{}, m, format.Options{})
	formattest.CheckProblems(t, probs, []want{{"error bad-date 2 Term_start", "MM/DD/YYYY"}})
	_, _, probs = formattest.Read(t, Format{}, m, format.Options{}.WithSettings(Name, Settings{LenientDates: true}))
	formattest.CheckProblems(t, probs, nil)
}

// With format.Options.Ragged (as diff reads), a ragged row is still read when its key, its
// file's ID column, can be told (the first cell of schools.csv): nothing that refers to it
// dangles.
func TestRaggedRowKept(t *testing.T) {
	m := example(t)
	edit(t, m, SchoolsFile, `"12 Oak Street, Building A"`, `12 Oak Street, Building A`)
	_, coll, probs := formattest.Read(t, Format{}, m, format.Options{Ragged: true})
	formattest.CheckProblems(t, probs, []want{
		{"error ragged-row 2 ", "14 cells"},
		// The cells past the comma are one column off, and checked where they are.
		{"error bad-enum 2 School_phone", "90210"},
		{"error bad-enum 2 School_state", "Springfield"},
		{"error bad-enum 2 School_zip", "CA"},
	})
	if len(coll.Roster.Orgs) != 3 {
		t.Fatalf("read %d orgs, want the 2 schools and the district office", len(coll.Roster.Orgs))
	}
}

// The terms and courses a Clever upload makes from section columns get IDs other formats
// accept: a Clever upload converts to a OneRoster package that validates clean.
func TestMadeIDsConvertToOneRoster(t *testing.T) {
	src := dirFS(t, filepath.Join("..", "..", "examples", "oneroster")) // terms named "Fall 2026"
	_, orig, _ := formattest.Read(t, oneroster.New(), src, format.Options{})
	cl, _ := write(t, &orig.Roster)
	_, coll, _ := formattest.Read(t, Format{}, cl, format.Options{})
	dst := formattest.MemDest{}
	if err := oneroster.New().Write(context.Background(), dst, &coll.Roster, format.Options{}, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
		t.Fatal(err)
	}
	out := dst.FS()
	_, _, probs := formattest.Read(t, oneroster.New(), out, format.Options{})
	for _, p := range probs {
		if p.Severity == roster.Error {
			t.Errorf("%s:%d: %s %s: %s", p.File, p.Line, p.Code, p.Column, p.Message)
		}
	}
}

// A student enrolled twice in one class (two terms with other dates in OneRoster) is written
// once: Clever has one row per section and student, and a second is a duplicate it refuses.
func TestWriteEnrollmentOncePerSectionAndStudent(t *testing.T) {
	src := dirFS(t, filepath.Join("..", "..", "examples", "oneroster"))
	_, coll, _ := formattest.Read(t, oneroster.New(), src, format.Options{})
	r := &coll.Roster
	var twice roster.Enrollment
	for _, e := range r.Enrollments {
		if e.Role == "student" {
			twice = e
			break
		}
	}
	twice.SourcedID += "-spring"
	r.Enrollments = append(r.Enrollments, twice)
	out, probs := write(t, r)
	found := false
	for _, p := range probs {
		if strings.Contains(p.Message, "already in not written") {
			found = true
		}
	}
	if !found {
		t.Errorf("the second enrollment was not counted as not written: %v", probs)
	}
	_, _, probs = formattest.Read(t, Format{}, out, format.Options{})
	for _, p := range probs {
		if p.Code == "duplicate-id" {
			t.Errorf("the written upload has a duplicate: %s:%d %s", p.File, p.Line, p.Message)
		}
	}
}

// A file named in another case beside the right one (Students.csv beside students.csv) is not
// read and is named as such: the right file is read.
func TestCaseVariantBesideTheFile(t *testing.T) {
	m := example(t)
	m["Students.csv"] = &fstest.MapFile{Data: []byte("School_id,Student_id,Last_name,First_name\nsch-100,evil,X,Y\n")}
	_, coll, probs := formattest.Read(t, Format{}, m, format.Options{})
	formattest.CheckProblems(t, probs, []want{{"error missing-file 0 ", "Students.csv is not read"}})
	for _, u := range coll.Roster.Users {
		if u.SourcedID == "evil" {
			t.Fatal("the wrongly named Students.csv was read")
		}
	}
}

// Every enrollment written whose sourcedId is not the one Clever's is read back as (section
// and student, or section and teacher) is counted as losing it, teachers' included: the
// example's 156 enrollments (148 of students, 8 of teachers) all have IDs of their own.
func TestWriteCountsEveryEnrollmentIDLost(t *testing.T) {
	src := dirFS(t, filepath.Join("..", "..", "examples", "oneroster"))
	_, coll, _ := formattest.Read(t, oneroster.New(), src, format.Options{})
	r := &coll.Roster
	_, probs := write(t, r)
	want := fmt.Sprintf("%d × %s", len(r.Enrollments), enrollmentIDLost)
	found := false
	for _, p := range probs {
		found = found || p.Message == want
	}
	if !found {
		t.Errorf("no %q among %v", want, probs)
	}
}

// A bad DOB is told in plain words for what is wrong with it (year first, a missing leading
// zero, no such day, anything else), never showing the date, and with an example that is a
// real MM/DD/YYYY date whose day cannot be taken for a month (03/14/2012), so the order reads
// at a glance. The term dates, not personal data, show their value.
func TestDateMessages(t *testing.T) {
	exampleDate := regexp.MustCompile(`\b\d{1,2}/\d{1,2}/\d{4}\b`)
	for _, tc := range []struct {
		dob       string
		says, not []string
	}{
		// Year first and no such day either way: rewriting it month first does not make it a date.
		{"2010-13-45", []string{"year first", "month first, MM/DD/YYYY", "no such date"}, nil},
		{"2010-03-14", []string{"year first", "month first, MM/DD/YYYY"}, []string{"no such date"}},
		// The day-first advice only where the value is a real date read day first.
		{"13/45/2010", []string{"no such date", "month first", "01 to 12"}, []string{"day first"}},
		{"02/30/2011", []string{"no such date", "month first"}, []string{"day first"}},
		{"14/03/2012", []string{"no such date", "month first", "day first"}, nil},
		{"1/2/2010", []string{"leading zero", "--clever-lenient-dates"}, nil},
		{"March 4 2010", []string{"not a date written MM/DD/YYYY, month first"}, nil},
	} {
		m := example(t)
		f := m[StudentsFile]
		f.Data = bytes.ReplaceAll(f.Data, []byte(",03/14/2021,"), []byte(","+tc.dob+","))
		_, _, probs := formattest.Read(t, Format{}, m, format.Options{})
		// Lines 2 and 3 are one student (a second contact), both with the date.
		formattest.CheckProblems(t, probs, []want{{"error bad-date 2 DOB", "DOB"}, {"error bad-date 3 DOB", "DOB"}})
		msg := probs[0].Message
		for _, s := range tc.says {
			if !strings.Contains(msg, s) {
				t.Errorf("DOB %s: the message does not say %q: %s", tc.dob, s, msg)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(msg, s) {
				t.Errorf("DOB %s: the message says %q: %s", tc.dob, s, msg)
			}
		}
		if strings.Contains(msg, tc.dob) || strings.Contains(msg, "2010") || strings.Contains(msg, "2011") || strings.Contains(msg, "14/03") {
			t.Errorf("DOB %s: the message shows the birth date: %s", tc.dob, msg)
		}
		ex := exampleDate.FindAllString(msg, -1)
		if len(ex) == 0 {
			t.Errorf("DOB %s: no example date in: %s", tc.dob, msg)
		}
		for _, e := range ex {
			if mo, d, _, _ := splitDate(e, false); !validDate(e, false) || d <= 12 || mo > 12 {
				t.Errorf("DOB %s: the example %s is not a real MM/DD/YYYY date whose day reads as a day: %s", tc.dob, e, msg)
			}
		}
	}
	m := example(t)
	edit(t, m, SectionsFile, "Year,08/15/2026", "Year,2026-08-15")
	_, _, probs := formattest.Read(t, Format{}, m, format.Options{})
	formattest.CheckProblems(t, probs, []want{{"error bad-date 2 Term_start", `Term_start "2026-08-15" is written year first`}})
}

// A student of several races is written with Race M: which races they were is lost, and
// counted as such (a student marked two-or-more alone loses nothing).
func TestWriteCountsRacesLost(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s1", Name: "Lincoln", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "u1", Role: "student", GivenName: "A", FamilyName: "B", OrgIDs: []string{"s1"}},
			{SourcedID: "u2", Role: "student", GivenName: "C", FamilyName: "D", OrgIDs: []string{"s1"}},
			{SourcedID: "u3", Role: "student", GivenName: "E", FamilyName: "F", OrgIDs: []string{"s1"}},
		},
		Demographics: []roster.Demographics{
			{SourcedID: "u1", White: "true", Asian: "true"},
			{SourcedID: "u2", DemographicRaceTwoOrMoreRaces: "true"},
			{SourcedID: "u3", White: "true", DemographicRaceTwoOrMoreRaces: "true"},
		},
	}
	dst, probs := write(t, r)
	if got := strings.Count(string(dst[StudentsFile].Data), ",M,"); got != 3 {
		t.Errorf("%d students written with Race M, want 3:\n%s", got, dst[StudentsFile].Data)
	}
	want := "2 × " + raceLost
	found := false
	for _, p := range probs {
		found = found || p.Message == want
	}
	if !found {
		t.Errorf("no %q among %v", want, probs)
	}
}
