package oneroster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

func read(t *testing.T, fsys fs.FS, opts format.Options, sink roster.Sink) (format.Info, []roster.Problem) {
	t.Helper()
	var probs roster.Problems
	info, err := New().Read(context.Background(), fsys, opts, sink, &probs)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return info, probs.List()
}

func key(p roster.Problem) string {
	return fmt.Sprintf("%s:%d %s %s [%s]", p.File, p.Line, p.Severity, p.Code, p.Column)
}

func keys(ps []roster.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = key(p)
	}
	return out
}

// wantKeys fails unless the problems' keys are want, in order.
func wantKeys(t *testing.T, probs []roster.Problem, want ...string) {
	t.Helper()
	if got := keys(probs); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The public LMS-Toolkit samples, with the deviations SOURCE.txt lists.
func TestLMSToolkitV11(t *testing.T) {
	info, probs := read(t, os.DirFS("testdata/lms-toolkit/v1p1-sample"), format.Options{}, roster.Discard{})
	if info.Version != "1.1" {
		t.Errorf("version %q, want 1.1", info.Version)
	}
	wantKeys(t, probs,
		"manifest.csv:2 warning excel-damage [value]",
		"users.csv:10 error ragged-row []",
		"users.csv:11 error ragged-row []",
	)
}

func TestLMSToolkitV10(t *testing.T) {
	coll := &roster.Collector{}
	info, probs := read(t, os.DirFS("testdata/lms-toolkit/v1p0-sample"), format.Options{}, coll)
	if info.Version != "1.0" {
		t.Errorf("version %q, want 1.0 (from the headers)", info.Version)
	}
	codes := map[string]int{}
	for _, p := range probs {
		codes[p.Code]++
		if p.Code == roster.CodeHeader {
			t.Errorf("1.0 headers judged as 1.1: %s", p.Message)
		}
	}
	if codes[roster.CodeBadBoolean] == 0 || codes[roster.CodeBadEnum] == 0 {
		t.Errorf("want bad-boolean (TRUE) and bad-enum (Female) problems, got %v", codes)
	}
	if len(coll.Roster.Users) != 10 || len(coll.Roster.Enrollments) == 0 {
		t.Fatalf("read %d users, %d enrollments", len(coll.Roster.Users), len(coll.Roster.Enrollments))
	}
	// 1.0 column names land in the canonical fields.
	if c := coll.Roster.Classes[0]; len(c.TermIDs) == 0 {
		t.Errorf("1.0 termSourcedId not mapped: %+v", c)
	}
}

// pkgFS is the shipped example package as a MapFS, so each case can damage one file.
func pkgFS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	entries, err := os.ReadDir("../../examples/oneroster")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile("../../examples/oneroster/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = &fstest.MapFile{Data: b}
	}
	return m
}

