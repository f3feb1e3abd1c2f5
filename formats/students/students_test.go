package students

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

const header = "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,EMAIL,PASSWORD"

// fileFS returns a file system holding one file called name.
var fileFS = formattest.File

// read reads data as students.csv with opts and returns what was read and the problems, sorted.
func read(t *testing.T, data string, opts format.Options) (format.Info, *roster.Collector, []roster.Problem) {
	t.Helper()
	return readFS(t, fileFS(FileName, data), opts)
}

func readFS(t *testing.T, fsys fstest.MapFS, opts format.Options) (format.Info, *roster.Collector, []roster.Problem) {
	t.Helper()
	return formattest.Read(t, New(), fsys, opts)
}

// want is an expected problem: "severity code line column", and text the message must hold.
type want = formattest.Want

var (
	key           = formattest.Key
	checkProblems = formattest.CheckProblems
)

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestReadRules(t *testing.T) {
	sso := format.Options{}.WithSettings(Name, Settings{GoogleSSO: true})
	dates := format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true})
	sites := format.Options{}.WithSettings(Name, Settings{SiteMap: "sites.xlsx",
		Sites: []Site{{ID: "0101", Name: "Lincoln High"}, {ID: "102", Name: "Roosevelt Middle"}}})
	tests := []struct {
		name  string
		data  string
		opts  format.Options
		users int
		want  []want
	}{
		{name: "clean, stopping after PASSWORD", users: 2, data: lines(header,
			"00123,Ana,López,9,s1,ana@x.org,pw12",
			"00124,Ben,Okafor,K,s1,,pw13")},
		{name: "clean with the optional columns", users: 1, data: lines(header+",MIDDLE_NAME,BIRTHDATE",
			"1,Ana,Lopez,9,s1,ana@x.org,pw12,Maria,2010-02-05")},
		{name: "CRLF and BOM", users: 1, data: "\ufeff" + strings.ReplaceAll(lines(header, "1,Ana,Lopez,9,s1,ana@x.org,pw12"), "\n", "\r\n")},
		{name: "misordered header names the exact fix", users: 1,
			data: lines("STUDENT_ID,FIRST_NAME,GRADE,LAST_NAME,SITE_ID,EMAIL,PASSWORD", "1,Ana,9,Lopez,s1,,pw"),
			want: []want{{"error header 1 GRADE", "column 3 is GRADE, expected LAST_NAME: the columns are out of order (columns must be in the order STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,EMAIL,PASSWORD,MIDDLE_NAME,BIRTHDATE)"}}},
		{name: "lower-case header names each fix", users: 1,
			data: lines("student_id,FIRST_NAME,LAST_NAME,grade,SITE_ID,EMAIL,PASSWORD", "1,Ana,Lopez,9,s1,,pw"),
			want: []want{
				{"error header 1 grade", `column 4 is "grade", expected "GRADE" (header names are case-sensitive)`},
				{"error header 1 student_id", `column 1 is "student_id", expected "STUDENT_ID"`},
			}},
		{name: "missing column", users: 1,
			data: lines("STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,PASSWORD", "1,Ana,Lopez,9,s1,pw"),
			want: []want{{"error header 1 EMAIL", `missing column "EMAIL" (expected as column 6)`}}},
		{name: "unknown column", users: 1,
			data: lines(header+",HOMEROOM", "1,Ana,Lopez,9,s1,,pw,12B"),
			want: []want{{"error header 1 HOMEROOM", `column 8: unknown column "HOMEROOM"`}}},
		{name: "required values", users: 1, data: lines(header, "1, ,Lopez,,s1,,"),
			want: []want{
				{"error missing-required 2 FIRST_NAME", "FIRST_NAME is blank"},
				{"error missing-required 2 GRADE", "GRADE is blank"},
				{"error missing-required 2 PASSWORD", "blank passwords are allowed only with --google-sso"},
			}},
		{name: "a blank STUDENT_ID is not read", data: lines(header, ",Ana,Lopez,9,s1,,pw"),
			want: []want{{"error missing-required 2 STUDENT_ID", "STUDENT_ID is blank"}}},
		{name: "duplicate STUDENT_ID names the first line", users: 2,
			data: lines(header, "7,Ana,Lopez,9,s1,,pw", "8,Ben,Ode,9,s1,,pw", "7,Cy,Lee,9,s1,,pw", "7,Di,Lee,9,s1,,pw"),
			want: []want{
				{"error duplicate-id 4 STUDENT_ID", `STUDENT_ID "7" is already on line 2`},
				{"error duplicate-id 5 STUDENT_ID", `STUDENT_ID "7" is already on line 2`},
			}},
		{name: "ragged row is not read", users: 1,
			data: lines(header, "1,Ana,Lopez,9,s1,,pw", "2,Ben,Okafor, Jr,9,s1,,pw"),
			want: []want{{"error ragged-row 3 ", "the row has 8 cells, the header has 7"}}},
		{name: "excel damage", users: 1, data: lines(header, "1.02E+07,Ana,Lopez,9,s1,,pw"),
			want: []want{{"error excel-damage 2 STUDENT_ID", "scientific notation"}}},
		{name: "excel damage in SITE_ID", users: 1, data: lines(header, "1020,Ana,Lopez,9,6.00E+08,,pw"),
			want: []want{{"error excel-damage 2 SITE_ID", "scientific notation"}}},
		{name: "bad email and formula", users: 1, data: lines(header, "1,=cmd,Lopez,9,s1,ana@x,pw"),
			want: []want{
				{"error bad-email 2 EMAIL", `EMAIL "ana@x" is not a valid e-mail address`},
				{"warning formula 2 FIRST_NAME", `FIRST_NAME starts with "="`},
			}},
		{name: "bad birth date, not shown", users: 1, data: lines(header+",MIDDLE_NAME,BIRTHDATE", "1,Ana,Lopez,9,s1,,pw,,2010-02-30"),
			want: []want{{"error bad-date 2 BIRTHDATE", "BIRTHDATE is not a date"}}},
		{name: "header only", data: lines(header),
			want: []want{{"error empty-file 0 ", "a header but no students"}}},
		{name: "empty", data: "",
			want: []want{{"error empty-file 0 ", "the file is empty"}}},
		{name: "bare CR stops once", data: header + "\r1,Ana,Lopez,9,s1,,pw\r",
			want: []want{{"error encoding 1 ", "bare CR"}}},
		{name: "invalid UTF-8", users: 1, data: lines(header, "1,Ana,L\xf3pez,9,s1,,pw"),
			want: []want{{"error encoding 2 ", "not valid UTF-8"}}},
		{name: "windows-1252 is transcoded", users: 1, opts: format.Options{InputEncoding: "windows-1252"},
			data: lines(header, "1,Ana,L\xf3pez,9,s1,,pw")},

		// --google-sso: EMAIL required, PASSWORD not, and the file may stop after EMAIL.
		{name: "sso: email required", opts: sso, users: 2,
			data: lines(header, "1,Ana,Lopez,9,s1,ana@x.org,", "2,Ben,Okafor,9,s1,,"),
			want: []want{{"error missing-required 3 EMAIL", "EMAIL is blank: a value is required when students sign in with Google (--google-sso)"}}},
		{name: "sso: a file may stop after EMAIL", opts: sso, users: 1,
			data: lines("STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,EMAIL", "1,Ana,Lopez,9,s1,ana@x.org")},
		{name: "no sso: PASSWORD column required",
			data: lines("STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,EMAIL", "1,Ana,Lopez,9,s1,ana@x.org"), users: 1,
			want: []want{{"error header 1 PASSWORD", `missing column "PASSWORD" (expected as column 7)`}}},

		// --passwords-are-dates: YYYY-MM-DD and M/D/YYYY in, anything else bad-date (value not shown).
		{name: "dates: accepted forms", opts: dates, users: 4,
			data: lines(header, "1,A,B,9,s1,,2010-02-05", "2,A,B,9,s1,,2/5/2010", "3,A,B,9,s1,,02/05/2010", "4,A,B,9,s1,,12/31/2010")},
		{name: "dates: rejected forms", opts: dates, users: 5,
			data: lines(header, "1,A,B,9,s1,,sunny42", "2,A,B,9,s1,,2/30/2010", "3,A,B,9,s1,,13/1/2010", "4,A,B,9,s1,,2010/02/05", "5,A,B,9,s1,,2/5/10"),
			want: []want{
				{"error bad-date 2 PASSWORD", "PASSWORD is not a date"},
				{"error bad-date 3 PASSWORD", "PASSWORD is not a date"},
				{"error bad-date 4 PASSWORD", "PASSWORD is not a date"},
				{"error bad-date 5 PASSWORD", "PASSWORD is not a date"},
				{"error bad-date 6 PASSWORD", "PASSWORD is not a date"},
			}},

		// --site-map: every SITE_ID must be in it.
		{name: "site map", opts: sites, users: 3,
			data: lines(header, "1,A,B,9,0101,,pw", "2,A,B,9,102,,pw", "3,A,B,9,103,,pw"),
			want: []want{{"error dangling-ref 4 SITE_ID", `SITE_ID "103" is not in the site map sites.xlsx`}}},
		{name: "site map: lost leading zeros are pointed out", opts: sites, users: 1,
			data: lines(header, "1,A,B,9,101,,pw"),
			want: []want{{"error dangling-ref 2 SITE_ID", `(it has "0101": leading zeros lost in a spreadsheet?`}}},
		{name: "no site map, no check", users: 1, data: lines(header, "1,A,B,9,anything,,pw")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, coll, probs := read(t, tt.data, tt.opts)
			checkProblems(t, probs, tt.want)
			for _, p := range probs {
				if p.File != FileName {
					t.Errorf("problem %s names file %q", key(p), p.File)
				}
				for _, secret := range []string{"2010", "sunny42"} {
					if strings.Contains(p.Message, secret) {
						t.Errorf("problem %s shows a secret: %s", key(p), p.Message)
					}
				}
			}
			if info.Format != Name || len(info.Files) != 1 || info.Files[0].Name != FileName {
				t.Errorf("info = %+v", info)
			}
			if got := len(coll.Roster.Users); got != tt.users {
				t.Errorf("%d users read, want %d", got, tt.users)
			}
		})
	}
}

