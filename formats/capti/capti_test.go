package capti

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/value"
)

// fileFS returns a file system holding one file called name.
var fileFS = formattest.File

// fixture returns a file system holding the testdata file at rel.
func fixture(t *testing.T, rel string) fstest.MapFS {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return fileFS(filepath.Base(rel), string(b))
}

// read reads fsys with opts and returns what was read and every problem, sorted.
func read(t *testing.T, fsys fstest.MapFS, opts format.Options) (format.Info, *roster.Collector, []roster.Problem) {
	t.Helper()
	return formattest.Read(t, Format{}, fsys, opts)
}

// want is an expected problem: "severity code line column", and text the message must hold.
type want = formattest.Want

var (
	key           = formattest.Key
	checkProblems = formattest.CheckProblems
)

func TestReadRules(t *testing.T) {
	username := format.Options{}.WithSettings(Name, Settings{ID: "username"})
	domain := format.Options{}.WithSettings(Name, Settings{ID: "username", Domain: "lincolnsd"})
	tests := []struct {
		name    string
		fixture string
		opts    format.Options
		rows    int // data rows counted
		users   int // users sent to the sink
		want    []want
	}{
		{name: "clean", fixture: "clean.csv", rows: 3, users: 3},
		{name: "bom", fixture: "bom.csv", rows: 1, users: 1},
		{name: "bad email", fixture: "rules/bad_email.csv", rows: 2, users: 2,
			want: []want{{"error bad-email 3 email", `"bo lee@x.org" holds a space`}}},
		{name: "username ID with a dot", fixture: "rules/bad_username.csv", rows: 2, users: 2,
			want: []want{{"error bad-id 3 username", `username "bo.lee" has characters other than letters and digits`}}},
		{name: "username ID checked without a domain", fixture: "username_only.csv", opts: username, rows: 2, users: 2,
			want: []want{{"error bad-id 3 username", `"j.smith"`}}},
		{name: "blank passwords once per file", fixture: "rules/blank_password.csv", rows: 3, users: 3,
			want: []want{{"info missing-required 0 password", "2 users have no password: their initial password will be their Capti ID"}}},
		{name: "duplicate unique_id names the first line", fixture: "rules/duplicate_id.csv", rows: 4, users: 4,
			want: []want{
				{"error duplicate-id 4 unique_id", `unique_id "1" is already on line 2`},
				{"error duplicate-id 5 unique_id", `unique_id "1" is already on line 2`},
			}},
		{name: "empty file", fixture: "rules/empty.csv",
			want: []want{{"error empty-file 0 ", "the file is empty"}}},
		{name: "excel damage", fixture: "rules/excel.csv", rows: 2, users: 2,
			want: []want{{"error excel-damage 3 unique_id", `"1.02E+07" is a number in scientific notation`}}},
		{name: "formula", fixture: "rules/formula.csv", rows: 2, users: 2,
			want: []want{{"warning formula 3 first_name", `first_name starts with "="`}}},
		{name: "header only", fixture: "rules/header_only.csv",
			want: []want{{"error empty-file 0 ", "a header but no users"}}},
		{name: "one Capti ID on two rows, any case", fixture: "rules/id_collision.csv", rows: 3, users: 3,
			want: []want{{"error id-collision 4 email", `Capti ID "ann.lee@X.ORG" is also the ID on line 2`}}},
		{name: "misspelled header", fixture: "rules/misspelled.csv", rows: 1, users: 1,
			want: []want{{"error header 1 frist_name", `column 3 is "frist_name", expected "first_name" (misspelled?)`}}},
		{name: "blank first_name", fixture: "rules/no_first_name.csv", rows: 2, users: 2,
			want: []want{{"error missing-required 3 first_name", "first_name is blank"}}},
		{name: "blank ID", fixture: "rules/no_id.csv", rows: 2, users: 2,
			want: []want{{"error missing-required 3 email", "email is blank: it is the Capti ID"}}},
		{name: "no ID column", fixture: "rules/no_id_column.csv", rows: 1, users: 1,
			want: []want{{"error header 1 email", "neither an email nor a username column"}}},
		{name: "blank last_name", fixture: "rules/no_last_name.csv", rows: 1, users: 1,
			want: []want{{"error missing-required 2 last_name", "last_name is blank"}}},
		{name: "blank unique_id", fixture: "rules/no_unique_id.csv", rows: 2, users: 2,
			want: []want{{"error missing-required 3 unique_id", "unique_id is blank"}}},
		{name: "ragged row is not read", fixture: "rules/ragged.csv", rows: 2, users: 1,
			want: []want{{"error ragged-row 3 ", "the row has 8 cells, the header has 7"}}},
		{name: "121 characters is too long, 120 is not", fixture: "rules/too_long.csv", rows: 2, users: 2,
			want: []want{{"error too-long 2 last_name", "last_name is 121 characters long: Capti accepts at most 120"}}},
		{name: "email ID by default", fixture: "username_mode.csv", rows: 3, users: 3,
			want: []want{{"error id-collision 3 email", `"shared@lincoln.k12.us" is also the ID on line 2`}}},
		{name: "username ID folds case", fixture: "username_mode.csv", opts: username, rows: 3, users: 3,
			want: []want{{"error id-collision 4 username", `Capti ID "JDoe" is also the ID on line 2`}}},
		{name: "domain shown in collisions", fixture: "username_mode.csv", opts: domain, rows: 3, users: 3,
			want: []want{{"error id-collision 4 username", `Capti ID "JDoe@lincolnsd" is also the ID on line 2`}}},
		{name: "a domain must be letters and digits", fixture: "rules/blank_password.csv", rows: 3, users: 3,
			opts: format.Options{}.WithSettings(Name, Settings{ID: "username", Domain: "lincoln.sd"}),
			want: []want{
				{"warning bad-id 0 username", `the Capti domain "lincoln.sd" has characters other than letters and digits`},
				{"info missing-required 0 password", "2 users have no password"},
			}},
		{name: "a file with only username uses it as the ID", fixture: "username_only.csv", rows: 2, users: 2,
			want: []want{{"error bad-id 3 username", `"j.smith"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, coll, probs := read(t, fixture(t, tt.fixture), tt.opts)
			checkProblems(t, probs, tt.want)
			name := filepath.Base(tt.fixture)
			for _, p := range probs {
				if p.File != name {
					t.Errorf("problem %s names file %q, want %q", key(p), p.File, name)
				}
			}
			if info.Format != Name || info.Version != "" {
				t.Errorf("info = %q %q, want capti and no version", info.Format, info.Version)
			}
			if len(info.Files) != 1 || info.Files[0].Name != name || info.Files[0].Rows != tt.rows {
				t.Errorf("info.Files = %+v, want one file %s with %d rows", info.Files, name, tt.rows)
			}
			if got := len(coll.Roster.Users); got != tt.users {
				t.Errorf("%d users read, want %d", got, tt.users)
			}
		})
	}
}

func TestReadInline(t *testing.T) {
	const hdr = "email,username,password,first_name,last_name,person_number,unique_id\n"
	tests := []struct {
		name string
		data string
		opts format.Options
		want []want
	}{
		{name: "CRLF and quoted values", data: strings.ReplaceAll(hdr+"a@x.org,a,\"p,w\",Ann,\"Lee, Jr\",,1\n", "\n", "\r\n")},
		{name: "username is not checked when email is the ID",
			data: hdr + "a@x.org,a.b,P,Ann,Lee,,1\n"},
		{name: "email is checked when username is the ID", opts: format.Options{}.WithSettings(Name, Settings{ID: "username"}),
			data: hdr + "not-an-address,ab,P,Ann,Lee,,1\n",
			want: []want{{"error bad-email 2 email", `email "not-an-address" has no @`}}},
		{name: "blank username when it is the ID", opts: format.Options{}.WithSettings(Name, Settings{ID: "username"}),
			data: hdr + "a@x.org,,P,Ann,Lee,,1\n",
			want: []want{{"error missing-required 2 username", "username is blank: it is the Capti ID"}}},
		{name: "every too-long value is reported",
			data: hdr + "a@x.org,a," + strings.Repeat("p", 121) + ",Ann,Lee," + strings.Repeat("9", 130) + ",1\n",
			want: []want{
				{"error too-long 2 password", "password is 121 characters long"},
				{"error too-long 2 person_number", "person_number is 130 characters long"},
			}},
		{name: "a value of 120 multi-byte characters fits", data: hdr + "a@x.org,a,P," + strings.Repeat("é", 120) + ",Lee,,1\n"},
		{name: "person_number and the other ID column may be absent",
			data: "unique_id,last_name,first_name,email,password\n1,Lee,Ann,a@x.org,pw\n"},
		{name: "no password column: one info",
			data: "unique_id,last_name,first_name,email\n1,Lee,Ann,a@x.org\n2,Lee,Bo,b@x.org\n",
			want: []want{{"info missing-required 0 password", "2 users have no password"}}},
		{name: "header in the wrong case",
			data: "Email,first_name,last_name,unique_id,password\na@x.org,Ann,Lee,1,pw\n",
			want: []want{{"error header 1 Email", `column 1 is "Email", expected "email" (header names are case-sensitive)`}}},
		{name: "unknown column",
			data: "email,first_name,last_name,unique_id,grade,password\na@x.org,Ann,Lee,1,05,pw\n",
			want: []want{{"error header 1 grade", `column 5: unknown column "grade"`}}},
		{name: "missing required column",
			data: "email,first_name,unique_id,password\na@x.org,Ann,1,pw\n",
			want: []want{{"error header 1 last_name", `missing column "last_name"`}}},
		{name: "duplicate header",
			data: "email,first_name,last_name,unique_id,email,password\na@x.org,Ann,Lee,1,b@x.org,pw\n",
			want: []want{{"error header 1 email", `header "email" appears twice`}}},
		{name: "unterminated quote is a parse problem",
			data: hdr + "a@x.org,a,P,Ann,Lee,,1\n\"b@x.org,b,P,Bo,Lee,,2\n",
			want: []want{{"error parse 3 ", "quoted field"}}},
		{name: "a quote that swallows every row is not an empty file",
			data: hdr + "\"a@x.org,a,P,Ann,Lee,,1\nb@x.org,b,P,Bo,Lee,,2\n",
			want: []want{{"error parse 2 ", "never closed"}}},
		{name: "UTF-16 is an encoding problem", data: "\xff\xfee\x00m\x00",
			want: []want{{"error encoding 1 ", "UTF-16"}}},
		{name: "invalid UTF-8 names its line", data: hdr + "a@x.org,a,P,Ann,Lee,,1\nb@x.org,b,P,B\xf6,Lee,,2\n",
			want: []want{{"error encoding 3 ", "not valid UTF-8"}}},
		{name: "windows-1252 is transcoded", opts: format.Options{InputEncoding: "windows-1252"},
			data: hdr + "a@x.org,a,P,Ann,L\xf3pez,,1\n"},
		{name: "bare CR line endings", data: "email,first_name,last_name,unique_id\ra@x.org,Ann,Lee,1\r",
			want: []want{{"error encoding 1 ", "bare CR"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, probs := read(t, fileFS("roster.csv", tt.data), tt.opts)
			checkProblems(t, probs, tt.want)
		})
	}
}

func TestReadMapping(t *testing.T) {
	data := "email,username,password,first_name,last_name,person_number,unique_id\n" +
		"ana.lopez@lincoln.k12.us,analopez,Sunny42,Ana,López,010212,3231\n" +
		"ben@lincoln.k12.us,,,Ben,Okafor,,3232\n"
	_, coll, probs := read(t, fileFS("roster.csv", data), format.Options{Org: "Lincoln High", Role: "teacher"})
	checkProblems(t, probs, []want{{"info missing-required 0 password", "1 user has no password"}})
	if got := coll.Roster.Orgs; len(got) != 1 || got[0].SourcedID != "lincoln-high" || got[0].Name != "Lincoln High" || got[0].Type != "school" {
		t.Fatalf("orgs = %+v, want one school lincoln-high named Lincoln High", got)
	}
	users := coll.Roster.Users
	if len(users) != 2 {
		t.Fatalf("%d users, want 2", len(users))
	}
	u := users[0]
	if u.SourcedID != "3231" || u.Identifier != "010212" || u.GivenName != "Ana" || u.FamilyName != "López" ||
		u.Email != "ana.lopez@lincoln.k12.us" || u.Username != "analopez" || u.Password != "Sunny42" ||
		u.Role != "teacher" || u.EnabledUser != "true" || !slices.Equal(u.OrgIDs, []string{"lincoln-high"}) {
		t.Errorf("user 1 = %+v", u)
	}
	// Without a username the login (the e-mail address) is the username.
	if users[1].Username != "ben@lincoln.k12.us" || users[1].Password != "" {
		t.Errorf("user 2 username %q password %q, want the e-mail and no password", users[1].Username, users[1].Password)
	}

	// The default role is student, and no org is written without one.
	_, coll, _ = read(t, fileFS("roster.csv", data), format.Options{})
	if len(coll.Roster.Orgs) != 0 || coll.Roster.Users[0].Role != "student" || coll.Roster.Users[0].OrgIDs != nil {
		t.Errorf("without --org: orgs %v, role %q, orgIDs %v", coll.Roster.Orgs, coll.Roster.Users[0].Role, coll.Roster.Users[0].OrgIDs)
	}
}

func TestReadLayout(t *testing.T) {
	lay := &format.Layout{Name: "lincoln-capti", Format: Name, Columns: []format.Column{
		{Name: "unique_id", Required: true}, {Name: "first_name"}, {Name: "last_name"}, {Name: "email", Required: true}, {Name: "grade"},
	}}
	_, coll, probs := read(t, fixture(t, "layout.csv"), format.Options{Layout: lay})
	checkProblems(t, probs, []want{{"info missing-required 0 password", "1 user has no password"}})
	u := coll.Roster.Users[0]
	if u.SourcedID != "7" || u.Email != "ana@lincoln.k12.us" || !slices.Equal(u.Metadata, []roster.KV{{Key: "grade", Value: "05"}}) {
		t.Errorf("user = %+v, want unique_id 7 and grade kept as metadata", u)
	}

	// The layout's required columns must be in the header.
	_, _, probs = read(t, fileFS("r.csv", "unique_id,first_name,last_name\n7,Ana,Lopez\n"), format.Options{Layout: lay})
	checkProblems(t, probs, []want{
		{"info missing-required 0 password", "1 user has no password"},
		{"error header 1 email", `missing column "email"`},
	})

	// A layout for another format is ignored: the built-in one applies and grade is unknown.
	other := &format.Layout{Name: "x", Format: "students", Columns: lay.Columns}
	_, _, probs = read(t, fixture(t, "layout.csv"), format.Options{Layout: other})
	checkProblems(t, probs, []want{
		{"info missing-required 0 password", "1 user has no password"},
		{"error header 1 grade", `unknown column "grade"`},
	})
}

func TestReadNotOneFile(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no file":   {},
		"two files": {"a.csv": {Data: []byte("x")}, "b.csv": {Data: []byte("y")}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Format{}.Read(t.Context(), fsys, format.Options{}, roster.Discard{}, roster.ReporterFunc(func(roster.Problem) {}))
			if err == nil || !strings.Contains(err.Error(), "a Capti roster is one .csv file") {
				t.Errorf("err = %v, want one that says a Capti roster is one file", err)
			}
		})
	}
	// Hidden files beside the roster are ignored.
	fsys := fstest.MapFS{".DS_Store": {Data: []byte{0}}, "r.csv": {Data: []byte("email,first_name,last_name,unique_id,password\na@x.org,A,B,1,p\n")}}
	info, _, probs := read(t, fsys, format.Options{})
	checkProblems(t, probs, nil)
	if info.Files[0].Name != "r.csv" {
		t.Errorf("read %q, want r.csv", info.Files[0].Name)
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Format{}.Read(ctx, fixture(t, "clean.csv"), format.Options{}, roster.Discard{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             format.Match
	}{
		{"exact header", "x.csv", "email,password,first_name,last_name,person_number,unique_id\n", format.HeaderMatch},
		{"username header", "x.csv", "username,first_name,last_name,unique_id\n", format.HeaderMatch},
		{"BOM", "x.csv", "\ufeffemail,first_name,last_name,unique_id\r\n", format.HeaderMatch},
		{"stdin", "-", "email,first_name,last_name,unique_id\n", format.HeaderMatch},
		{"no unique_id", "x.csv", "email,first_name,last_name\n", format.NameMatch},
		{"misspelled", "x.csv", "email,password,frist_name,last_name,unique_id\n", format.NameMatch},
		{"wrong case", "x.csv", "Email,First_Name,Last_Name,Unique_ID\n", format.NameMatch},
		{"layout with an extra column", "x.csv", "unique_id,first_name,last_name,email,grade\n", format.NameMatch},
		{"OneRoster users.csv", "users.csv", "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n", format.NoMatch},
		// The registry asks students first, whose header match wins over this name match.
		{"students.csv", "students.csv", "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,EMAIL,PASSWORD\n", format.NameMatch},
		// An exact header is enough whatever the name (a named pipe, a download); a near miss
		// needs a .csv name.
		{"exact header, not a .csv", "x.txt", "email,first_name,last_name,unique_id\n", format.HeaderMatch},
		{"near header, not a .csv", "x.txt", "Email,First_Name,Last_Name,Unique_ID\n", format.NoMatch},
		{"near header, a .csv", "x.csv", "Email,First_Name,Last_Name,Unique_ID\n", format.NameMatch},
		{"empty", "x.csv", "", format.NoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Format{}).Detect(fileFS(tt.file, tt.data)); got != tt.want {
				t.Errorf("Detect = %v, want %v", got, tt.want)
			}
		})
	}
}

type memDest = formattest.MemDest

func write(t *testing.T, r *roster.Roster, opts format.Options) (string, []roster.Problem) {
	t.Helper()
	dst := memDest{}
	var probs []roster.Problem
	if err := (Format{}).Write(t.Context(), dst, r, opts, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(dst) != 1 || dst[OutputFile] == nil {
		t.Fatalf("Write created %v, want only %s", dst, OutputFile)
	}
	return dst[OutputFile].String(), probs
}

func student(id, user, email string) roster.User {
	return roster.User{SourcedID: id, Role: "student", Username: user, Email: email, GivenName: "G" + id, FamilyName: "F" + id, Identifier: "n" + id, Password: "pw" + id}
}

func TestWriteRoles(t *testing.T) {
	s1 := student("1", "u1", "u1@x.org")
	s1.Grades, s1.MiddleName = []string{"05"}, "M"
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s1", Type: "school"}, {SourcedID: "d1", Type: "district"}},
		Users: []roster.User{
			s1,
			// A username that is written as another value (here unique_id) is not lost.
			{SourcedID: "2", Role: "teacher", Username: "2", Email: "t2@x.org", GivenName: "T", FamilyName: "Two"},
			{SourcedID: "3", Role: "proctor", Username: "p3", Email: "p3@x.org", GivenName: "P", FamilyName: "Three"},
			{SourcedID: "4", Role: "administrator", Email: "a4@x.org", GivenName: "A", FamilyName: "Four"},
			{SourcedID: "5", Role: "administrator", Email: "a5@x.org", GivenName: "A", FamilyName: "Five"},
			{SourcedID: "6", Role: "aide", Email: "a6@x.org", GivenName: "A", FamilyName: "Six"},
			{SourcedID: "7", Role: "guardian", Email: "g7@x.org", GivenName: "G", FamilyName: "Seven"},
			{SourcedID: "8", Role: "parent", Email: "g8@x.org", GivenName: "G", FamilyName: "Eight"},
			{SourcedID: "9", Role: "relative", Email: "g9@x.org", GivenName: "G", FamilyName: "Nine"},
		},
		Classes:      []roster.Class{{SourcedID: "c1"}},
		Enrollments:  []roster.Enrollment{{SourcedID: "e1"}, {SourcedID: "e2"}},
		Demographics: []roster.Demographics{{SourcedID: "1", BirthDate: "2010-01-02"}},
	}
	out, probs := write(t, r, format.Options{})
	wantOut := "email,password,first_name,last_name,person_number,unique_id\n" +
		"u1@x.org,pw1,G1,F1,n1,1\n" +
		"t2@x.org,,T,Two,,2\n" +
		"p3@x.org,,P,Three,,3\n"
	if out != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
	var msgs []string
	for _, p := range probs {
		if p.Severity != roster.Info || p.Code != roster.CodeLossy || p.File != OutputFile || p.Line != 0 {
			t.Errorf("problem %+v, want a file-level lossy info on %s", p, OutputFile)
		}
		msgs = append(msgs, p.Message)
	}
	wantMsgs := []string{
		"2 teachers/proctors written without a role: Capti's file has no role column",
		`2 users with role "administrator" not written: Capti administrators are managed by hand, not by the roster file`,
		`1 user with role "aide" not written: Capti's roster holds students and faculty only`,
		`1 user with role "guardian" not written: Capti's roster holds students and faculty only`,
		`1 user with role "parent" not written: Capti's roster holds students and faculty only`,
		`1 user with role "relative" not written: Capti's roster holds students and faculty only`,
		"2 usernames not written: the Capti ID column is email and the file holds only one ID column",
		"the grades of 1 user not written: Capti's file has no grade column",
		"the middle names of 1 user not written: Capti's file has no middle name column",
		"Capti's file has no place for 2 orgs, 1 class, 2 enrollments, 1 demographics record: not written",
	}
	if !slices.Equal(msgs, wantMsgs) {
		t.Errorf("lossy report:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(wantMsgs, "\n"))
	}
}

func TestWriteUsernameID(t *testing.T) {
	r := &roster.Roster{Users: []roster.User{student("1", "anna", "anna@x.org"), student("2", "bo2", "")}}
	out, probs := write(t, r, format.Options{}.WithSettings(Name, Settings{ID: "username", Domain: "lincolnsd"}))
	wantOut := "username,password,first_name,last_name,person_number,unique_id\nanna,pw1,G1,F1,n1,1\nbo2,pw2,G2,F2,n2,2\n"
	if out != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
	checkProblems(t, probs, []want{{"info lossy 0 ", "1 email not written: the Capti ID column is username"}})
}

func TestWriteRefusesRows(t *testing.T) {
	long := strings.Repeat("x", 121)
	tests := []struct {
		name  string
		opts  format.Options
		users []roster.User
		rows  int // data rows written
		want  []want
	}{
		{name: "username that breaks the rule is never mangled", opts: format.Options{}.WithSettings(Name, Settings{ID: "username"}),
			users: []roster.User{student("1", "ana.lopez", "a@x.org"), student("2", "bo", "b@x.org")}, rows: 1,
			want: []want{{"error bad-id 0 username", `user "1": username "ana.lopez" has characters other than letters and digits`}}},
		{name: "a bad username is fine when email is the ID",
			users: []roster.User{student("1", "ana.lopez", "a@x.org")}, rows: 1},
		{name: "too long", users: []roster.User{{SourcedID: "1", Email: "a@x.org", GivenName: long, FamilyName: "F"}},
			want: []want{{"error too-long 0 first_name", "first_name is 121 characters long"}}},
		{name: "blank required", users: []roster.User{{SourcedID: "1", Email: "a@x.org", GivenName: " ", FamilyName: "F"}},
			want: []want{{"error missing-required 0 first_name", "first_name is blank"}}},
		{name: "blank ID", users: []roster.User{{SourcedID: "1", Username: "ab", GivenName: "G", FamilyName: "F"}},
			want: []want{{"error missing-required 0 email", `user "1": email is blank: it is the Capti ID`}}},
		{name: "bad email", users: []roster.User{{SourcedID: "1", Email: "a@x", GivenName: "G", FamilyName: "F"}},
			want: []want{{"error bad-email 0 email", `email "a@x" has no dot in the domain`}}},
		{name: "two users with one Capti ID", opts: format.Options{}.WithSettings(Name, Settings{ID: "username", Domain: "lincolnsd"}),
			users: []roster.User{student("1", "ana", ""), student("2", "ANA", "")}, rows: 1,
			want: []want{{"error id-collision 0 username", `Capti ID "ANA@lincolnsd" is already the ID of user "1"`}}},
		{name: "duplicate unique_id",
			users: []roster.User{student("1", "a", "a@x.org"), student("1", "b", "b@x.org")}, rows: 1,
			want: []want{{"error duplicate-id 0 unique_id", `unique_id "1" is already the unique_id of an earlier user`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, probs := write(t, &roster.Roster{Users: tt.users}, tt.opts)
			var errs []roster.Problem
			for _, p := range probs {
				if p.Severity == roster.Error {
					errs = append(errs, p)
				}
			}
			checkProblems(t, errs, tt.want)
			if got := strings.Count(out, "\n") - 1; got != tt.rows {
				t.Errorf("%d rows written, want %d:\n%s", got, tt.rows, out)
			}
		})
	}
}

func TestWriteLayout(t *testing.T) {
	// A layout with only username makes username the ID, without --capti-id.
	lay := &format.Layout{Format: Name, Columns: []format.Column{{Name: "username"}, {Name: "first_name"}, {Name: "last_name"}, {Name: "unique_id"}, {Name: "grade"}}}
	u := student("1", "ana", "ana@x.org")
	u.Metadata = []roster.KV{{Key: "grade", Value: "05"}}
	out, probs := write(t, &roster.Roster{Users: []roster.User{u, student("2", "bo.b", "bo@x.org")}}, format.Options{Layout: lay})
	want := "username,first_name,last_name,unique_id,grade\nana,G1,F1,1,05\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	var keys []string
	for _, p := range probs {
		keys = append(keys, key(p))
	}
	if !slices.Equal(keys, []string{"error bad-id 0 username", "info lossy 0 "}) {
		t.Errorf("problems %v, want the dotted username refused and the e-mails reported lossy", keys)
	}
}

func TestWriteQuoting(t *testing.T) {
	u := roster.User{SourcedID: "1", Role: "student", Email: "a@x.org", Password: "p,w\"1", GivenName: "Ann\nMarie", FamilyName: " Lee"}
	out, _ := write(t, &roster.Roster{Users: []roster.User{u}}, format.Options{})
	want := "email,password,first_name,last_name,person_number,unique_id\na@x.org,\"p,w\"\"1\",\"Ann\nMarie\",\" Lee\",,1\n"
	if out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	if strings.HasPrefix(out, "\ufeff") || strings.Contains(out, "\r") {
		t.Error("output has a BOM or CR")
	}
}

// TestRoundTrip reads the clean fixture, writes it and reads the result again: the same users.
func TestRoundTrip(t *testing.T) {
	for _, opts := range []format.Options{{}, format.Options{}.WithSettings(Name, Settings{ID: "username"})} {
		t.Run("id="+idColumn(opts), func(t *testing.T) {
			_, coll, probs := read(t, fixture(t, "clean.csv"), opts)
			checkProblems(t, probs, nil)
			out, wprobs := write(t, &coll.Roster, opts)
			// The non-ID column is not written: one lossy info, nothing else.
			checkProblems(t, wprobs, []want{{"info lossy 0 ", "3 "}})
			_, again, probs := read(t, fileFS("roster.csv", out), opts)
			checkProblems(t, probs, nil)
			if len(again.Roster.Users) != len(coll.Roster.Users) {
				t.Fatalf("%d users after the round trip, want %d", len(again.Roster.Users), len(coll.Roster.Users))
			}
			for i, u := range coll.Roster.Users {
				v := again.Roster.Users[i]
				id := idColumn(opts)
				if userValue(&u, id) != userValue(&v, id) {
					t.Errorf("user %d: %s %q became %q", i, id, userValue(&u, id), userValue(&v, id))
				}
				for _, c := range []string{ColPassword, ColFirstName, ColLastName, ColPersonNumber, ColUniqueID} {
					if userValue(&u, c) != userValue(&v, c) {
						t.Errorf("user %d: %s %q became %q", i, c, userValue(&u, c), userValue(&v, c))
					}
				}
			}
			// The leading zeros of unique_id 003233 survive.
			if again.Roster.Users[2].SourcedID != "003233" {
				t.Errorf("unique_id %q, want 003233", again.Roster.Users[2].SourcedID)
			}
		})
	}
}

// FuzzRead checks that any input is read without a panic, and that every problem has a
// severity, a code and a line within the file.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"clean.csv", "bom.csv", "username_mode.csv", "rules/ragged.csv", "rules/too_long.csv", "rules/formula.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	f.Add([]byte("email,first_name\r\"a\rb\",\"\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, username bool) {
		opts := format.Options{}
		if username {
			opts = opts.WithSettings(Name, Settings{ID: "username"})
		}
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		rep := roster.ReporterFunc(func(p roster.Problem) {
			if p.Severity == "" || p.Code == "" || p.Line < 0 || p.Line > lines {
				t.Errorf("bad problem %+v (input has %d lines)", p, lines)
			}
		})
		if _, err := (Format{}).Read(t.Context(), fileFS("r.csv", string(data)), opts, roster.Discard{}, rep); err != nil {
			t.Errorf("Read: %v", err)
		}
	})
}

func TestEmailProblem(t *testing.T) {
	for in, want := range map[string]string{
		"ana@lincoln.k12.us":  "",
		"josé@lincoln.k12.us": "",
		"a b@x.org":           "holds a space or control character",
		"a\tb@x.org":          "holds a space or control character",
		"ané\u00a0b@x.org":    "holds a space or control character",
		"a@x.org\u200b":       "",
		"a\x7f@x.org":         "holds a space or control character",
		"ax.org":              "has no @",
		"a@b@x.org":           "has more than one @",
		"@x.org":              "has nothing before the @",
		"a@":                  "has nothing after the @",
		"a@localhost":         "has no dot in the domain",
		"a@x..org":            "has a misplaced dot in the domain",
		"a.@x.org":            "has a misplaced dot before the @",
	} {
		if got := value.EmailProblem(in); got != want {
			t.Errorf("value.EmailProblem(%q) = %q, want %q", in, got, want)
		}
	}
}

// What a written user carries that Capti's file has no column for is counted as lossy too:
// userIds, phone numbers, and a disabled account (written as an active one). A value the row
// holds is not counted: a user without any of them adds nothing.
func TestWriteCountsUnheldUserFields(t *testing.T) {
	s1, s2, s3 := student("1", "u1@x.org", "u1@x.org"), student("2", "u2@x.org", "u2@x.org"), student("3", "u3@x.org", "u3@x.org")
	s1.UserIDs, s1.Phone, s1.EnabledUser = []string{"{SSID:n1}"}, "5035550100", "false"
	s2.UserIDs, s2.SMS, s2.EnabledUser = []string{"{SIS:77}", "{SSID:n2}"}, "5035550101", "true"
	out, probs := write(t, &roster.Roster{Users: []roster.User{s1, s2, s3}}, format.Options{})
	if n := strings.Count(out, "\n"); n != 4 {
		t.Fatalf("%d lines written, want the header and 3 users:\n%s", n, out)
	}
	checkProblems(t, probs, []want{
		{"info lossy 0 ", "the userIds of 2 users not written: Capti's file has no userIds column"},
		{"info lossy 0 ", "the phone numbers of 2 users not written: Capti's file has no phone column"},
		{"info lossy 0 ", "1 user with enabledUser false written as an active user: Capti's file has no such column"},
	})
}