func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	s := string(m[file].Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s has no %q", file, old)
	}
	m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, m fstest.MapFS)
		want   string // key of the one problem expected
		msg    string // part of its message
	}{
		{"clean", func(*testing.T, fstest.MapFS) {}, "", ""},
		{"wrong case header", func(t *testing.T, m fstest.MapFS) { edit(t, m, "users.csv", "givenName", "GivenName") },
			"users.csv:1 error header [GivenName]", "givenName"},
		{"misordered header", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "orgs.csv", "name,type", "type,name")
			edit(t, m, "orgs.csv", "Unified School District,district", "district,Unified School District")
		}, "orgs.csv:1 error header", "order"},
		{"metadata not last", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "orgs.csv", "sourcedId,status", "sourcedId,metadata.x,status")
			for _, id := range []string{"district1,", "sch0,", "sch1,"} {
				edit(t, m, "orgs.csv", "\n"+id, "\n"+id+"x,")
			}
		}, "orgs.csv:1 error header [metadata.x]", ""},
		{"metadata last is fine", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "orgs.csv", "parentSourcedId\n", "parentSourcedId,metadata.region\n")
			edit(t, m, "orgs.csv", "0600001,\n", "0600001,,north\n")
			edit(t, m, "orgs.csv", "district1\n", "district1,south\n")
			edit(t, m, "orgs.csv", "district1\n", "district1,east\n")
		}, "", ""},
		{"bad enum case", func(t *testing.T, m fstest.MapFS) { edit(t, m, "orgs.csv", ",school,", ",School,") },
			"orgs.csv:3 error bad-enum [type]", `write "school"`},
		{"bad date", func(t *testing.T, m fstest.MapFS) { edit(t, m, "academicSessions.csv", "2026-08-01", "8/1/2026") },
			"academicSessions.csv:2 error bad-date [startDate]", "YYYY-MM-DD"},
		{"bad guid", func(t *testing.T, m fstest.MapFS) { edit(t, m, "courses.csv", "\ncrs0,", "\ncrs 0,") },
			"courses.csv:2 error bad-id [sourcedId]", "character"},
		{"excel damage", func(t *testing.T, m fstest.MapFS) { edit(t, m, "courses.csv", "\ncrs0,", "\n1.02E+07,") },
			"courses.csv:2 error excel-damage [sourcedId]", "scientific"},
		{"trailing comma", func(t *testing.T, m fstest.MapFS) { edit(t, m, "users.csv", ",07,3U8VWTwtCZ\n", ",07,3U8VWTwtCZ,\n") },
			"users.csv:2 error ragged-row []", "the extra cell is empty (a trailing comma?)"},
		{"excel damage in a student number", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "users.csv", ",Ramirez,,1000000,", ",Ramirez,,1.00E+06,")
		}, "users.csv:2 error excel-damage [identifier]", "scientific"},
		{"userIds syntax", func(t *testing.T, m fstest.MapFS) { edit(t, m, "users.csv", "{SSID:1000000}", "SSID:1000000") },
			"users.csv:2 error bad-id [userIds]", "{type:id}"},
		{"empty list item", func(t *testing.T, m fstest.MapFS) { edit(t, m, "classes.csv", `"sem1,sem2"`, `"sem1,,sem2"`) },
			"classes.csv:2 error bad-list [termSourcedIds]", "empty item"},
		{"unquoted list", func(t *testing.T, m fstest.MapFS) { edit(t, m, "classes.csv", `"sem1,sem2"`, `sem1,sem2`) },
			"classes.csv:2 error ragged-row []", "quoted"},
		{"status in bulk", func(t *testing.T, m fstest.MapFS) { edit(t, m, "orgs.csv", "district1,,,", "district1,active,,") },
			"orgs.csv:2 error manifest [status]", "blank"},
		{"delta needs status", func(t *testing.T, m fstest.MapFS) { edit(t, m, "manifest.csv", "file.orgs,bulk", "file.orgs,delta") },
			"orgs.csv:2 error missing-required [status]", "delta"},
		{"school ref to a district", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "classes.csv", "Room 100,sch0,", "Room 100,district1,")
		}, "classes.csv:2 error dangling-ref [schoolSourcedId]", "not a school"},
		{"self reference", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "orgs.csv", "0600000010,district1", "0600000010,district9")
		},
			"orgs.csv:3 error dangling-ref [parentSourcedId]", `org "district9" is not in orgs.csv`},
		{"header only", func(t *testing.T, m fstest.MapFS) {
			s := string(m["demographics.csv"].Data)
			m["demographics.csv"] = &fstest.MapFile{Data: []byte(s[:strings.IndexByte(s, '\n')+1])}
		}, "demographics.csv:0 error empty-file []", "no rows"},
		{"absent but present", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "manifest.csv", "file.demographics,bulk", "file.demographics,absent")
		},
			"manifest.csv:10 error manifest [value]", "absent"},
		{"missing file", func(t *testing.T, m fstest.MapFS) {
			delete(m, "courses.csv")
			edit(t, m, "manifest.csv", "file.courses,bulk", "file.courses,absent")
		}, "courses.csv:0 error missing-file []", "classes.csv (bulk) refers to it"},
		{"duplicate enrollment", func(t *testing.T, m fstest.MapFS) {
			// enrollments.csv keeps no ID table (nothing refers to it): repeats are found after the
			// read and the file is read again for the ID to name.
			edit(t, m, "enrollments.csv", "\ncls0-stu00,,,cls0", "\ncls6-stu00,,,cls0")
		}, "enrollments.csv:3 error duplicate-id [sourcedId]", `sourcedId "cls6-stu00" is also on line 2`},
		{"duplicate of a ragged enrollment", func(t *testing.T, m fstest.MapFS) {
			// A ragged row's ID still counts as the first; the ragged row is not itself a duplicate.
			edit(t, m, "enrollments.csv", "\ncls0-stu00,,,cls0,sch0,stu00,student,false,", "\ncls6-stu00,,,cls0,sch0,stu00,student,false,x,")
		}, "enrollments.csv:3 error ragged-row []", ""},
		{"stray file", func(t *testing.T, m fstest.MapFS) { m["README.txt"] = &fstest.MapFile{Data: []byte("hi")} },
			"README.txt:0 info manifest []", "ignored"},
		{"password never shown", func(t *testing.T, m fstest.MapFS) {
			edit(t, m, "demographics.csv", "\nstu00,,,2013-07-23", "\nstu00,,,31/12/2013")
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pkgFS(t)
			tt.damage(t, m)
			_, probs := read(t, m, format.Options{}, roster.Discard{})
			if tt.name == "password never shown" {
				for _, p := range probs {
					if strings.Contains(p.Message, "31/12") {
						t.Errorf("a birth date is in a message: %s", p.Message)
					}
				}
				if len(probs) == 0 {
					t.Error("a bad birth date went unreported")
				}
				return
			}
			if tt.want == "" {
				if len(probs) > 0 {
					t.Fatalf("unexpected problems: %v", probs)
				}
				return
			}
			for _, p := range probs {
				if strings.HasPrefix(key(p), tt.want) && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("no %q with %q among:\n%s", tt.want, tt.msg, strings.Join(keysMsgs(probs), "\n"))
		})
	}
}