func TestReadMapping(t *testing.T) {
	data := lines(header+",MIDDLE_NAME,BIRTHDATE",
		"00123,Ana,López,9,0101,ana@x.org,2/5/2010,Maria,2/5/2010",
		"00124,Ben,Okafor,K,102,,pw2,,",
		"00125,Cy,Lee,10,0101,,pw3,,2009-12-01")
	opts := format.Options{}.WithSettings(Name, Settings{Sites: []Site{{ID: "0101", Name: "Lincoln High"}, {ID: "102", Name: "Roosevelt"}}})
	info, coll, probs := read(t, data, opts)
	checkProblems(t, probs, nil)
	if info.Files[0].Rows != 3 {
		t.Errorf("rows = %d, want 3", info.Files[0].Rows)
	}
	r := coll.Roster
	wantOrgs := []roster.Org{
		{SourcedID: "0101", Identifier: "0101", Name: "Lincoln High", Type: "school"},
		{SourcedID: "102", Identifier: "102", Name: "Roosevelt", Type: "school"},
	}
	if !slices.EqualFunc(r.Orgs, wantOrgs, func(a, b roster.Org) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("orgs = %+v, want %+v", r.Orgs, wantOrgs)
	}
	u := r.Users[0]
	if u.SourcedID != "00123" || u.Identifier != "00123" || u.Role != "student" || u.EnabledUser != "true" ||
		u.GivenName != "Ana" || u.FamilyName != "López" || u.MiddleName != "Maria" || u.Email != "ana@x.org" ||
		u.Password != "2/5/2010" || !slices.Equal(u.Grades, []string{"09"}) || !slices.Equal(u.OrgIDs, []string{"0101"}) ||
		u.Username != "00123" {
		t.Errorf("user 1 = %+v", u)
	}
	if g := r.Users[1].Grades; !slices.Equal(g, []string{"KG"}) {
		t.Errorf("grade K read as %v, want KG", g)
	}
	if g := r.Users[2].Grades; !slices.Equal(g, []string{"10"}) {
		t.Errorf("grade 10 read as %v, want 10", g)
	}
	wantDemo := []roster.Demographics{{SourcedID: "00123", BirthDate: "2010-02-05"}, {SourcedID: "00125", BirthDate: "2009-12-01"}}
	if fmt.Sprint(r.Demographics) != fmt.Sprint(wantDemo) {
		t.Errorf("demographics = %+v, want %+v", r.Demographics, wantDemo)
	}

	// With --passwords-are-dates the password is the date as the vendor keeps it, M/D/YYYY.
	_, coll, _ = read(t, lines(header, "1,Ana,Lopez,9,s1,,02/05/2010", "2,Ben,Okafor,9,s1,,2009-12-01"), format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true}))
	if a, b := coll.Roster.Users[0].Password, coll.Roster.Users[1].Password; a != "2/5/2010" || b != "12/1/2009" {
		t.Errorf("date passwords read as %q, %q; want 2/5/2010, 12/1/2009", a, b)
	}

	// With Google SSO the username is the e-mail address.
	_, coll, _ = read(t, lines(header, "1,Ana,Lopez,9,s1,ana@x.org,"), format.Options{}.WithSettings(Name, Settings{GoogleSSO: true}))
	if got := coll.Roster.Users[0].Username; got != "ana@x.org" {
		t.Errorf("username with SSO = %q, want the e-mail", got)
	}
}

