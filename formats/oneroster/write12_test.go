package oneroster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// writeAs writes r with the writer set to version and returns the files written.
func writeAs(t *testing.T, r *roster.Roster, version string, opts format.Options) (fstest.MapFS, []roster.Problem) {
	t.Helper()
	opts, err := WithVersion(opts, version)
	if err != nil {
		t.Fatal(err)
	}
	out := formattest.MemDest{}
	var probs roster.Problems
	if err := New().Write(context.Background(), out, r, opts, &probs); err != nil {
		t.Fatal(err)
	}
	m := out.FS()
	return m, probs.List()
}

// collect reads fsys into a roster and returns it with the problems.
func collect(t *testing.T, fsys fs.FS, opts format.Options) (*roster.Roster, format.Info, []roster.Problem) {
	t.Helper()
	coll := &roster.Collector{}
	info, probs := read(t, fsys, opts, coll)
	return &coll.Roster, info, probs
}

// The shipped 1.1 example and the LMS-Toolkit samples (read with --fix, as convert would
// repair their export damage), written as OneRoster 1.2, validate clean as 1.2: roles.csv,
// the 1.2 users columns and a 1.2 manifest with its 21 file rows.
func TestWrite12ValidatesClean(t *testing.T) {
	for _, dir := range []string{"../../examples/oneroster", "testdata/lms-toolkit/v1p1-sample", "testdata/lms-toolkit/v1p0-sample"} {
		t.Run(dir, func(t *testing.T) {
			r, _, _ := collect(t, os.DirFS(dir), format.Options{Fix: true})
			m, _ := writeAs(t, r, "1.2", format.Options{})
			for _, n := range []string{"manifest.csv", "users.csv", "roles.csv"} {
				if m[n] == nil {
					t.Fatalf("%s not written", n)
				}
			}
			man := string(m["manifest.csv"].Data)
			if !strings.Contains(man, "\noneroster.version,1.2\n") || !strings.Contains(man, "\nfile.roles,bulk\n") ||
				strings.Count(man, "\nfile.") != len(manifestFiles2) {
				t.Errorf("manifest.csv is not a 1.2 manifest:\n%s", man)
			}
			head, _, _ := strings.Cut(string(m["users.csv"].Data), "\n")
			if want := strings.Join(v12Names("users.csv"), ","); head != want {
				t.Errorf("users.csv header %s\nwant %s", head, want)
			}
			info, probs := read(t, m, format.Options{}, roster.Discard{})
			if info.Version != "1.2" {
				t.Errorf("read back as %q", info.Version)
			}
			for _, p := range probs {
				t.Errorf("%s %s", key(p), p.Message)
			}
		})
	}
}

// v12Names is the 1.2.1 header of a file (without 1.2 Final's optional columns).
func v12Names(name string) []string {
	var out []string
	for _, f := range v12 {
		if f.name == name {
			for _, c := range f.cols {
				if !c.optional {
					out = append(out, c.name)
				}
			}
		}
	}
	return out
}

// 1.1 -> 1.2 -> 1.1 keeps the roster whole: the roster read back from the 1.2 package is the one
// read from the 1.1 example, field for field, and the 1.1 package written from it is the
// example byte for byte.
func TestRoundTrip11To12To11(t *testing.T) {
	r11, _, probs := collect(t, pkgFS(t), format.Options{})
	if len(probs) > 0 {
		t.Fatal(keys(probs))
	}
	m12, _ := writeAs(t, r11, "1.2", format.Options{})
	r12, _, probs := collect(t, m12, format.Options{})
	if len(probs) > 0 {
		t.Fatal(keys(probs))
	}
	if got, want := fmt.Sprint(*r12), fmt.Sprint(*r11); got != want {
		t.Errorf("the roster read from 1.2 differs from the 1.1 one:\n%s\nwant\n%s", got, want)
	}
	m11, _ := writeAs(t, r12, "1.1", format.Options{})
	src := pkgFS(t)
	for n, f := range src {
		if n == "manifest.csv" {
			continue // source.systemName differs
		}
		if string(m11[n].Data) != string(f.Data) {
			t.Errorf("%s after 1.1 -> 1.2 -> 1.1 differs from the example", n)
		}
	}
}