func keysMsgs(ps []roster.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = key(p) + " " + p.Message
	}
	return out
}

// Round trip: what the writer writes reads back clean and equal.
func TestWriteRoundTrip(t *testing.T) {
	coll := &roster.Collector{}
	_, probs := read(t, pkgFS(t), format.Options{}, coll)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	out := formattest.MemDest{}
	var lossy roster.Problems
	if err := New().Write(context.Background(), out, &coll.Roster, format.Options{}, &lossy); err != nil {
		t.Fatal(err)
	}
	m := out.FS()
	again := &roster.Collector{}
	if _, probs := read(t, m, format.Options{}, again); len(probs) > 0 {
		t.Fatalf("written package has problems: %v", probs)
	}
	if fmt.Sprint(again.Roster) != fmt.Sprint(coll.Roster) {
		t.Error("the roster read back differs from the one written")
	}
	src := pkgFS(t)
	for _, n := range []string{"users.csv", "classes.csv", "enrollments.csv"} {
		if string(m[n].Data) != string(src[n].Data) {
			t.Errorf("%s is not written byte for byte as the spec-clean input", n)
		}
	}
}

func TestCaptiRules(t *testing.T) {
	m := pkgFS(t)
	edit(t, m, "users.csv", ",student,", ",parent,")
	edit(t, m, "users.csv", ",07,", ",,")
	_, probs := read(t, m, format.Options{Vendor: "capti"}, roster.Discard{})
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, key(p)+" "+p.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"1 org of type district ignored", "with role parent ignored", "2 administrators become District Admin"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in:\n%s", want, all)
		}
	}
}

// Users Capti never reads (aides, guardians, parents, relatives) are not held to what Capti
// recommends for the users it reads; a student without an identifier still is.
func TestCaptiRulesSkipIgnoredUsers(t *testing.T) {
	m := pkgFS(t)
	edit(t, m, "users.csv", ",student,nadia.ramirez1000000,{SSID:1000000},Nadia,Ramirez,,1000000,nadia.ramirez1000000@example.org,",
		",guardian,nadia.ramirez1000000,,Nadia,Ramirez,,,,")
	recommends := func() []string {
		_, probs := read(t, m, format.Options{Vendor: "capti"}, roster.Discard{})
		var got []string
		for _, p := range probs {
			if strings.HasPrefix(p.Message, "Capti recommends") {
				got = append(got, fmt.Sprintf("%d %s", p.Line, p.Message))
			}
		}
		return got
	}
	if got := recommends(); len(got) != 0 {
		t.Errorf("a guardian is held to Capti's recommendations: %q", got)
	}
	edit(t, m, "users.csv", ",1000001,diego.yamamoto1000001@example.org,", ",,diego.yamamoto1000001@example.org,")
	if got := recommends(); len(got) != 1 || !strings.HasPrefix(got[0], "3 Capti recommends identifier: 1 user has no identifier") {
		t.Errorf("a student without an identifier: %q, want one warning on line 3", got)
	}
}