func TestReadOrg(t *testing.T) {
	// --org names the school of a one-site file.
	_, coll, probs := read(t, lines(header, "1,A,B,9,0101,,pw", "2,A,B,9,0101,,pw"), format.Options{Org: "Lincoln High"})
	checkProblems(t, probs, nil)
	if o := coll.Roster.Orgs; len(o) != 1 || o[0].Name != "Lincoln High" || o[0].SourcedID != "0101" {
		t.Errorf("orgs = %+v, want one school 0101 named Lincoln High", o)
	}
	// A second site cannot take the same name: reported once, on its first row.
	_, coll, probs = read(t, lines(header, "1,A,B,9,0101,,pw", "2,A,B,9,0102,,pw", "3,A,B,9,0102,,pw"), format.Options{Org: "Lincoln High"})
	checkProblems(t, probs, []want{{"error dangling-ref 3 SITE_ID", `SITE_ID "0102" is another school, but --org names one school ("Lincoln High", SITE_ID "0101")`}})
	if o := coll.Roster.Orgs; len(o) != 2 || o[1].Name != "0102" {
		t.Errorf("orgs = %+v, want the second named by its ID", o)
	}
	// A site map names the schools; --org names only a site the map leaves unnamed (none here).
	opts := format.Options{Org: "Lincoln High"}.WithSettings(Name, Settings{Sites: []Site{{ID: "0101", Name: "L"}, {ID: "0102", Name: "R"}}})
	_, coll, probs = read(t, lines(header, "1,A,B,9,0101,,pw", "2,A,B,9,0102,,pw"), opts)
	checkProblems(t, probs, nil)
	if o := coll.Roster.Orgs; len(o) != 2 || o[0].Name != "L" || o[1].Name != "R" {
		t.Errorf("orgs = %+v, want the site map's names", o)
	}
}