// A 1.2 package normalized to 1.2 keeps its roles: roles.csv and users.csv come out as they
// went in (the package is spec-clean and uses the writer's role IDs).
func TestNormalize12KeepsRoles(t *testing.T) {
	dir := "../../pkg/testdata/oneroster-1.2"
	r, info, probs := collect(t, os.DirFS(dir), format.Options{})
	if info.Version != "1.2" || len(probs) > 0 {
		t.Fatalf("version %q, problems %v", info.Version, keys(probs))
	}
	m, _ := writeAs(t, r, "1.2", format.Options{})
	for _, n := range []string{"roles.csv", "users.csv", "enrollments.csv"} {
		want, err := os.ReadFile(dir + "/" + n)
		if err != nil {
			t.Fatal(err)
		}
		if m[n] == nil || string(m[n].Data) != string(want) {
			t.Errorf("%s normalized 1.2 -> 1.2 is not the input", n)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{"": "1.1", "1.1": "1.1", "1.2": "1.2", " 1.2 ": "1.2", "1.2.1": "1.2"} {
		if got, err := ParseVersion(in); err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"1.0", "2", "v1.2"} {
		if _, err := ParseVersion(in); err == nil || !strings.Contains(err.Error(), "write 1.1 or 1.2") {
			t.Errorf("ParseVersion(%q): %v", in, err)
		}
	}
	if _, err := WithVersion(format.Options{}, "1.3"); err == nil {
		t.Error("WithVersion took version 1.3")
	}
}

// roles.csv row by row: one primary role per org of a user (each org once), administrators as
// siteAdministrator in a school and districtAdministrator in a district, a user without org
// reported, not given a role; a delta users.csv makes a delta roles.csv carrying the users'
// statuses.
func TestWriteRoles12Rows(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "d1", Name: "D", Type: "district"}, {SourcedID: "s1", Name: "S", Type: "school", ParentID: "d1"}},
		Users: []roster.User{
			{SourcedID: "a1", EnabledUser: "true", OrgIDs: []string{"s1", "d1", "s1"}, Role: "administrator", Username: "a", GivenName: "A", FamilyName: "B"},
			{SourcedID: "t1", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "teacher", Username: "t", GivenName: "T", FamilyName: "U", PreferredGivenName: "Tee", Pronouns: "they/them"},
			{SourcedID: "x1", EnabledUser: "true", Role: "student", Username: "x", GivenName: "X", FamilyName: "Y"},
			{SourcedID: "gone", Status: "tobedeleted", OrgIDs: []string{"s1"}, Role: "student"},
		},
	}
	m, probs := writeAs(t, r, "1.2", format.Options{})
	want := "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n" +
		"role-a1-0,,,a1,primary,siteAdministrator,,,s1,\n" +
		"role-a1-1,,,a1,primary,districtAdministrator,,,d1,\n" +
		"role-t1-0,,,t1,primary,teacher,,,s1,\n"
	if got := string(m["roles.csv"].Data); got != want {
		t.Errorf("roles.csv:\n%s\nwant:\n%s", got, want)
	}
	users := string(m["users.csv"].Data)
	if !strings.Contains(users, "\nt1,,,true,t,,T,U,,,,,,,,,,Tee,,,,they/them\n") || strings.Contains(users, "gone") {
		t.Errorf("users.csv:\n%s", users)
	}
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.Message)
	}
	if w := `1 user has no role in roles.csv (the first is "x1"): a 1.2 role needs a role and an org, and it has none`; !strings.Contains(strings.Join(msgs, "\n"), w) {
		t.Errorf("no %q in %q", w, msgs)
	}

	r.Delta = map[roster.Kind]bool{roster.UserKind: true}
	r.Users = r.Users[3:]
	r.Users[0].DateLastModified = "2026-01-02T03:04:05.000Z"
	m, _ = writeAs(t, r, "1.2", format.Options{})
	if got := string(m["roles.csv"].Data); !strings.HasSuffix(got, "\nrole-gone-0,tobedeleted,2026-01-02T03:04:05.000Z,gone,primary,student,,,s1,\n") {
		t.Errorf("delta roles.csv:\n%s", got)
	}
	if man := string(m["manifest.csv"].Data); !strings.Contains(man, "\nfile.roles,delta\n") || !strings.Contains(man, "\nfile.users,delta\n") {
		t.Errorf("manifest.csv:\n%s", man)
	}
}

