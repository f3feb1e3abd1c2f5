package rostergen

import (
	"context"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The shape of a district at 1M users, as the generator promises it.
func TestShapeOneMillion(t *testing.T) {
	sh := newShape(1_000_000)
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"schools", sh.schools, 400},
		{"students", sh.students, 860_000},
		{"teachers", sh.teachers, 40_000},
		{"guardians", sh.guardians, 90_000},
		{"administrators", sh.admins, 500},
		{"aides", sh.aides, 9_500},
		{"classes", sh.classes, 860_000 * 6 / 25},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if sum := sh.students + sh.teachers + sh.aides + sh.admins + sh.guardians; sum != sh.users {
		t.Errorf("roles add up to %d users, want %d", sum, sh.users)
	}
}

// Every guardian has one student, who lists it among its guardians, and the other way round.
func TestGuardianLinks(t *testing.T) {
	for _, users := range []int{MinUsers, 100, 999, 12_345, 100_000} {
		sh := newShape(users)
		seen := 0
		for u := range sh.students {
			first, n := sh.studentGuardians(u)
			for j := first; j < first+n; j++ {
				if got := sh.guardianStudent(j); got != u {
					t.Fatalf("%d users: student %d lists guardian %d, whose student is %d", users, u, j, got)
				}
			}
			seen += n
		}
		if seen != sh.guardians {
			t.Errorf("%d users: students list %d guardians, want all %d", users, seen, sh.guardians)
		}
		for j := range sh.guardians {
			if s := sh.guardianStudent(j); s < 0 || s >= sh.students {
				t.Fatalf("%d users: guardian %d has student %d of %d", users, j, s, sh.students)
			}
		}
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUIDs(t *testing.T) {
	p := newPlan(Options{Users: 100, Seed: 1})
	seen := make(map[string]int, 300_000)
	for n := range uint64(300_000) {
		id := string(appendUUID(nil, p, idEnrollment, n))
		if !uuidRE.MatchString(id) {
			t.Fatalf("%d: %q is not a version-4 UUID", n, id)
		}
		if m, ok := seen[id]; ok {
			t.Fatalf("%d and %d share the ID %s", m, n, id)
		}
		seen[id] = int(n)
	}
	if a, b := appendUUID(nil, p, idUser, 7), appendUUID(nil, p, idClass, 7); string(a) == string(b) {
		t.Error("two kinds give the same ID for the same number")
	}
}

func TestEmailParts(t *testing.T) {
	for i, n := range emailGiven[:] {
		if n == "" || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("given name %q gives %q for email", givenNames[i], n)
		}
	}
	for i, n := range emailFamily[:] {
		if n == "" || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("family name %q gives %q for email", familyNames[i], n)
		}
	}
	if got := emailParts([]string{"Nguyễn", "Smith, Jr.", "O'Brien"}); !slices.Equal(got, []string{"nguyen", "smithjr", "obrien"}) {
		t.Errorf("emailParts: %q", got)
	}
}

// The files carry what a district export carries: UUIDs, the role mix, guardian links both
// ways, UTF-8 and quoted names, quoted lists, six classes a student.
func TestGeneratedShape(t *testing.T) {
	dir := t.TempDir()
	sum, err := Generate(context.Background(), dir, Options{Users: 20_000, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	users := readCSV(t, filepath.Join(dir, "users.csv"))
	col := map[string]int{}
	for i, h := range users[0] {
		col[h] = i
	}
	roles := map[string]int{}
	agents := map[string][]string{}
	role := map[string]string{}
	var utf8Names, commaNames, multiOrg, ldap int
	for _, r := range users[1:] {
		id := r[col["sourcedId"]]
		if !uuidRE.MatchString(id) {
			t.Fatalf("user ID %q is not a UUID", id)
		}
		roles[r[col["role"]]]++
		role[id] = r[col["role"]]
		if a := r[col["agentSourcedIds"]]; a != "" {
			agents[id] = strings.Split(a, ",")
		}
		name := r[col["givenName"]] + r[col["familyName"]]
		if !isASCII(name) && utf8.ValidString(name) {
			utf8Names++
		}
		if strings.Contains(r[col["familyName"]], ", ") {
			commaNames++
		}
		if strings.Contains(r[col["orgSourcedIds"]], ",") {
			multiOrg++
		}
		if strings.HasPrefix(r[col["userIds"]], "{LDAP:") && strings.Contains(r[col["userIds"]], "},{SIS:") {
			ldap++
		}
	}
	want := map[string]int{"student": sum.Students, "teacher": sum.Teachers, "guardian": sum.Guardians,
		"aide": sum.Aides, "administrator": sum.Administrators}
	if !maps.Equal(roles, want) || sum.Students != 17_200 || sum.Guardians != 1_800 || sum.Aides == 0 || sum.Administrators < 2 {
		t.Errorf("roles in the file %v, summary %v", roles, want)
	}
	pairs, twoGuardians := 0, 0
	for id, as := range agents {
		if len(as) == 2 {
			twoGuardians++
		}
		for _, a := range as {
			back := agents[a]
			if !slices.Contains(back, id) {
				t.Fatalf("%s %s names %s %s as its agent, which does not name it back", role[id], id, role[a], a)
			}
			if role[id] == "student" {
				pairs++
				if role[a] != "guardian" {
					t.Fatalf("student %s has a %s as its agent", id, role[a])
				}
			}
		}
	}
	if pairs != sum.Guardians || twoGuardians == 0 {
		t.Errorf("%d student-guardian links (%d students with two), want %d", pairs, twoGuardians, sum.Guardians)
	}
	if utf8Names == 0 || commaNames == 0 || multiOrg == 0 || ldap != sum.Teachers+sum.Aides+sum.Administrators {
		t.Errorf("UTF-8 names %d, names with a comma %d, users of two orgs %d, {LDAP},{SIS} userIds %d", utf8Names, commaNames, multiOrg, ldap)
	}
	perStudent := map[string]int{}
	for _, r := range readCSV(t, filepath.Join(dir, "enrollments.csv"))[1:] {
		if r[6] == "student" {
			perStudent[r[5]]++
		}
	}
	for id, n := range perStudent {
		if n != 6 {
			t.Fatalf("student %s has %d enrollments, want 6", id, n)
		}
	}
	if len(perStudent) != sum.Students {
		t.Errorf("%d students enrolled, want %d", len(perStudent), sum.Students)
	}
	courses := readCSV(t, filepath.Join(dir, "courses.csv"))
	if !slices.ContainsFunc(courses, func(r []string) bool { return r[6] == highSchoolGrades }) {
		t.Error("no course lists several grades")
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Every enrollment's school is among its user's orgs (a lone teacher of small rosters included),
// and every class's school is its course's school.
func TestEnrollmentsAtTheUsersSchools(t *testing.T) {
	for _, users := range []int{MinUsers, 49, 50, 3000} {
		dir := t.TempDir()
		if _, err := Generate(context.Background(), dir, Options{Users: users, Seed: 6}); err != nil {
			t.Fatal(err)
		}
		orgs := map[string][]string{}
		for _, r := range readCSV(t, filepath.Join(dir, "users.csv"))[1:] {
			orgs[r[0]] = strings.Split(r[4], ",")
		}
		for i, r := range readCSV(t, filepath.Join(dir, "enrollments.csv"))[1:] {
			if school, user := r[4], r[5]; !slices.Contains(orgs[user], school) {
				t.Fatalf("%d users: enrollments.csv line %d: %s %s is at school %s, but its orgs are %v", users, i+2, r[6], user, school, orgs[user])
			}
		}
	}
}