func TestReadLayout(t *testing.T) {
	lay := &format.Layout{Name: "lincoln-s4s", Format: Name, Columns: []format.Column{
		{Name: "STUDENT_ID", Required: true}, {Name: "LAST_NAME", Required: true}, {Name: "FIRST_NAME", Required: true},
		{Name: "HOMEROOM"}, {Name: "PASSWORD"},
	}}
	opts := format.Options{Layout: lay}
	_, coll, probs := read(t, lines("STUDENT_ID,LAST_NAME,FIRST_NAME,HOMEROOM", "1,Lopez,Ana,12B"), opts)
	checkProblems(t, probs, nil)
	u := coll.Roster.Users[0]
	if u.FamilyName != "Lopez" || u.GivenName != "Ana" || !slices.Equal(u.Metadata, []roster.KV{{Key: "HOMEROOM", Value: "12B"}}) {
		t.Errorf("user = %+v", u)
	}
	// The layout's order is enforced, and the built-in columns it leaves out are unknown.
	_, _, probs = read(t, lines("STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE", "1,Ana,Lopez,9"), opts)
	checkProblems(t, probs, []want{
		{"error header 1 FIRST_NAME", "column 2 is FIRST_NAME, expected LAST_NAME: the columns are out of order (columns must be in the order STUDENT_ID,LAST_NAME,FIRST_NAME,HOMEROOM,PASSWORD)"},
		{"error header 1 GRADE", `column 4: unknown column "GRADE"`},
	})
	// A layout without STUDENT_ID cannot be used.
	bad := &format.Layout{Name: "bad", Format: Name, Columns: []format.Column{{Name: "FIRST_NAME"}}}
	_, err := New().Read(t.Context(), fileFS(FileName, "FIRST_NAME\nAna\n"), format.Options{Layout: bad}, roster.Discard{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err == nil || !strings.Contains(err.Error(), "has no STUDENT_ID column") {
		t.Errorf("err = %v, want the missing STUDENT_ID named", err)
	}
}

func TestReadPicksFile(t *testing.T) {
	fsys := fstest.MapFS{
		"README.txt":   {Data: []byte("hello")},
		"Students.CSV": {Data: []byte(lines(header, "1,A,B,9,s1,,pw"))},
	}
	info, _, probs := readFS(t, fsys, format.Options{})
	checkProblems(t, probs, nil)
	if info.Files[0].Name != "Students.CSV" {
		t.Errorf("read %q", info.Files[0].Name)
	}
	_, err := New().Read(t.Context(), fstest.MapFS{"a.txt": {}, "b.txt": {}}, format.Options{}, roster.Discard{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err == nil || !strings.Contains(err.Error(), "no students.csv") {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := New().Read(ctx, fsys, format.Options{}, roster.Discard{}, roster.ReporterFunc(func(roster.Problem) {})); err != context.Canceled {
		t.Errorf("cancelled read: err = %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             format.Match
	}{
		{"exact", "x.csv", header + "\n", format.HeaderMatch},
		{"exact with optional columns", "x.csv", header + ",MIDDLE_NAME,BIRTHDATE\n", format.HeaderMatch},
		{"exact, BIRTHDATE without MIDDLE_NAME", "x.csv", header + ",BIRTHDATE\n", format.HeaderMatch},
		{"sso file stopping after EMAIL", "x.csv", "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,EMAIL\n", format.HeaderMatch},
		{"lower case, another name", "kids.csv", strings.ToLower(header) + "\n", format.NameMatch},
		{"misordered", "kids.csv", "STUDENT_ID,FIRST_NAME,GRADE,LAST_NAME,SITE_ID,EMAIL,PASSWORD\n", format.NameMatch},
		{"named students.csv", "students.csv", "ID,NAME\n", format.NameMatch},
		{"other header, other name", "kids.csv", "ID,NAME\n", format.NoMatch},
		{"capti header", "roster.csv", "email,first_name,last_name,unique_id\n", format.NoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New().Detect(fileFS(tt.file, tt.data)); got != tt.want {
				t.Errorf("Detect = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	for in, want := range map[string]string{"9": "09", "09": "09", "1": "01", "10": "10", "12": "12", "K": "KG", "k": "KG", "KG": "KG", "PK": "PK", "pk": "PK", "TK": "TK", "Other": "Other"} {
		if got := cedsGrade(in); got != want {
			t.Errorf("cedsGrade(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"09": "9", "01": "1", "10": "10", "KG": "K", "PK": "PK", "13": "13", "UG": "UG"} {
		if got := vendorGrade(in); got != want {
			t.Errorf("vendorGrade(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"1997-02-05": "2/5/1997", "2/5/1997": "2/5/1997", "02/05/1997": "2/5/1997", "12/31/2001": "12/31/2001", "2000-02-29": "2/29/2000"} {
		d, ok := parseDate(in)
		if !ok {
			t.Errorf("parseDate(%q) failed", in)
			continue
		}
		if got := slashDate(d); got != want {
			t.Errorf("slashDate(parseDate(%q)) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"", "1997-2-5", "1997/02/05", "2/5/97", "1999-02-29", "0/5/1997", "2/0/1997", "2/5/19970", "a/b/cdef", "1997-13-01"} {
		if _, ok := parseDate(in); ok {
			t.Errorf("parseDate(%q) accepted", in)
		}
	}
}

type memDest = formattest.MemDest

func write(t *testing.T, r *roster.Roster, opts format.Options) (string, []roster.Problem) {
	t.Helper()
	dst := memDest{}
	var probs []roster.Problem
	if err := New().Write(t.Context(), dst, r, opts, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(dst) != 1 || dst[FileName] == nil {
		t.Fatalf("Write created %v, want only %s", dst, FileName)
	}
	slices.SortStableFunc(probs, roster.Compare)
	return dst[FileName].String(), probs
}

// oneRoster is a small OneRoster-shaped roster: a district, two schools, three students, a
// teacher, an administrator and a guardian, with demographics and a class.
func oneRoster() *roster.Roster {
	return &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "d1", Type: "district", Name: "Unified"},
			{SourcedID: "sch1", Type: "school", Name: "Lincoln High", Identifier: "0101"},
			{SourcedID: "sch2", Type: "school", Name: "Roosevelt Middle"},
		},
		Users: []roster.User{
			{SourcedID: "u1", Role: "student", Identifier: "00123", GivenName: "Ana", FamilyName: "López", MiddleName: "M",
				Email: "ana@x.org", Password: "", Grades: []string{"09", "10"}, OrgIDs: []string{"sch1", "sch2"}},
			{SourcedID: "u2", Role: "student", Identifier: "", GivenName: "Ben", FamilyName: "Okafor",
				Password: "1997-02-05", Grades: []string{"KG"}, OrgIDs: []string{"d1", "sch2"}},
			{SourcedID: "u3", Role: "student", Identifier: "00125", GivenName: "Cy", FamilyName: "Lee",
				Password: "Tiger,7", Grades: []string{"PK"}, OrgIDs: []string{"sch1"}},
			{SourcedID: "t1", Role: "teacher", GivenName: "T", FamilyName: "One", OrgIDs: []string{"sch1"}},
			{SourcedID: "a1", Role: "administrator", GivenName: "A", FamilyName: "One", OrgIDs: []string{"d1"}},
			{SourcedID: "g1", Role: "guardian", GivenName: "G", FamilyName: "One"},
		},
		Classes:     []roster.Class{{SourcedID: "c1"}},
		Enrollments: []roster.Enrollment{{SourcedID: "e1"}, {SourcedID: "e2"}},
		Demographics: []roster.Demographics{
			{SourcedID: "u1", BirthDate: "2010-02-05", Sex: "female"},
			{SourcedID: "u3", BirthDate: "2011-11-30"},
		},
	}
}

func TestWriteFromOneRoster(t *testing.T) {
	out, probs := write(t, oneRoster(), format.Options{}.WithSettings(Name, Settings{GoogleSSO: true}))
	// Google SSO requires EMAIL: Ben and Cy have none.
	checkProblems(t, probs, []want{
		{"error missing-required 0 EMAIL", `student "u2" has no value for EMAIL (required with --google-sso): not written`},
		{"error missing-required 0 EMAIL", `student "u3" has no value for EMAIL`},
		{"info lossy 0 ", "1 user with role administrator dropped"},
		{"info lossy 0 ", "1 user with role guardian dropped"},
		{"info lossy 0 ", "1 user with role teacher dropped"},
		{"info lossy 0 ", "1 class dropped"},
		{"info lossy 0 ", "2 enrollments dropped"},
		{"info lossy 0 ", "demographics of 1 user dropped"},
		{"info lossy 0 ", "1 student belongs to more than one school"},
		{"info lossy 0 ", "1 student has more than one grade"},
		{"info lossy 0 ", "the sourcedIds of 1 student not written: STUDENT_ID holds the identifier"},
	})
	// PASSWORD stays in its place, blank: the order is fixed.
	if want := lines(header+",MIDDLE_NAME,BIRTHDATE", "00123,Ana,López,9,0101,ana@x.org,,M,2010-02-05"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}

	out, probs = write(t, oneRoster(), format.Options{})
	checkProblems(t, probs, []want{
		{"error missing-required 0 PASSWORD", `student "u1" has no value for PASSWORD (use --passwords-are-dates to take birth dates, or --google-sso)`},
		{"info lossy 0 ", "administrator"}, {"info lossy 0 ", "guardian"}, {"info lossy 0 ", "teacher"},
		{"info lossy 0 ", "1 class dropped"}, {"info lossy 0 ", "enrollments"}, {"info lossy 0 ", "demographics"},
		{"info lossy 0 ", "more than one school"}, {"info lossy 0 ", "more than one grade"},
		{"info lossy 0 ", "the sourcedIds of 1 student not written"},
	})
	wantOut := lines(header+",BIRTHDATE",
		"u2,Ben,Okafor,K,sch2,,1997-02-05,",
		`00125,Cy,Lee,PK,0101,,"Tiger,7",2011-11-30`)
	if out != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
}

func TestWritePasswordsAreDates(t *testing.T) {
	r := oneRoster()
	r.Users[2].Password = "" // Cy takes the birth date too
	out, probs := write(t, r, format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true, StudentID: "sourcedId"}))
	for _, p := range probs {
		if p.Severity == roster.Error {
			t.Errorf("unexpected %s: %s", key(p), p.Message)
		}
	}
	// Birth dates for blank passwords, M/D/YYYY without zero padding; STUDENT_ID from sourcedId.
	wantOut := lines(header+",MIDDLE_NAME,BIRTHDATE",
		"u1,Ana,López,9,0101,ana@x.org,2/5/2010,M,2010-02-05",
		"u2,Ben,Okafor,K,sch2,,2/5/1997,,",
		"u3,Cy,Lee,PK,0101,,11/30/2011,,2011-11-30")
	if out != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}

	// A password that is not a date is an error for that student, the value not shown.
	r = oneRoster()
	out, probs = write(t, r, format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true}))
	var errs []roster.Problem
	for _, p := range probs {
		if p.Severity == roster.Error {
			errs = append(errs, p)
		}
	}
	checkProblems(t, errs, []want{{"error bad-date 0 PASSWORD", `student "u3": the password is not a date written YYYY-MM-DD or M/D/YYYY`}})
	if strings.Contains(errs[0].Message, "Tiger") || strings.Contains(out, "Tiger") {
		t.Error("the password is shown or written")
	}
}

func TestWriteSiteMap(t *testing.T) {
	sm := []Site{{ID: "0101", Name: "Lincoln High"}, {ID: "0202", Name: "roosevelt middle "}}
	out, probs := write(t, oneRoster(), format.Options{}.WithSettings(Name, Settings{GoogleSSO: true, Sites: sm, SiteMap: "sites.csv"}))
	// sch2 has no identifier and its sourcedId is not a SITE_ID: matched by name (any case).
	if !strings.Contains(out, "\n00123,Ana,López,9,0101,ana@x.org,") {
		t.Errorf("output:\n%s", out)
	}
	for _, p := range probs {
		if p.Code == roster.CodeDanglingRef {
			t.Errorf("unexpected %s: %s", key(p), p.Message)
		}
	}

	// A school neither a SITE_ID nor a SITE_NAME is an error naming the site map.
	sm = []Site{{ID: "0101", Name: "Lincoln High"}}
	_, probs = write(t, oneRoster(), format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true, Sites: sm, SiteMap: "sites.csv"}))
	var dangling []roster.Problem
	for _, p := range probs {
		if p.Code == roster.CodeDanglingRef {
			dangling = append(dangling, p)
		}
	}
	checkProblems(t, dangling, []want{{"error dangling-ref 0 SITE_ID", `student "u2": school "Roosevelt Middle" (sch2) is neither a SITE_ID nor a SITE_NAME in sites.csv`}})

	// Two sites with the school's name: ambiguous.
	sm = []Site{{ID: "0101", Name: "Lincoln High"}, {ID: "7", Name: "Roosevelt Middle"}, {ID: "8", Name: "ROOSEVELT MIDDLE"}}
	_, probs = write(t, oneRoster(), format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true, Sites: sm}))
	dangling = nil
	for _, p := range probs {
		if p.Code == roster.CodeDanglingRef {
			dangling = append(dangling, p)
		}
	}
	checkProblems(t, dangling, []want{{"error dangling-ref 0 SITE_ID", "names 2 sites"}})
}

func TestWriteWholeFieldMissing(t *testing.T) {
	// A Capti roster read with --org: no grades anywhere. One error for the file, not one per student.
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "lincoln-high", Name: "Lincoln High", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "1", Role: "student", GivenName: "A", FamilyName: "B", Password: "p", OrgIDs: []string{"lincoln-high"}},
			{SourcedID: "2", Role: "student", GivenName: "C", FamilyName: "D", Password: "p", OrgIDs: []string{"lincoln-high"}},
		},
	}
	_, probs := write(t, r, format.Options{})
	checkProblems(t, probs, []want{{"error missing-required 0 GRADE", "none of the 2 students has a value for GRADE (no grade in the input"}})

	// Without orgs: SITE_ID too, with the --org hint.
	r.Orgs = nil
	_, probs = write(t, r, format.Options{})
	checkProblems(t, probs, []want{
		{"error missing-required 0 GRADE", "none of the 2 students has a value for GRADE"},
		{"error missing-required 0 SITE_ID", "none of the 2 students has a value for SITE_ID (no school org: give --org NAME"},
	})

	// A layout that does not require GRADE writes it blank.
	lay := DefaultLayout()
	lay.Columns[3].Required = false
	r.Orgs = []roster.Org{{SourcedID: "lincoln-high", Name: "Lincoln High", Type: "school"}}
	out, probs := write(t, r, format.Options{Layout: &lay})
	checkProblems(t, probs, nil)
	// A layout writes all of its columns, in its order.
	if want := lines(header+",MIDDLE_NAME,BIRTHDATE", "1,A,B,,lincoln-high,,p,,", "2,C,D,,lincoln-high,,p,,"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}

func TestWriteIDCollision(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "u1", Identifier: "7", Role: "student", GivenName: "A", FamilyName: "B", Grades: []string{"01"}, Password: "p", OrgIDs: []string{"s"}},
			{SourcedID: "u2", Identifier: "7", Role: "student", GivenName: "C", FamilyName: "D", Grades: []string{"01"}, Password: "p", OrgIDs: []string{"s"}},
		},
	}
	out, probs := write(t, r, format.Options{})
	checkProblems(t, probs, []want{{"error id-collision 0 STUDENT_ID", `student "u1" and student "u2" would both be STUDENT_ID "7"`},
		{"info lossy 0 ", "the sourcedIds of 1 student not written"}})
	if want := lines(header, "7,A,B,1,s,,p"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	// --student-id sourcedId keeps them apart.
	out, probs = write(t, r, format.Options{}.WithSettings(Name, Settings{StudentID: "sourcedId"}))
	checkProblems(t, probs, nil)
	if want := lines(header, "u1,A,B,1,s,,p", "u2,C,D,1,s,,p"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if err := New().Write(t.Context(), memDest{}, r, format.Options{}.WithSettings(Name, Settings{StudentID: "ssid"}), roster.ReporterFunc(func(roster.Problem) {})); err == nil {
		t.Error("an unknown --student-id was accepted")
	}
}

// TestRoundTrip reads the shipped example, writes it and reads it again: the same file.
func TestRoundTrip(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "students", "students.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, coll, probs := read(t, string(b), format.Options{})
	checkProblems(t, probs, nil)
	out, wprobs := write(t, &coll.Roster, format.Options{})
	checkProblems(t, wprobs, nil)
	if out != string(b) {
		t.Errorf("round trip changed the file:\n%s\nwant:\n%s", out, b)
	}
	// Passwords that are dates come back as M/D/YYYY.
	_, coll, _ = read(t, lines(header, "1,A,B,9,s,,1997-02-05", "2,A,B,9,s,,02/05/1997"), format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true}))
	out, _ = write(t, &coll.Roster, format.Options{}.WithSettings(Name, Settings{PasswordsAreDates: true}))
	if want := lines(header, "1,A,B,9,s,,2/5/1997", "2,A,B,9,s,,2/5/1997"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}

