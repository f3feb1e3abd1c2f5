package sds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

func writeRoster(t *testing.T, f Format, r *roster.Roster, set ...Settings) (formattest.MemDest, []roster.Problem) {
	t.Helper()
	dst := formattest.MemDest{}
	var probs []roster.Problem
	opts := format.Options{}
	for _, s := range set {
		opts = opts.WithSettings(Name, s)
	}
	if err := f.Write(t.Context(), dst, r, opts, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })); err != nil {
		t.Fatal(err)
	}
	return dst, probs
}

func smallRoster() *roster.Roster {
	return &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "sch1", Name: "Lincoln", Type: "school"}},
		Users: []roster.User{
			{SourcedID: "u1", Username: "ada@school.org", Role: "student", OrgIDs: []string{"sch1"}, GivenName: "Ada", FamilyName: "L"},
			{SourcedID: "u2", Username: "bob", Email: "bob@school.org", Role: "teacher", OrgIDs: []string{"sch1"}, GivenName: "Bob", FamilyName: "K"},
			{SourcedID: "u3", Username: "cy", Role: "student", OrgIDs: []string{"sch1"}, GivenName: "Cy", FamilyName: "M"},
		},
	}
}

// A username without a domain takes the e-mail, else the domain option; with neither the
// user is refused with a problem, and is not written.
func TestWriteUsernameDomain(t *testing.T) {
	dst, probs := writeRoster(t, New(), smallRoster())
	users := dst["users.csv"].String()
	if !strings.Contains(users, "u2,bob@school.org,") {
		t.Errorf("bob's username did not take his e-mail:\n%s", users)
	}
	if strings.Contains(users, "u3,") {
		t.Errorf("cy, with no domain and no e-mail, was written:\n%s", users)
	}
	if strings.Contains(dst["roles.csv"].String(), "u3,") {
		t.Errorf("cy's role was written without cy")
	}
	var refused bool
	for _, p := range probs {
		if p.Severity == roster.Error && p.Code == roster.CodeBadID && p.Column == "username" && strings.Contains(p.Message, `user "u3"`) && strings.Contains(p.Message, "domain option") {
			refused = true
		}
	}
	if !refused {
		t.Errorf("no bad-id problem refusing u3: %v", probs)
	}

	dst, probs = writeRoster(t, New(), smallRoster(), Settings{Domain: "school.org"})
	if !strings.Contains(dst["users.csv"].String(), "u3,cy@school.org,") {
		t.Errorf("the domain option was not used:\n%s", dst["users.csv"])
	}
	for _, p := range probs {
		if p.Severity == roster.Error {
			t.Errorf("with a domain: %v", p)
		}
	}
}

// What SDS has no place for is counted by reason, by Write and the streaming writer alike;
// records to be deleted are not written.
func TestWriteLossy(t *testing.T) {
	r := smallRoster()
	r.Users[0].MiddleName = "Q"
	r.Users = append(r.Users, roster.User{SourcedID: "u4", Status: "tobedeleted", Username: "d@school.org"})
	r.Classes = []roster.Class{{SourcedID: "c1", SchoolID: "sch1", Title: "Math", ClassCode: "M1", Periods: []string{"1"}},
		{SourcedID: "c2", SchoolID: "sch1", Title: "Art", ClassType: "homeroom", Location: "12", Grades: []string{"09"}, SubjectCodes: []string{"A"}}}
	r.Enrollments = []roster.Enrollment{
		{SourcedID: "e1", ClassID: "c1", UserID: "u1", Role: "student"},
		{SourcedID: "e2", ClassID: "c1", UserID: "u1", Role: "student"},
		{SourcedID: "e3", ClassID: "c1", UserID: "u3", Role: "student"},
	}
	dst, probs := writeRoster(t, New(), r)
	var lossy []string
	for _, p := range probs {
		if p.Code == roster.CodeLossy {
			lossy = append(lossy, p.File+": "+p.Message)
		}
	}
	for _, want := range []string{
		"users.csv: 1 middle names not written",
		"users.csv: 1 with status tobedeleted not written",
		"classes.csv: 1 class codes not written",
		"classes.csv: 1 periods not written",
		"classes.csv: 1 class types other than scheduled not written",
		"classes.csv: 1 locations not written",
		"classes.csv: 1 class grades not written",
		"classes.csv: 1 class subjects not written",
		"enrollments.csv: 1 enrollments repeating another's class, user and role not written",
		"enrollments.csv: 1 enrollments of users not written left out",
		"enrollments.csv: 1 enrollment sourcedIds not written: SDS enrollments have none, and read back each is class/user/role",
	} {
		found := false
		for _, l := range lossy {
			found = found || strings.HasPrefix(l, want)
		}
		if !found {
			t.Errorf("no lossy %q in:\n%s", want, strings.Join(lossy, "\n"))
		}
	}
	if got := dst["enrollments.csv"].String(); got != "classSourcedId,userSourcedId,role\r\nc1,u1,student\r\n" {
		t.Errorf("enrollments.csv:\n%q", got)
	}
	formattest.StreamMatchesWrite(t, New(), "lossy", r, format.Options{})
}