// A ragged row's ID is kept for later rows, but the ragged row is not reported as a duplicate
// of an earlier row (it has its own problem).
func TestRaggedRepeat(t *testing.T) {
	for _, file := range []string{"enrollments.csv", "users.csv"} { // a file without and with an ID table
		m := pkgFS(t)
		lines := strings.SplitAfter(string(m[file].Data), "\n")
		first := strings.TrimSuffix(lines[1], "\n")
		lines[2] = first + ",x\n"                                              // line 3 repeats line 2's ID, with one cell too many
		lines = append(lines[:4], append([]string{lines[2]}, lines[4:]...)...) // and line 5 again
		lines[4] = first + "\n"
		m[file] = &fstest.MapFile{Data: []byte(strings.Join(lines, ""))}
		_, probs := read(t, m, format.Options{}, roster.Discard{})
		var dups []string
		for _, p := range probs {
			if p.Code == roster.CodeDuplicateID {
				dups = append(dups, fmt.Sprintf("%d %s", p.Line, p.Message))
			}
		}
		id, _, _ := strings.Cut(first, ",")
		want := fmt.Sprintf("5 sourcedId %q is also on line 2: each sourcedId appears once", id)
		if len(dups) != 1 || dups[0] != want {
			t.Errorf("%s: duplicates %q, want only %q", file, dups, want)
		}
	}
}

// to12 rewrites the example package as OneRoster 1.2: users without role and orgs, which
// roles.csv carries (one primary role each; administrators become districtAdministrator).
func to12(t testing.TB, m fstest.MapFS) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(m["users.csv"].Data), "\n"), "\n")
	head := strings.Split(lines[0], ",")
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	cols := []string{"sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName",
		"familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
		"userMasterIdentifier", "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"}
	users := []string{strings.Join(cols, ",")}
	roles := []string{"sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId"}
	for _, l := range lines[1:] {
		r := strings.Split(l, ",") // the example has no quoted commas in users.csv
		var out []string
		for _, c := range cols {
			if j, ok := col[c]; ok {
				out = append(out, r[j])
			} else {
				out = append(out, "")
			}
		}
		users = append(users, strings.Join(out, ","))
		role := r[col["role"]]
		if role == "administrator" { // the example's administrators are the district's
			role = "districtAdministrator"
		}
		roles = append(roles, fmt.Sprintf("role-%s,,,%s,primary,%s,,,%s,", r[0], r[0], role, r[col["orgSourcedIds"]]))
	}
	m["users.csv"] = &fstest.MapFile{Data: []byte(strings.Join(users, "\n") + "\n")}
	m["roles.csv"] = &fstest.MapFile{Data: []byte(strings.Join(roles, "\n") + "\n")}
	man := "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
	for _, n := range manifestFiles2 {
		mode := "absent"
		if _, ok := m[n+".csv"]; ok {
			mode = "bulk"
		}
		man += "file." + n + "," + mode + "\n"
	}
	m["manifest.csv"] = &fstest.MapFile{Data: []byte(man)}
}

// In 1.2 a user's role and orgs are in roles.csv: the Capti rules read them there.
func TestCaptiRules12(t *testing.T) {
	m := pkgFS(t)
	edit(t, m, "users.csv", ",student,nadia.ramirez1000000,{SSID:1000000},Nadia,Ramirez,,1000000,nadia.ramirez1000000@example.org,",
		",guardian,nadia.ramirez1000000,,Nadia,Ramirez,,,,")
	to12(t, m)
	info, probs := read(t, m, format.Options{Vendor: "capti"}, roster.Discard{})
	if info.Version != "1.2" {
		t.Fatalf("version %q", info.Version)
	}
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, key(p)+" "+p.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"2 administrators become District Admin", "1 user with role guardian ignored"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "Capti recommends") {
		t.Errorf("a guardian held to Capti's recommendations:\n%s", all)
	}
}