// FuzzRead checks that any input is read without a panic, and that every problem has a
// severity, a code and a line within the file.
func FuzzRead(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "students", "students.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, uint8(0))
	f.Add([]byte(lines(header+",MIDDLE_NAME,BIRTHDATE", "1,A,B,9,s,,2/5/2010,,2010-02-30", "1,A,B,9,s,,x")), uint8(3))
	f.Add([]byte("student_id,GRADE\r\n\"1,2\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		set := Settings{GoogleSSO: flags&1 != 0, PasswordsAreDates: flags&2 != 0}
		if flags&4 != 0 {
			set.Sites = []Site{{ID: "0101", Name: "L"}}
		}
		opts := format.Options{Org: "Lincoln High"}.WithSettings(Name, set)
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		rep := roster.ReporterFunc(func(p roster.Problem) {
			if p.Severity == "" || p.Code == "" || p.Line < 0 || p.Line > lines {
				t.Errorf("bad problem %+v (input has %d lines)", p, lines)
			}
		})
		if _, err := New().Read(t.Context(), fileFS(FileName, string(data)), opts, roster.Discard{}, rep); err != nil {
			t.Errorf("Read: %v", err)
		}
	})
}

// A middle name the written file has no MIDDLE_NAME column for is counted as lossy; with the
// column, it is written and not counted.
func TestWriteCountsMiddleNames(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "7", Identifier: "7", Role: "student", GivenName: "A", MiddleName: "Q", FamilyName: "B", Grades: []string{"01"}, Password: "p", OrgIDs: []string{"s"}},
		},
	}
	l := &format.Layout{Name: "nomiddle", Format: Name, Columns: []format.Column{
		{Name: ColStudentID, Required: true}, {Name: ColFirstName}, {Name: ColLastName}, {Name: ColGrade}, {Name: ColSiteID}, {Name: ColEmail}, {Name: ColPassword}}}
	out, probs := write(t, r, format.Options{Layout: l})
	checkProblems(t, probs, []want{{"info lossy 0 ", "the middle names of 1 student not written: the layout has no MIDDLE_NAME column"}})
	if want := lines(header, "7,A,B,1,s,,p"); out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}