// What a 1.2 roles.csv says that the roster model has no place for is reported when the package
// is read into a roster (convert, diff), once per kind with the count and the first line, and
// not by validate, which builds no roster.
func TestRead12RoleDetailLost(t *testing.T) {
	m := pkgFS(t)
	to12(t, m)
	edit(t, m, "roles.csv", "role-adm38,,,adm38,primary,districtAdministrator,,,district1,", "role-adm38,,,adm38,primary,principal,2026-08-01,,district1,")
	m["roles.csv"].Data = append(m["roles.csv"].Data, []byte("role-tch37-b,,,tch37,secondary,counselor,,,sch1,\n")...)
	r, _, probs := collect(t, m, format.Options{})
	var got []string
	for _, p := range probs {
		got = append(got, key(p)+" "+p.Message)
	}
	want := []string{
		`roles.csv:40 info lossy [beginDate] 1 role's beginDate, endDate or userProfileSourcedId not kept: the roster has no place for them`,
		`roles.csv:40 info lossy [role] 2 roles of the 1.2 vocabulary read as 1.1 roles (counselor as teacher, principal as administrator): the roster keeps the 1.1 roles`,
		`roles.csv:42 info lossy [role] 1 user has different roles in different orgs (tch37): the roster keeps each user's primary role, given in all their orgs`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, u := range r.Users {
		if u.SourcedID == "tch37" && (u.Role != "teacher" || strings.Join(u.OrgIDs, ",") != "sch0,sch1") {
			t.Errorf("tch37 read as %s in %v", u.Role, u.OrgIDs)
		}
	}
	if _, probs := read(t, m, format.Options{}, roster.Discard{}); len(probs) != 0 {
		t.Errorf("validate reports %v", keys(probs))
	}
	for _, p := range func() []roster.Problem {
		_, p := read(t, m, format.Options{Vendor: "capti"}, roster.Discard{})
		return p
	}() {
		if p.Code == roster.CodeLossy && p.File == "roles.csv" {
			t.Errorf("validate --vendor capti reports %s %s", key(p), p.Message)
		}
	}
}

// Writing 1.1 from a roster with 1.2 user columns filled says what 1.1 has no column for. A
// primary org that is the first of orgSourcedIds (an SDS user's, or a user's only org) is
// kept: 1.1 writes the orgs in order, and the first is the one every writer takes as primary.
func TestWrite11Drops12UserColumns(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s1", Name: "S", Type: "school"}, {SourcedID: "s2", Name: "T", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "u1", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "student", Username: "a", GivenName: "A", FamilyName: "B", PreferredGivenName: "Al", Pronouns: "he/him"},
			{SourcedID: "u2", EnabledUser: "true", OrgIDs: []string{"s1", "s2"}, Role: "student", Username: "b", GivenName: "B", FamilyName: "C", PrimaryOrgID: "s2"},
			{SourcedID: "u3", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "student", Username: "c", GivenName: "C", FamilyName: "D"},
			{SourcedID: "u4", EnabledUser: "true", OrgIDs: []string{"s1", "s2"}, Role: "teacher", Username: "d", GivenName: "D", FamilyName: "E", PrimaryOrgID: "s1"},
			{SourcedID: "u5", EnabledUser: "true", OrgIDs: []string{"s2"}, Role: "student", Username: "e", GivenName: "E", FamilyName: "F", PrimaryOrgID: "s2"},
		},
	}
	_, probs := writeAs(t, r, "1.1", format.Options{})
	want := "users.csv info lossy 2 users' OneRoster 1.2 columns (userMasterIdentifier, preferred names, primaryOrgSourcedId, pronouns) not written: 1.1 has no place for them (write OneRoster 1.2 to keep them)"
	var got []string
	for _, p := range probs {
		got = append(got, p.File+" "+string(p.Severity)+" "+p.Code+" "+p.Message)
	}
	if !slices.Contains(got, want) {
		t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if _, probs := writeAs(t, r, "1.2", format.Options{}); len(probs) != 0 {
		t.Errorf("1.2 reports %v", keys(probs))
	}
}
