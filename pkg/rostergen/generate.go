package rostergen

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Summary counts what Generate wrote and, for night 2, what it changed against night 1.
type Summary struct {
	Night       int `json:"night"`
	Users       int `json:"users"`
	Students    int `json:"students"`
	Teachers    int `json:"teachers"`
	Schools     int `json:"schools"`
	Courses     int `json:"courses"`
	Classes     int `json:"classes"`
	Enrollments int `json:"enrollments"`

	// Night 2 against night 1.
	RemovedUsers       int `json:"removed_users"`
	AddedUsers         int `json:"added_users"`
	ChangedUsers       int `json:"changed_users"`
	MovedStudents      int `json:"moved_students"`
	RemovedEnrollments int `json:"removed_enrollments"`
	AddedEnrollments   int `json:"added_enrollments"`
}

// Files lists the files of a generated package.
var Files = []string{"manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "demographics.csv", "enrollments.csv"}

// Generate writes a OneRoster 1.1 bulk package into dir (created 0700; files 0600). The same
// Options always give the same bytes. Memory does not grow with Users.
func Generate(ctx context.Context, dir string, o Options) (Summary, error) {
	o, err := o.normalize()
	if err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Summary{}, err
	}
	g := &gen{p: newPlan(o), rng: newRNG()}
	sh := g.p.sh
	g.wSchool = len(strconv.Itoa(sh.schools))
	g.wCourse = len(strconv.Itoa(sh.courses))
	g.wClass = len(strconv.Itoa(sh.classes))
	g.wUser = len(strconv.Itoa(2 * sh.users))
	sum := Summary{Night: o.Night, Schools: sh.schools, Courses: sh.courses, Classes: sh.classes, Teachers: sh.teachers}
	steps := []struct {
		name string
		fn   func(*rowWriter, *Summary) error
	}{
		{"manifest.csv", g.manifest}, {"orgs.csv", g.orgs}, {"academicSessions.csv", g.sessions},
		{"courses.csv", g.courses}, {"classes.csv", g.classes}, {"users.csv", g.users},
		{"demographics.csv", g.demographics}, {"enrollments.csv", g.enrollments},
	}
	for _, st := range steps {
		if err := writeFile(ctx, filepath.Join(dir, st.name), func(w *rowWriter) error { return st.fn(w, &sum) }); err != nil {
			return sum, err
		}
	}
	return sum, nil
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
	p                               *plan
	rng                             *rng
	wSchool, wCourse, wClass, wUser int
}

const (
	districtID   = "district1"
	schoolYearID = "sy2026"
)

