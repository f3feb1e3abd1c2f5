package sds

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// edit is one change to examples/sds: the file's text with old replaced by new (new "" and old
// "" deletes the file).
type edit struct{ file, old, new string }

func edited(t testing.TB, edits ...edit) fstest.MapFS {
	t.Helper()
	fsys := dirFS(t, filepath.Join("..", "..", "examples", "sds"))
	for _, e := range edits {
		f, ok := fsys[e.file]
		switch {
		case e.old == "" && e.new == "":
			delete(fsys, e.file)
			continue
		case !ok:
			fsys[e.file] = &fstest.MapFile{Data: []byte(e.new)}
			continue
		}
		s := string(f.Data)
		if !strings.Contains(s, e.old) {
			t.Fatalf("%s does not hold %q", e.file, e.old)
		}
		fsys[e.file] = &fstest.MapFile{Data: []byte(strings.Replace(s, e.old, e.new, 1))}
	}
	return fsys
}

// rename moves a file of fsys to another name.
func rename(fsys fstest.MapFS, from, to string) fstest.MapFS {
	fsys[to] = fsys[from]
	delete(fsys, from)
	return fsys
}

// Every rule of README "SDS v2.1" with a case that breaks it: exactly the problems listed.
func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []edit
		fsys  func(fstest.MapFS) fstest.MapFS
		want  []formattest.Want
	}{
		{name: "roles.csv is required", edits: []edit{{file: "roles.csv"}},
			want: []formattest.Want{{"error missing-file 0 ", "orgs.csv, users.csv and roles.csv"}}},
		{name: "classes.csv without enrollments.csv", edits: []edit{{file: "enrollments.csv"}},
			want: []formattest.Want{{"error missing-file 0 ", "classes.csv and enrollments.csv together"}}},
		{name: "sessions referred to but absent", edits: []edit{{file: "academicSessions.csv"}},
			want: []formattest.Want{{"error missing-file 0 ", "courses.csv refers to it in schoolYearSourcedId (line 2)"}}},
		{name: "file name in another case", fsys: func(f fstest.MapFS) fstest.MapFS { return rename(f, "userFlags.csv", "UserFlags.csv") },
			want: []formattest.Want{{"error missing-file 0 ", "file names are case-sensitive, rename it userFlags.csv"}}},
		{name: "files that are not SDS's are not read", fsys: func(f fstest.MapFS) fstest.MapFS {
			f["notes.txt"] = &fstest.MapFile{Data: []byte("hello\n")}
			f["Sections.csv"] = &fstest.MapFile{Data: []byte("a,b\n1,2\n")}
			return f
		},
			want: []formattest.Want{{"info missing-file 0 ", "not read, as no SDS v2.1 file is so named: Sections.csv, notes.txt"}}},
		{name: "a Clever upload beside the SDS files is named", fsys: func(f fstest.MapFS) fstest.MapFS {
			for _, n := range []string{"schools.csv", "students.csv", "teachers.csv", "sections.csv"} {
				f[n] = &fstest.MapFile{Data: []byte("School_id,School_name\nsch1,Lincoln\n")}
			}
			return f
		},
			want: []formattest.Want{{"warning missing-file 0 ", "schools.csv, sections.csv, students.csv and teachers.csv are a Clever upload's files, not read: this input is read as SDS (give --format clever to read it as Clever, or keep the two in separate folders)"}}},
		{name: "a file beside one of its name in another case", fsys: func(f fstest.MapFS) fstest.MapFS {
			f["Users.csv"] = f["users.csv"]
			return f
		},
			want: []formattest.Want{{"warning missing-file 0 ", "Users.csv is not read: it is users.csv in another case, and users.csv is read (remove one of them: on Windows and macOS they are one file)"}}},
		{name: "a user who is their own contact", edits: []edit{{"relationships.csv", "stu1,grd1,guardian\r\n", "stu1,grd1,guardian\r\nstu2,stu2,parent\r\n"}},
			want: []formattest.Want{{"error dangling-ref 3 relationshipUserSourcedId", `"stu2" is the user of the row: a contact is another user`}}},
		{name: "header in another case", edits: []edit{{"users.csv", "sourcedId,username", "SourcedId,username"}},
			want: []formattest.Want{{"error header 1 SourcedId", "header names are case-sensitive"}}},
		{name: "roles.csv's sessionSourcedId is singular", edits: []edit{{"roles.csv", "sessionSourcedId", "sessionSourcedIds"}},
			want: []formattest.Want{{"error header 1 sessionSourcedIds", `expected "sessionSourcedId"`}}},
		{name: "required header missing", edits: []edit{{"orgs.csv", "sourcedId,name,type,parentSourcedId\r\n", "sourcedId,name,parentSourcedId\r\n"}, {"orgs.csv", ",district,", ","}, {"orgs.csv", ",school,", ","}},
			want: []formattest.Want{{"error header 1 type", `missing column "type"`}}},
		{name: "unknown column is a warning", edits: []edit{{"orgs.csv", "parentSourcedId\r\n", "parentSourcedId,status\r\n"}, {"orgs.csv", "district,\r\n", "district,,\r\n"}, {"orgs.csv", "district1\r\n", "district1,\r\n"}},
			want: []formattest.Want{{"warning header 1 status", "not an SDS v2.1 column"}}},
		{name: "blank required value", edits: []edit{{"classes.csv", "Mathematics 4 - Section 1", ""}},
			want: []formattest.Want{{"error missing-required 2 title", "title is blank"}}},
		{name: "role outside the vocabulary", edits: []edit{{"roles.csv", "tch1,sch1,teacher", "tch1,sch1,educator"}},
			want: []formattest.Want{{"error bad-enum 5 role", `role "educator" is not an SDS value`}}},
		{name: "values match ignoring case", edits: []edit{{"roles.csv", "tch1,sch1,teacher", "tch1,sch1,Teacher"}, {"orgs.csv", ",school,", ",School,"}, {"roles.csv", "04,true", "04,TRUE"}}},
		{name: "org type outside the vocabulary", edits: []edit{{"orgs.csv", ",school,", ",campusx,"}},
			want: []formattest.Want{{"error bad-enum 3 type", "Default List of Values"}}},
		{name: "session type outside the vocabulary", edits: []edit{{"academicSessions.csv", ",semester,", ",trimester,"}},
			want: []formattest.Want{{"error bad-enum 3 type", "one of gradingPeriod, quarter, schoolYear, semester, term"}}},
		{name: "grade outside the list", edits: []edit{{"courses.csv", ",04\r\n", ",Grade 4\r\n"}},
			want: []formattest.Want{{"error bad-grade 2 grade", "default grade list"}}},
		{name: "date not YYYY-MM-DD", edits: []edit{{"roles.csv", "2026-08-01", "08/01/2026"}},
			want: []formattest.Want{{"error bad-date 2 roleStartDate", "YYYY-MM-DD"}}},
		{name: "birth date not shown", edits: []edit{{"demographics.csv", "2016-07-23", "7/23/2016"}},
			want: []formattest.Want{{"error bad-date 2 birthDate", "birthDate (value not shown: personal data) is not a date written YYYY-MM-DD"}}},
		{name: "school year not YYYY", edits: []edit{{"academicSessions.csv", ",2027,2026-08-01,2027", ",26-27,2026-08-01,2027"}},
			want: []formattest.Want{{"error bad-date 2 schoolYear", "YYYY"}}},
		{name: "end before start", edits: []edit{{"academicSessions.csv", "2026-08-01,2026-12-31", "2026-08-01,2026-07-31"}},
			want: []formattest.Want{{"error bad-date 3 endDate", "endDate 2026-07-31 is before startDate 2026-08-01"}}},
		{name: "role end before its start", edits: []edit{{"roles.csv", "tch1,sch1,teacher,sy2026,,true,2026-08-01,2027-06-30", "tch1,sch1,teacher,sy2026,,true,2026-08-01,2025-06-30"}},
			want: []formattest.Want{{"error bad-date 5 roleEndDate", "is before roleStartDate"}}},
		{name: "boolean other than true or false", edits: []edit{{"roles.csv", "04,true", "04,yes"}},
			want: []formattest.Want{{"error bad-boolean 2 isPrimary", "true or false"}}},
		{name: "username without a domain", edits: []edit{{"users.csv", "stu3,ethan.wright@example.org", "stu3,ethan.wright"}},
			want: []formattest.Want{{"error bad-id 4 username", "name@domain"}}},
		{name: "username repeated ignoring case", edits: []edit{{"users.csv", "stu3,ethan.wright@example.org", "stu3,Nadia.Ramirez@example.org"}},
			want: []formattest.Want{{"error duplicate-id 4 username", "also on line 2"}}},
		{name: "bad e-mail", edits: []edit{{"users.csv", ",maria.lopez@example.org,+1", ",maria.lopez.example.org,+1"}},
			want: []formattest.Want{{"error bad-email 5 email", "has no @"}}},
		{name: "sourcedId repeated", edits: []edit{{"classes.csv", "cls2,", "cls1,"}, {"enrollments.csv", "cls2,stu3", "cls1,stu3"}, {"enrollments.csv", "cls2,tch1", "cls1,tch3"}},
			want: []formattest.Want{{"error duplicate-id 3 sourcedId", `sourcedId "cls1" is also on line 2`}, {"error dangling-ref 6 userSourcedId", `"tch3" is not a sourcedId in users.csv`}}},
		{name: "enrollment repeated", edits: []edit{{"enrollments.csv", "cls2,stu3,student", "cls1,stu2,student"}},
			want: []formattest.Want{{"error duplicate-id 5 classSourcedId", "repeats line 3"}}},
		{name: "enrollment in a class not there", edits: []edit{{"enrollments.csv", "cls2,stu3", "cls9,stu3"}},
			want: []formattest.Want{{"error dangling-ref 5 classSourcedId", `"cls9" is not a sourcedId in classes.csv`}}},
		{name: "a session of the list not there", edits: []edit{{"classes.csv", `"sy2026,sem1"`, `"sy2026,sem2"`}},
			want: []formattest.Want{{"error dangling-ref 3 sessionSourcedIds", `"sem2"`}}},
		{name: "spaces in a list", edits: []edit{{"classes.csv", `"sy2026,sem1"`, `"sy2026, sem1"`}},
			want: []formattest.Want{{"error bad-list 3 sessionSourcedIds", "spaces around an item"}}},
		{name: "unquoted list", edits: []edit{{"classes.csv", `"sy2026,sem1"`, `sy2026,sem1`}},
			want: []formattest.Want{{"error ragged-row 3 ", "must be quoted"}}},
		{name: "line break inside a quoted value", edits: []edit{{"classes.csv", "Mathematics 4 - Section 2", "\"Mathematics 4\r\nSection 2\""}},
			want: []formattest.Want{{"error parse 3 ", "line break"}}},
		{name: "org parents in a cycle", edits: []edit{{"orgs.csv", "district,\r\n", "district,sch1\r\n"}},
			want: []formattest.Want{{"error dangling-ref 2 parentSourcedId", "cycle"}, {"error dangling-ref 3 parentSourcedId", "cycle"}}},
		{name: "a contact without an e-mail", edits: []edit{{"users.csv", ",ana.ramirez@example.net,+1", ",,+1"}},
			want: []formattest.Want{{"error missing-required 2 relationshipUserSourcedId", "requires all three for a contact"}}},
		{name: "a user with no role who is no contact", edits: []edit{{"relationships.csv", "stu1,grd1,guardian\r\n", ""}},
			want: []formattest.Want{{"warning missing-required 6 sourcedId", "1 user has no row in roles.csv"}}},
		{name: "unknown user flag is a warning", edits: []edit{{"userFlags.csv", "freeLunch", "lunchFree"}},
			want: []formattest.Want{{"warning bad-enum 2 flag", "not an SDS value"}}},
		{name: "race code outside the vocabulary", edits: []edit{{"demographics.csv", `"asian,white"`, `"asian,Caucasian"`}},
			want: []formattest.Want{{"error bad-enum 3 raceCodes", `item "Caucasian"`}}},
		{name: "contact relationship role", edits: []edit{{"relationships.csv", ",guardian", ",mother"}},
			want: []formattest.Want{{"error bad-enum 2 relationshipRole", "one of aide, doctor, guardian, other, parent, relative"}}},
		{name: "one file alone", fsys: func(f fstest.MapFS) fstest.MapFS { return fstest.MapFS{"classes.csv": f["classes.csv"]} },
			want: []formattest.Want{{"warning missing-file 0 ", "only the rules of the file given"}, {"warning missing-file 0 ", "only the rules"}, {"warning missing-file 0 ", "only the rules"}}},
		{name: "header only file is fine", edits: []edit{{"userFlags.csv", "stu2,freeLunch\r\n", ""}}},
		{name: "zero-byte file", edits: []edit{{"userFlags.csv", "userSourcedId,flag\r\nstu2,freeLunch\r\n", ""}},
			want: []formattest.Want{{"error empty-file 0 ", "at least its header row"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := edited(t, tc.edits...)
			if tc.fsys != nil {
				fsys = tc.fsys(fsys)
			}
			_, _, probs := formattest.Read(t, New(), fsys, format.Options{})
			formattest.CheckProblems(t, probs, tc.want)
		})
	}
}