// A value with a line break is refused (SDS accepts none, even quoted), never written.
func TestWriteLineBreakRefused(t *testing.T) {
	r := smallRoster()
	r.Orgs[0].Name = "Lincoln\nElementary"
	dst, probs := writeRoster(t, New(), r)
	if strings.Contains(dst["orgs.csv"].String(), "Lincoln") {
		t.Errorf("an org with a line break was written:\n%s", dst["orgs.csv"])
	}
	if len(probs) == 0 || probs[0].Code != roster.CodeParse || probs[0].Column != "name" {
		t.Errorf("problems %v", probs)
	}
}

// readBack reads the files written to dst back with every check, which must find no problem,
// and returns the roster read; user id (unless "") must be read back with role.
func readBack(t *testing.T, dst formattest.MemDest, id, role string) *roster.Roster {
	t.Helper()
	_, coll, probs := formattest.Read(t, New(), dst.FS(), format.Options{})
	formattest.CheckProblems(t, probs, nil)
	found := id == ""
	for _, u := range coll.Roster.Users {
		if u.SourcedID == id {
			found = true
			if u.Role != role {
				t.Errorf("%s read back with role %q, want %s", id, u.Role, role)
			}
		}
	}
	if !found {
		t.Errorf("%s not read back", id)
	}
	return &coll.Roster
}

// Guardians become users with relationships, not roles; the file set reads back clean.
func TestWriteContacts(t *testing.T) {
	r := smallRoster()
	r.Users[0].AgentIDs = []string{"g1"}
	r.Users = append(r.Users[:2], roster.User{SourcedID: "g1", Username: "gia@home.net", Email: "gia@home.net", Role: "parent", GivenName: "Gia", FamilyName: "L"})
	dst, _ := writeRoster(t, New(), r)
	if got := dst["relationships.csv"].String(); got != "userSourcedId,relationshipUserSourcedId,relationshipRole\r\nu1,g1,parent\r\n" {
		t.Errorf("relationships.csv:\n%q", got)
	}
	if strings.Contains(dst["roles.csv"].String(), "g1") {
		t.Errorf("a parent has a roles.csv row:\n%s", dst["roles.csv"])
	}
	readBack(t, dst, "g1", "parent")
}

// A session without a schoolYear (OneRoster 1.0 has none) takes the end date's year of its
// school year (its parent, else its own), so the output meets SDS's required column.
func TestWriteFillsSchoolYear(t *testing.T) {
	r := smallRoster()
	r.AcademicSessions = []roster.AcademicSession{
		{SourcedID: "y", Title: "2020-2021", Type: "schoolYear", StartDate: "2020-08-01", EndDate: "2021-06-30"},
		{SourcedID: "fall", Title: "Fall", Type: "semester", ParentID: "y", StartDate: "2020-08-01", EndDate: "2020-12-20"},
	}
	dst, _ := writeRoster(t, New(), r)
	got := dst["academicSessions.csv"].String()
	for _, want := range []string{"y,2020-2021,schoolYear,2021,", "fall,Fall,semester,2021,"} {
		if !strings.Contains(got, want) {
			t.Errorf("academicSessions.csv lacks %q:\n%s", want, got)
		}
	}
}

// An aide is written as SDS's teacherAssistant (SDS has no aide role) and read back as an
// aide, in roles.csv and in enrollments.csv: a OneRoster package with aides goes to SDS and
// back (OneRoster has no teacherAssistant).
func TestAideRoundTrip(t *testing.T) {
	r := smallRoster()
	r.Users[1].Role = "aide"
	r.Classes = []roster.Class{{SourcedID: "c1", SchoolID: "sch1", Title: "Math", ClassType: "scheduled"}}
	r.Enrollments = []roster.Enrollment{
		{SourcedID: "e1", ClassID: "c1", SchoolID: "sch1", UserID: "u1", Role: "student"},
		{SourcedID: "e2", ClassID: "c1", SchoolID: "sch1", UserID: "u2", Role: "aide"},
	}
	dst, _ := writeRoster(t, New(), r)
	if !strings.Contains(dst["roles.csv"].String(), "u2,sch1,teacherAssistant") {
		t.Errorf("roles.csv:\n%s", dst["roles.csv"])
	}
	if !strings.Contains(dst["enrollments.csv"].String(), "c1,u2,teacherAssistant") {
		t.Errorf("enrollments.csv:\n%s", dst["enrollments.csv"])
	}
	for _, e := range readBack(t, dst, "u2", "aide").Enrollments {
		if e.UserID == "u2" && e.Role != "aide" {
			t.Errorf("u2's enrollment read back with role %q, want aide", e.Role)
		}
	}
}