func (g *gen) manifest(w *rowWriter, _ *Summary) error {
	rows := [][2]string{{"propertyName", "value"}, {"manifest.version", "1.0"}, {"oneroster.version", "1.1"}}
	for _, n := range []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
		"demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"} {
		mode := "absent"
		switch n {
		case "academicSessions", "classes", "courses", "demographics", "enrollments", "orgs", "users":
			mode = "bulk"
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
	w.safe(districtID)
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
		w.id("sch", s, g.wSchool)
		w.empty(2)
		w.str(schoolNames[s%len(schoolNames)] + " School " + strconv.Itoa(s+1))
		w.safe("school")
		w.id("06000", s+10, 5)
		w.safe(districtID)
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
	for _, r := range [][]string{
		{schoolYearID, "", "", "2026-2027", "schoolYear", "2026-08-01", "2027-06-30", "", "2027"},
		{"sem1", "", "", "Fall 2026", "semester", "2026-08-01", "2026-12-31", schoolYearID, "2027"},
		{"sem2", "", "", "Spring 2027", "semester", "2027-01-01", "2027-06-30", schoolYearID, "2027"},
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

func (g *gen) courses(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"}); err != nil {
		return err
	}
	for k := range g.p.sh.courses {
		sub := subjects[k%len(subjects)]
		gr := gradeCodes[courseGrade(k)]
		w.start()
		w.id("crs", k, g.wCourse)
		w.empty(2)
		w.safe(schoolYearID)
		w.str(sub.name + " " + gr)
		w.safe(sub.code + "-" + gr)
		w.safe(gr)
		w.id("sch", k%g.p.sh.schools, g.wSchool)
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
		w.id("cls", c, g.wClass)
		w.empty(2)
		w.str(sub.name + " " + gr + " - Section " + sec)
		w.safe(gr)
		w.id("crs", k, g.wCourse)
		w.safe(sub.code + "-" + gr + "-" + sec)
		w.safe("scheduled")
		w.safe("Room " + strconv.Itoa(100+c%300))
		w.id("sch", c%sh.schools, g.wSchool)
		w.safe(`"sem1,sem2"`)
		w.str(sub.name)
		w.safe(sub.code)
		w.safe(strconv.Itoa(c%8 + 1))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// user is everything written about one user.
type user struct {
	n                  int // user number
	role               string
	prefix             string
	school             int // -1: the district
	given, family      int // name indexes
	grade              int
	emailGiven, number string
}

// userAt returns user n as of the plan's night.
func (g *gen) userAt(n int) user {
	sh := g.p.sh
	u := user{n: n, school: -1}
	switch {
	case n < sh.students || n >= sh.users:
		u.role, u.prefix = "student", "stu"
		u.school = n % sh.schools
	case n < sh.students+sh.teachers:
		u.role, u.prefix = "teacher", "tch"
		u.school = (n - sh.students) % sh.schools
	default:
		u.role, u.prefix = "administrator", "adm"
	}
	h := g.p.hash(saltUser, n)
	u.given = int(h % uint64(len(givenNames)))
	u.family = int((h >> 16) % uint64(len(familyNames)))
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
	var pw [10]byte
	for n := range g.lastUser() {
		if !g.present(n) {
			sum.RemovedUsers++
			continue
		}
		if n >= g.p.sh.users {
			sum.AddedUsers++
		}
		if g.p.changed(n) {
			sum.ChangedUsers++
		}
		u := g.userAt(n)
		sum.Users++
		if u.role == "student" {
			sum.Students++
		}
		w.start()
		w.id(u.prefix, n, g.wUser)
		w.empty(2)
		w.safe("true")
		if u.school >= 0 {
			w.id("sch", u.school, g.wSchool)
		} else {
			w.safe(districtID)
		}
		w.safe(u.role)
		username := u.emailGiven + "." + emailFamily[u.family] + u.number
		w.safe(username)
		if u.role == "student" {
			w.safe("{SSID:" + u.number + "}")
		} else {
			w.empty(1)
		}
		w.safe(givenNames[u.given])
		w.str(familyNames[u.family])
		w.empty(1)
		w.safe(u.number)
		w.safe(username + "@example.org")
		w.empty(3)
		if u.role == "student" {
			w.safe(gradeCodes[u.grade])
		} else {
			w.empty(1)
		}
		g.rng.reseed(g.p, saltUser, n)
		for i := range pw {
			pw[i] = passwordChars[g.rng.IntN(len(passwordChars))]
		}
		w.safeBytes(pw[:])
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) demographics(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus"}); err != nil {
		return err
	}
	bools := [2]string{"false", "true"}
	for n := range g.lastUser() {
		if !g.present(n) {
			continue
		}
		u := g.userAt(n)
		if u.role != "student" {
			continue
		}
		h := g.p.hash(saltDemo, n)
		year := 2026 - 6 - u.grade + int(h%2)
		w.start()
		w.id(u.prefix, n, g.wUser)
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

// studentClasses returns the class-in-school slots (q) of student n: up to 6 consecutive slots
// from a hashed start; a moved student has one slot replaced by another on night 2.
func (g *gen) studentClasses(n int, night2 bool, out []int) []int {
	sh := g.p.sh
	s := n % sh.schools
	nc := sh.inSchool(sh.classes, s)
	h := g.p.hash(saltEnroll, n)
	k := min(5+b2i(h%100 < 64), nc) // 5.64 classes a student on average
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

func (g *gen) enrollments(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"}); err != nil {
		return err
	}
	sh := g.p.sh
	var slots []int
	write := func(c, n int, prefix, role, primary string) error {
		w.start()
		w.b = appendID(w.b, "cls", c, g.wClass)
		w.b = append(w.b, '-')
		w.id(prefix, n, g.wUser)
		w.empty(2)
		w.id("cls", c, g.wClass)
		w.id("sch", c%sh.schools, g.wSchool)
		w.id(prefix, n, g.wUser)
		w.safe(role)
		w.safe(primary)
		w.safe("2026-08-01")
		w.safe("2027-06-30")
		sum.Enrollments++
		return w.end()
	}
	for n := range g.lastUser() {
		if n >= sh.students && n < sh.users {
			continue // teachers and administrators: below
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
			if err := write(s+q*sh.schools, n, "stu", "student", "false"); err != nil {
				return err
			}
		}
	}
	for c := range sh.classes {
		t := sh.classTeacher(c)
		if err := write(c, sh.students+t, "tch", "teacher", "true"); err != nil {
			return err
		}
	}
	return nil
}