// A 1.2 package without userProfiles.csv is complete while no roles.csv row names a user
// profile; the first row that does makes it a missing file, reported once with its line.
func TestOptionalRefToAbsentFile(t *testing.T) {
	m := pkgFS(t)
	to12(t, m)
	_, probs := read(t, m, format.Options{}, roster.Discard{})
	if len(probs) != 0 {
		t.Fatalf("the 1.2 package has problems: %v", keys(probs))
	}
	edit(t, m, "roles.csv", ",sch1,\n", ",sch1,profile-1\n")
	_, probs = read(t, m, format.Options{}, roster.Discard{})
	var got []string
	for _, p := range probs {
		got = append(got, key(p)+" "+p.Message)
	}
	want := "userProfiles.csv:0 error missing-file [] userProfiles.csv is missing: roles.csv (bulk) refers to it in userProfileSourcedId (first on line 3)"
	if len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want only %q", got, want)
	}
}

// A package whose file names are in another case (a Windows export) is read, each such file
// with a warning, and its rows are checked as usual.
func TestFileNamesInAnotherCase(t *testing.T) {
	m := pkgFS(t)
	edit(t, m, "users.csv", "stu01,,,true,", "stu01,,,TRUE,")
	m["Users.csv"], m["ENROLLMENTS.CSV"] = m["users.csv"], m["enrollments.csv"]
	delete(m, "users.csv")
	delete(m, "enrollments.csv")
	info, probs := read(t, m, format.Options{}, roster.Discard{})
	wantKeys(t, probs,
		"enrollments.csv:0 warning missing-file []",
		"users.csv:0 warning missing-file []",
		"users.csv:3 error bad-boolean [enabledUser]",
	)
	if len(info.Files) != 7 {
		t.Errorf("read %d files, want 7", len(info.Files))
	}
	if New().Detect(m) != format.HeaderMatch {
		t.Error("not detected as OneRoster")
	}
}

// A folder or zip holding one file under another name is read as the file its header is.
func TestOneMisnamedFileInAFolder(t *testing.T) {
	m := fstest.MapFS{"export.csv": pkgFS(t)["users.csv"]}
	edit(t, m, "export.csv", "stu01,,,true,", "stu01,,,TRUE,")
	if New().Detect(m) != format.HeaderMatch {
		t.Fatal("not detected")
	}
	info, probs := read(t, m, format.Options{}, roster.Discard{})
	var rows int
	for _, f := range info.Files {
		rows += f.Rows
	}
	var got []string
	for _, p := range probs {
		if p.Code != roster.CodeMissingFile {
			got = append(got, key(p))
		}
	}
	want := []string{"users.csv:0 info manifest []", "users.csv:3 error bad-boolean [enabledUser]"}
	if rows != 40 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%d rows, problems %q, want 40 and %q", rows, got, want)
	}
}

// A file the package leaves out is missing once, though required and optional columns both
// refer to it.
func TestAbsentFileReportedOnce(t *testing.T) {
	m := pkgFS(t)
	delete(m, "academicSessions.csv")
	edit(t, m, "manifest.csv", "file.academicSessions,bulk", "file.academicSessions,absent")
	_, probs := read(t, m, format.Options{}, roster.Discard{})
	n := 0
	for _, p := range probs {
		if p.File == "academicSessions.csv" && p.Code == roster.CodeMissingFile {
			n++
		}
	}
	if n != 1 {
		t.Errorf("academicSessions.csv reported missing %d times, want once: %v", n, keys(probs))
	}
}

// Two spellings of one file name in another case: one is read, the other ignored, and so said.
func TestTwoCaseVariants(t *testing.T) {
	m := pkgFS(t)
	m["Users.csv"], m["USERS.csv"] = m["users.csv"], m["users.csv"]
	delete(m, "users.csv")
	_, probs := read(t, m, format.Options{}, roster.Discard{})
	var read, ignored int
	for _, p := range probs {
		switch {
		case p.Code == roster.CodeMissingFile && strings.Contains(p.Message, "is read as it"):
			read++
		case p.Code == roster.CodeManifest && strings.Contains(p.Message, "is not read: ") && strings.Contains(p.Message, " is read as users.csv"):
			ignored++
		}
	}
	if read != 1 || ignored != 1 {
		t.Errorf("read %d, ignored %d, want 1 and 1: %v", read, ignored, keys(probs))
	}
	if got := New().NameFor("Users.csv", ""); got != "users.csv" {
		t.Errorf("NameFor(Users.csv) = %q, want users.csv", got)
	}
}