// OneRoster links a student and a guardian both ways (each lists the other in
// agentSourcedIds); SDS has one relationships.csv row, student first. The guardian's side is
// not written again as the guardian having the student for a contact ("other"), and reading
// gives the guardian its students back, so OneRoster → SDS → OneRoster keeps both lists.
func TestWriteContactsBothWays(t *testing.T) {
	r := smallRoster()
	r.Users[0].AgentIDs = []string{"g1"}
	r.Users = append(r.Users[:2],
		roster.User{SourcedID: "g1", Username: "gia@home.net", Email: "gia@home.net", Role: "guardian", GivenName: "Gia", FamilyName: "L", AgentIDs: []string{"u1", "u2"}})
	r.Users[1].Role = "student"
	dst, probs := writeRoster(t, New(), r)
	if got := dst["relationships.csv"].String(); got != "userSourcedId,relationshipUserSourcedId,relationshipRole\r\nu1,g1,guardian\r\nu2,g1,guardian\r\n" {
		t.Errorf("relationships.csv:\n%s", got)
	}
	for _, p := range probs {
		if strings.Contains(p.Message, "relationshipRole other") {
			t.Errorf("problem %v", p)
		}
	}
	agents := map[string]string{}
	for _, u := range readBack(t, dst, "", "").Users {
		agents[u.SourcedID] = strings.Join(u.AgentIDs, ",")
	}
	if agents["g1"] != "u1,u2" || agents["u1"] != "g1" || agents["u2"] != "g1" {
		t.Errorf("agentSourcedIds read back: %v", agents)
	}
}

// A user with two isPrimary roles rows takes the first one's role and, first in its orgs and
// as its primary org, the same row's org.
func TestFirstPrimaryRowWins(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, n := range []string{"orgs.csv", "users.csv", "roles.csv", "academicSessions.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "sds", n))
		if err != nil {
			t.Fatal(err)
		}
		fsys[n] = &fstest.MapFile{Data: b}
	}
	fsys["orgs.csv"].Data = append(fsys["orgs.csv"].Data, "sch9,Other,school,district1\r\n"...)
	fsys["roles.csv"].Data = append(fsys["roles.csv"].Data, "stu1,sch9,teacher,sy2026,,true,2026-08-01,2027-06-30\r\n"...)
	_, coll, _ := formattest.Read(t, New(), fsys, format.Options{})
	for _, u := range coll.Roster.Users {
		if u.SourcedID == "stu1" && (u.Role != "student" || strings.Join(u.OrgIDs, ",") != "sch1,sch9" || u.PrimaryOrgID != "sch1") {
			t.Errorf("stu1: role %q, orgs %v, primary %q; want student, [sch1 sch9], sch1", u.Role, u.OrgIDs, u.PrimaryOrgID)
		}
	}
}

// A user the roster gives no role is written without a roles.csv row, and that is not counted
// as lossy: no role was dropped, there was none to write (convert and sync refuse such users
// before writing; the output's check warns of a user without a roles.csv row). A user whose
// role has no row because it has no org does lose its role, and that is counted.
func TestWriteNoRoleIsNotLossy(t *testing.T) {
	r := smallRoster()
	r.Users[0].Role = ""
	r.Users[1].OrgIDs = nil
	dst, probs := writeRoster(t, New(), r)
	if !strings.Contains(dst["users.csv"].String(), "u1,ada@school.org,") {
		t.Fatalf("the user without a role was not written:\n%s", dst["users.csv"])
	}
	if strings.Contains(dst["roles.csv"].String(), "u1,") {
		t.Errorf("a roles.csv row was written for a user without a role:\n%s", dst["roles.csv"])
	}
	orgless := false
	for _, p := range probs {
		if p.Code == roster.CodeLossy && strings.Contains(p.Message, "users without a role written") {
			t.Errorf("a user without a role counted as data dropped: %v", p)
		}
		orgless = orgless || p.Code == roster.CodeLossy && p.File == "roles.csv" && p.Message == "1 users without an org written without a roles.csv row (SDS links users to orgs there)"
	}
	if !orgless {
		t.Errorf("the role of the user without an org is not counted as lossy: %v", probs)
	}
	formattest.StreamMatchesWrite(t, New(), "no role", r, format.Options{})
}
