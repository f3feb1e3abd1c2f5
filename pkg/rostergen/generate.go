package rostergen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Summary counts what Generate wrote and, for night 2, what it changed against night 1.
type Summary struct {
	Night          int `json:"night"`
	Users          int `json:"users"`
	Students       int `json:"students"`
	Teachers       int `json:"teachers"`
	Guardians      int `json:"guardians"`
	Aides          int `json:"aides"`
	Administrators int `json:"administrators"`
	Schools        int `json:"schools"`
	Courses        int `json:"courses"`
	Classes        int `json:"classes"`
	Enrollments    int `json:"enrollments"`

	// Night 2 against night 1. Removed users are the removed students and their guardians.
	RemovedUsers       int `json:"removed_users"`
	RemovedStudents    int `json:"removed_students"`
	AddedUsers         int `json:"added_users"`
	ChangedUsers       int `json:"changed_users"`
	MovedStudents      int `json:"moved_students"`
	RemovedEnrollments int `json:"removed_enrollments"`
	AddedEnrollments   int `json:"added_enrollments"`
}

// Files lists the files of a generated package.
var Files = []string{"manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "demographics.csv", "enrollments.csv"}

// Generate writes a OneRoster 1.1 bulk package (or, with Options.Format FormatClever, a Clever
// upload of the same roster) into dir (created 0700; files 0600). The same
// Options always give the same bytes. Memory does not grow with Users.
func Generate(ctx context.Context, dir string, o Options) (Summary, error) {
	o, err := o.normalize()
	if err != nil {
		return Summary{}, err
	}
	if o.Format == FormatSDS {
		return generateSDS(ctx, dir, o)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Summary{}, err
	}
	g := newGen(newPlan(o))
	sh := g.p.sh
	sum := Summary{Night: o.Night, Schools: sh.schools, Courses: sh.courses, Classes: sh.classes}
	steps := []step{
		{"manifest.csv", g.manifest}, {"orgs.csv", g.orgs}, {"academicSessions.csv", g.sessions},
		{"courses.csv", g.courses}, {"classes.csv", g.classes}, {"users.csv", g.users},
		{"demographics.csv", g.demographics}, {"enrollments.csv", g.enrollments},
	}
	if o.Format == FormatClever {
		steps = g.cleverSteps()
	}
	for _, st := range steps {
		path := filepath.Join(dir, st.name)
		if st.name == "demographics.csv" && !g.demo {
			// No student is left (night 2 removed them all and added none): a header-only file
			// would be invalid, so the manifest marks it absent and an old one goes.
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return sum, err
			}
			continue
		}
		if err := writeFile(ctx, path, func(w *rowWriter) error { return st.fn(w, &sum) }); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// step writes one file of the output.
type step struct {
	name string
	fn   func(*rowWriter, *Summary) error
}

func writeFile(ctx context.Context, path string, fn func(*rowWriter) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = fn(newRowWriter(ctx, bw))
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

type gen struct {
	p   *plan
	rng *rng
	// Small ID sets, formatted once.
	district   string
	schoolIDs  []string
	sessionIDs [3]string // school year, semester 1, semester 2
	terms      string    // "sem1,sem2", quoted
	demo       bool      // some student is present: demographics.csv has rows
}

func newGen(p *plan) *gen {
	g := &gen{p: p, rng: newRNG(), demo: p.anyStudent()}
	id := func(kind uint64, n int) string { return string(appendUUID(nil, p, kind, uint64(n))) }
	g.district = id(idOrg, 0)
	g.schoolIDs = make([]string, p.sh.schools)
	for s := range g.schoolIDs {
		g.schoolIDs[s] = id(idOrg, s+1)
	}
	for i := range g.sessionIDs {
		g.sessionIDs[i] = id(idSession, i)
	}
	g.terms = `"` + g.sessionIDs[1] + "," + g.sessionIDs[2] + `"`
	return g
}

func (g *gen) manifest(w *rowWriter, _ *Summary) error {
	rows := [][2]string{{"propertyName", "value"}, {"manifest.version", "1.0"}, {"oneroster.version", "1.1"}}
	for _, n := range []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
		"demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"} {
		mode := "absent"
		switch n {
		case "academicSessions", "classes", "courses", "enrollments", "orgs", "users":
			mode = "bulk"
		case "demographics":
			if g.demo {
				mode = "bulk"
			}
		}
		rows = append(rows, [2]string{"file." + n, mode})
	}
	rows = append(rows, [2]string{"source.systemName", "rostergen"})
	for _, r := range rows {
		w.start()
		w.safe(r[0])
		w.safe(r[1])
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) orgs(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"}); err != nil {
		return err
	}
	w.start()
	w.safe(g.district)
	w.empty(2)
	w.safe("Unified School District")
	w.safe("district")
	w.safe("0600001")
	w.empty(1)
	if err := w.end(); err != nil {
		return err
	}
	for s := range g.p.sh.schools {
		w.start()
		w.safe(g.schoolIDs[s])
		w.empty(2)
		w.str(schoolNames[s%len(schoolNames)] + " School " + strconv.Itoa(s+1))
		w.safe("school")
		w.id("06000", s+10, 5)
		w.safe(g.district)
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) sessions(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"}); err != nil {
		return err
	}
	year := g.sessionIDs[0]
	for _, r := range [][]string{
		{year, "", "", "2026-2027", "schoolYear", "2026-08-01", "2027-06-30", "", "2027"},
		{g.sessionIDs[1], "", "", "Fall 2026", "semester", "2026-08-01", "2026-12-31", year, "2027"},
		{g.sessionIDs[2], "", "", "Spring 2027", "semester", "2027-01-01", "2027-06-30", year, "2027"},
	} {
		w.start()
		for _, v := range r {
			w.safe(v)
		}
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// courseGrade is the grade (index into gradeCodes) a course is for.
func courseGrade(k int) int { return (k / len(subjects)) % len(gradeCodes) }

// courseGrades is the grades value of course k: its grade, or for a high-school elective
// (a subject from Art on, in grades 09 to 12) the list of high-school grades.
func courseGrades(k int) string {
	if gr := courseGrade(k); gr >= 9 && k%len(subjects) >= 5 {
		return `"` + highSchoolGrades + `"`
	}
	return gradeCodes[courseGrade(k)]
}

func (g *gen) courses(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"}); err != nil {
		return err
	}
	for k := range g.p.sh.courses {
		sub := subjects[k%len(subjects)]
		gr := gradeCodes[courseGrade(k)]
		w.start()
		w.uuid(g.p, idCourse, uint64(k))
		w.empty(2)
		w.safe(g.sessionIDs[0])
		w.str(sub.name + " " + gr)
		w.safe(sub.code + "-" + gr)
		w.safe(courseGrades(k))
		w.safe(g.schoolIDs[k%g.p.sh.schools])
		w.str(sub.name)
		w.safe(sub.code)
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) classes(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"}); err != nil {
		return err
	}
	sh := g.p.sh
	for c := range sh.classes {
		k := sh.classCourse(c)
		sub := subjects[k%len(subjects)]
		gr := gradeCodes[courseGrade(k)]
		sec := strconv.Itoa(c/sh.schools + 1)
		w.start()
		w.uuid(g.p, idClass, uint64(c))
		w.empty(2)
		w.str(sub.name + " " + gr + " - Section " + sec)
		w.safe(courseGrades(k))
		w.uuid(g.p, idCourse, uint64(k))
		w.safe(sub.code + "-" + gr + "-" + sec)
		w.safe("scheduled")
		w.safe("Room " + strconv.Itoa(100+c%300))
		w.safe(g.schoolIDs[c%sh.schools])
		w.safe(g.terms)
		w.str(sub.name)
		w.safe(sub.code)
		w.safe(strconv.Itoa(c%8 + 1))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// Roles, in user-number order.
const (
	roleStudent = iota
	roleTeacher
	roleAide
	roleAdmin
	roleGuardian
)

var roleNames = [...]string{"student", "teacher", "aide", "administrator", "guardian"}

// user is everything written about one user.
type user struct {
	n                  int // user number
	role               int
	i                  int // index among the users of its role
	schools            [2]int
	nSchools           int // 0: the district
	given, family      int // name indexes
	middle             int // -1: none
	grade              int
	emailGiven, number string
}

// role returns the role of user n and its index among that role's users.
func (sh shape) role(n int) (role, i int) {
	switch {
	case n < sh.students:
		return roleStudent, n
	case n >= sh.users:
		return roleStudent, n // night-2 students
	case n < sh.endTeachers():
		return roleTeacher, n - sh.students
	case n < sh.endAides():
		return roleAide, n - sh.endTeachers()
	case n < sh.endAdmins():
		return roleAdmin, n - sh.endAides()
	}
	return roleGuardian, n - sh.endAdmins()
}

// userAt returns user n as of the plan's night.
func (g *gen) userAt(n int) user {
	sh := g.p.sh
	u := user{n: n, nSchools: 1, middle: -1}
	u.role, u.i = sh.role(n)
	switch u.role {
	case roleStudent:
		u.schools[0] = n % sh.schools
	case roleTeacher, roleAide:
		u.schools[0] = u.i % sh.schools
		// An itinerant teacher: two schools. Every 25th is; so is a lone teacher (under 50
		// users), who teaches every class of both schools (classTeacher).
		if u.role == roleTeacher && (u.i%25 == 24 || sh.teachers < sh.schools) {
			u.schools[1], u.nSchools = (u.i+1)%sh.schools, 2
		}
	case roleAdmin:
		if u.i == 0 { // the district's administrator
			u.nSchools = 0
		} else {
			u.schools = [2]int{u.i % sh.schools, (u.i + 1) % sh.schools}
			u.nSchools = 2
		}
	case roleGuardian:
		u.schools[0] = sh.guardianStudent(u.i) % sh.schools
	}
	h := g.p.hash(saltUser, n)
	u.given = int(h % uint64(len(givenNames)))
	u.family = int((h >> 16) % uint64(len(familyNames)))
	if (h>>32)%4 == 0 {
		u.middle = int((h >> 40) % uint64(len(givenNames)))
	}
	u.grade = g.p.grade(n)
	u.emailGiven = emailGiven[u.given]
	if g.p.changed(n) {
		// A changed user has a new given name (email and username keep the old one).
		u.given = (u.given + 1 + int(g.p.hash(saltVariantName, n)%uint64(len(givenNames)-1))) % len(givenNames)
	}
	u.number = strconv.Itoa(1_000_000 + n)
	return u
}

// present reports whether user n exists on the plan's night.
func (g *gen) present(n int) bool {
	sh := g.p.sh
	if n >= sh.users {
		return g.p.night2 && n < sh.users+g.p.added
	}
	return !g.p.removed(n)
}

// lastUser is one past the highest user number of the plan's night.
func (g *gen) lastUser() int { return g.p.sh.users + g.p.added }

func (g *gen) users(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"}); err != nil {
		return err
	}
	sh := g.p.sh
	var pw [10]byte
	for n := range g.lastUser() {
		role, _ := sh.role(n)
		if !g.present(n) {
			sum.RemovedUsers++
			if role == roleStudent {
				sum.RemovedStudents++
			}
			continue
		}
		if n >= sh.users {
			sum.AddedUsers++
		}
		if g.p.changed(n) {
			sum.ChangedUsers++
		}
		u := g.userAt(n)
		sum.Users++
		switch u.role {
		case roleStudent:
			sum.Students++
		case roleTeacher:
			sum.Teachers++
		case roleAide:
			sum.Aides++
		case roleAdmin:
			sum.Administrators++
		case roleGuardian:
			sum.Guardians++
		}
		w.start()
		w.uuid(g.p, idUser, uint64(n))
		w.empty(2)
		w.safe("true")
		switch u.nSchools {
		case 0:
			w.safe(g.district)
		case 1:
			w.safe(g.schoolIDs[u.schools[0]])
		default:
			w.pair(g.schoolIDs[u.schools[0]], g.schoolIDs[u.schools[1]])
		}
		w.safe(roleNames[u.role])
		usernameAt := len(w.b)
		w.b = append(w.b, u.emailGiven...)
		w.b = append(w.b, '.')
		w.b = append(w.b, emailFamily[u.family]...)
		w.b = append(w.b, u.number...)
		username := string(w.b[usernameAt:])
		w.b = append(w.b, ',')
		switch u.role {
		case roleStudent:
			w.safe("{SSID:" + u.number + "}")
		case roleGuardian:
			w.empty(1)
		default:
			w.safe(`"{LDAP:` + username + `},{SIS:` + u.number + `}"`)
		}
		w.str(givenNames[u.given])
		w.str(familyNames[u.family])
		if u.middle >= 0 {
			w.str(givenNames[u.middle])
		} else {
			w.empty(1)
		}
		if u.role == roleGuardian {
			w.empty(1)
			w.safe(username + "@example.net")
		} else {
			w.safe(u.number)
			w.safe(username + "@example.org")
		}
		w.empty(2)
		g.agents(w, u)
		if u.role == roleStudent {
			w.safe(gradeCodes[u.grade])
		} else {
			w.empty(1)
		}
		if u.role == roleGuardian {
			w.empty(1)
		} else {
			g.rng.reseed(g.p, saltUser, n)
			for i := range pw {
				pw[i] = passwordChars[g.rng.IntN(len(passwordChars))]
			}
			w.safeBytes(pw[:])
		}
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// agents appends user u's agentSourcedIds: a student's guardians, a guardian's student.
func (g *gen) agents(w *rowWriter, u user) {
	sh := g.p.sh
	switch u.role {
	case roleGuardian:
		w.uuid(g.p, idUser, uint64(sh.guardianStudent(u.i)))
		return
	case roleStudent:
		first, n := sh.studentGuardians(u.n)
		switch n {
		case 1:
			w.uuid(g.p, idUser, uint64(sh.endAdmins()+first))
			return
		case 2:
			id := func(j int) string { return string(appendUUID(nil, g.p, idUser, uint64(sh.endAdmins()+j))) }
			w.pair(id(first), id(first+1))
			return
		}
	}
	w.empty(1)
}

func (g *gen) demographics(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus"}); err != nil {
		return err
	}
	bools := [2]string{"false", "true"}
	for n := range g.lastUser() {
		if role, _ := g.p.sh.role(n); role != roleStudent || !g.present(n) {
			continue
		}
		u := g.userAt(n)
		h := g.p.hash(saltDemo, n)
		year := 2026 - 6 - u.grade + int(h%2)
		w.start()
		w.uuid(g.p, idUser, uint64(n))
		w.empty(2)
		w.safe(fmt.Sprintf("%04d-%02d-%02d", year, 1+(h>>8)%12, 1+(h>>16)%28))
		w.safe([2]string{"female", "male"}[(h>>24)%2])
		race := int((h >> 32) % 6)
		for i := range 6 {
			w.safe(bools[b2i(i == race)])
		}
		w.safe(bools[(h>>40)%4/3])
		if (h>>44)%10 == 0 {
			w.safe(countries[(h>>48)%uint64(len(countries))])
		} else {
			w.safe("US")
		}
		w.safe(states[(h>>52)%uint64(len(states))])
		w.safe(cities[(h>>56)%uint64(len(cities))])
		w.safe("01652")
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// studentClasses returns the class-in-school slots (q) of student n: studentClasses
// consecutive slots from a hashed start (fewer if the school has fewer classes); a moved
// student has one slot replaced by another on night 2.
func (g *gen) studentClasses(n int, night2 bool, out []int) []int {
	sh := g.p.sh
	s := n % sh.schools
	nc := sh.inSchool(sh.classes, s)
	h := g.p.hash(saltEnroll, n)
	k := min(studentClasses, nc)
	start := int((h >> 8) % uint64(nc))
	out = out[:0]
	for j := range k {
		out = append(out, (start+j)%nc)
	}
	if night2 && g.p.moved(n) && nc > k {
		slot := int(g.p.hash(saltMoveSlot, n) % uint64(k))
		out[slot] = (start + k + int(g.p.hash(saltMoveTarget, n)%uint64(nc-k))) % nc
	}
	return out
}

// studentEnrollments calls fn with the class c and the student n of each student enrollment of
// the night, counting into sum the enrollments removed and added with students and moves.
func (g *gen) studentEnrollments(sum *Summary, fn func(c, n int) error) error {
	sh := g.p.sh
	var slots []int
	for n := range g.lastUser() {
		if n >= sh.students && n < sh.users {
			continue // staff and guardians
		}
		if !g.present(n) {
			sum.RemovedEnrollments += len(g.studentClasses(n, false, slots))
			continue
		}
		slots = g.studentClasses(n, g.p.night2, slots)
		if n >= sh.users {
			sum.AddedEnrollments += len(slots)
		} else if g.p.moved(n) && len(slots) < sh.inSchool(sh.classes, n%sh.schools) {
			sum.MovedStudents++
			sum.AddedEnrollments++
			sum.RemovedEnrollments++
		}
		s := n % sh.schools
		for _, q := range slots {
			if err := fn(s+q*sh.schools, n); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gen) enrollments(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"}); err != nil {
		return err
	}
	sh := g.p.sh
	write := func(c, n int, role, primary string) error {
		w.start()
		w.uuid(g.p, idEnrollment, uint64(c)<<32|uint64(n))
		w.empty(2)
		w.uuid(g.p, idClass, uint64(c))
		w.safe(g.schoolIDs[c%sh.schools])
		w.uuid(g.p, idUser, uint64(n))
		w.safe(role)
		w.safe(primary)
		w.safe("2026-08-01")
		w.safe("2027-06-30")
		sum.Enrollments++
		return w.end()
	}
	err := g.studentEnrollments(sum, func(c, n int) error { return write(c, n, "student", "false") })
	if err != nil {
		return err
	}
	for c := range sh.classes {
		t := sh.classTeacher(c)
		if err := write(c, sh.students+t, "teacher", "true"); err != nil {
			return err
		}
	}
	return nil
}