// A 1.2 user that roles.csv gives no role is warned about (count and first line), and so is a
// 1.2 package without roles.csv.
func TestUsersWithoutRoles12(t *testing.T) {
	m := pkgFS(t)
	to12(t, m)
	edit(t, m, "roles.csv", "role-stu01,,,stu01,primary,student,,,sch1,\n", "")
	edit(t, m, "roles.csv", "role-stu03,,,stu03,primary,student,,,sch1,\n", "")
	_, probs := read(t, m, format.Options{}, roster.Discard{})
	if len(probs) != 1 || key(probs[0]) != "users.csv:3 warning missing-required [role]" ||
		!strings.HasPrefix(probs[0].Message, "2 users have no role in roles.csv (first on line 3)") {
		t.Errorf("problems %v", probs)
	}
	delete(m, "roles.csv")
	edit(t, m, "manifest.csv", "file.roles,bulk", "file.roles,absent")
	_, probs = read(t, m, format.Options{}, roster.Discard{})
	if len(probs) != 1 || key(probs[0]) != "roles.csv:0 warning missing-file []" || !strings.Contains(probs[0].Message, "none of its 40 users has a role") {
		t.Errorf("without roles.csv: %v", probs)
	}
}

// One file that is no OneRoster file, read as OneRoster, is one problem, not a missing package.
func TestLoneFileThatIsNotOneRoster(t *testing.T) {
	for data, want := range map[string]string{"": "-:0 error empty-file []", "hello\n": "-:1 error header []"} {
		_, probs := read(t, fstest.MapFS{"-": {Data: []byte(data)}}, format.Options{}, roster.Discard{})
		wantKeys(t, probs, want)
	}
}

// 1.2 Final's users.csv (resourceSourcedIds between password and userMasterIdentifier, which
// 1.2.1 removed) is read as well as 1.2.1's.
func TestUsers12FinalLayout(t *testing.T) {
	m := fstest.MapFS{}
	dir := "../../pkg/testdata/oneroster-1.2"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = &fstest.MapFile{Data: b}
	}
	lines := strings.Split(string(m["users.csv"].Data), "\n")
	for i, l := range lines {
		if l == "" {
			continue
		}
		cells := strings.Split(l, ",") // no quoted commas in this users.csv
		extra := ""
		if i == 0 {
			extra = "resourceSourcedIds"
		}
		cells = append(cells[:16], append([]string{extra}, cells[16:]...)...)
		lines[i] = strings.Join(cells, ",")
	}
	m["users.csv"] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n"))}
	if _, probs := read(t, m, format.Options{}, roster.Discard{}); len(probs) != 0 {
		t.Errorf("1.2 Final users.csv: %v", keys(probs))
	}
	if _, probs := read(t, os.DirFS(dir), format.Options{}, roster.Discard{}); len(probs) != 0 {
		t.Errorf("1.2.1 users.csv: %v", keys(probs))
	}
}

// The 1.2 role check: a package without a manifest (read as 1.2 from its headers) gets it, a
// delta roles.csv (changes, not every user's role) does not.
func TestUsersWithoutRoles12Modes(t *testing.T) {
	m := pkgFS(t)
	to12(t, m)
	edit(t, m, "roles.csv", "role-stu01,,,stu01,primary,student,,,sch1,\n", "")
	delete(m, "manifest.csv")
	info, probs := read(t, m, format.Options{}, roster.Discard{})
	var got []string
	for _, p := range probs {
		got = append(got, key(p)+" "+p.Message)
	}
	all := strings.Join(got, "\n")
	if info.Version != "1.2" || !strings.Contains(all, "users.csv:3 warning missing-required [role] 1 user has no role") ||
		!strings.Contains(all, "read as OneRoster 1.2 from its headers") {
		t.Errorf("no manifest, version %q:\n%s", info.Version, all)
	}

	m = pkgFS(t)
	to12(t, m)
	edit(t, m, "roles.csv", "role-stu01,,,stu01,primary,student,,,sch1,\n", "")
	edit(t, m, "manifest.csv", "file.roles,bulk", "file.roles,delta")
	lines := strings.Split(strings.TrimSuffix(string(m["roles.csv"].Data), "\n"), "\n")
	for i := 1; i < len(lines); i++ { // a delta file stamps every row
		lines[i] = strings.Replace(lines[i], ",,,", ",active,2026-08-01T00:00:00.000Z,", 1)
	}
	m["roles.csv"] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n") + "\n")}
	if _, probs := read(t, m, format.Options{}, roster.Discard{}); len(probs) != 0 {
		t.Errorf("delta roles.csv: %v", keys(probs))
	}
}
