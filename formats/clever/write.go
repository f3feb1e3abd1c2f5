package clever

import (
	"context"
	"fmt"
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Write writes r as a Clever upload: schools.csv (orgs of type school), teachers.csv,
// students.csv and staff.csv (users by role: teachers, students, administrators; a teacher or
// staff member gets a row per school, an administrator of the district a DEFAULT_DISTRICT_OFFICE
// row), sections.csv (classes with their teachers, course and term) and enrollments.csv (the
// student enrollments). UTF-8 without BOM, LF line endings, quotes only where needed. What
// Clever has no place for is counted by reason (lossy); a row Clever would refuse is an error
// and not written.
func (f Format) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	w := &writer{r: r, rep: rep, lossy: map[string]map[string]int{}}
	w.index()
	err := writeTables(ctx, dst, []tableStep{
		{SchoolsFile, w.schools}, {TeachersFile, w.teachers}, {StudentsFile, w.students},
		{SectionsFile, w.sections}, {EnrollmentsFile, w.enrollments}, {StaffFile, w.staff},
	}, w.staffCount > 0)
	if err != nil {
		return err
	}
	w.reportLossy()
	return nil
}

// tableStep is one file of an upload and what writes its rows.
type tableStep struct {
	name string
	fn   func(*table) error
}

// writeTables creates each step's file in dst in turn and writes its rows through a 256 KiB
// buffer, flushing and closing the file whatever happened (the first error wins); staff.csv
// is left out when the upload has no staff. Write and the streaming writer both end here.
func writeTables(ctx context.Context, dst format.Dest, steps []tableStep, staff bool) error {
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if st.name == StaffFile && !staff {
			continue
		}
		out, err := dst.Create(st.name)
		if err != nil {
			return fmt.Errorf("clever: create %s: %w", st.name, err)
		}
		t := &table{cw: csvio.NewWriter(out)}
		err = st.fn(t)
		if err == nil {
			t.cw.Flush()
			err = t.cw.Error()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("clever: write %s: %w", st.name, err)
		}
	}
	return nil
}

// table writes the rows of one file.
type table struct {
	cw  *csvio.Writer
	rec []string
}

func (t *table) header(cols []string) error { return t.cw.Write(cols) }

func (t *table) row(vals ...string) error { return t.cw.Write(vals) }

type writer struct {
	r   *roster.Roster
	rep roster.Reporter

	orgType          map[string]string // org sourcedId -> type
	userRole         map[string]string // users written: sourcedId -> role
	demo             map[string]*roster.Demographics
	course           map[string]*roster.Course
	session          map[string]*roster.AcademicSession
	teachersOf       map[string][]string // class -> teacher user IDs, the primary first
	enrolledStudents map[string]int      // class -> student enrollments
	classes          map[string]string   // class written -> its School_id
	staffCount       int

	lossy map[string]map[string]int // file -> reason -> count
}

func (w *writer) drop(file, reason string) {
	if w.lossy[file] == nil {
		w.lossy[file] = map[string]int{}
	}
	w.lossy[file][reason]++
}

func (w *writer) fail(file, code, col, what, msg string) {
	w.rep.Report(roster.Problem{Severity: roster.Error, Code: code, File: file, Column: col, Message: what + ": " + msg + " (not written)"})
}

func (w *writer) reportLossy() {
	files := make([]string, 0, len(w.lossy))
	for f := range w.lossy {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, f := range files {
		reasons := make([]string, 0, len(w.lossy[f]))
		for k := range w.lossy[f] {
			reasons = append(reasons, k)
		}
		slices.Sort(reasons)
		for _, k := range reasons {
			w.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: f,
				Message: fmt.Sprintf("%d × %s", w.lossy[f][k], k)})
		}
	}
}

// index builds the lookups the files need.
func (w *writer) index() {
	r := w.r
	w.orgType = map[string]string{}
	for i := range r.Orgs {
		if !roster.Deleted(r.Orgs[i].Status) {
			w.orgType[r.Orgs[i].SourcedID] = r.Orgs[i].Type
		}
	}
	w.demo = map[string]*roster.Demographics{}
	for i := range r.Demographics {
		w.demo[r.Demographics[i].SourcedID] = &r.Demographics[i]
	}
	w.course = map[string]*roster.Course{}
	for i := range r.Courses {
		w.course[r.Courses[i].SourcedID] = &r.Courses[i]
	}
	w.session = map[string]*roster.AcademicSession{}
	for i := range r.AcademicSessions {
		w.session[r.AcademicSessions[i].SourcedID] = &r.AcademicSessions[i]
	}
	w.userRole = map[string]string{}
	for i := range r.Users {
		u := &r.Users[i]
		if !roster.Deleted(u.Status) {
			w.userRole[u.SourcedID] = u.Role
			if u.Role == "administrator" {
				w.staffCount++
			}
		}
	}
	w.teachersOf, w.enrolledStudents = map[string][]string{}, map[string]int{}
	primaries := map[string][]string{} // class -> primary teachers, the last one first
	for i := range r.Enrollments {
		e := &r.Enrollments[i]
		if roster.Deleted(e.Status) {
			continue
		}
		switch e.Role {
		case "teacher":
			if w.userRole[e.UserID] != "teacher" {
				continue
			}
			if e.Primary == "true" {
				primaries[e.ClassID] = append(primaries[e.ClassID], e.UserID)
			} else {
				w.teachersOf[e.ClassID] = append(w.teachersOf[e.ClassID], e.UserID)
			}
		case "student":
			if w.userRole[e.UserID] == "student" {
				w.enrolledStudents[e.ClassID]++
			}
		}
	}
	for c, prim := range primaries {
		slices.Reverse(prim)
		w.teachersOf[c] = append(prim, w.teachersOf[c]...)
	}
}

// schoolsOf returns the orgs of u that are schools, and whether u has others.
func (w *writer) schoolsOf(u *roster.User) (schools []string, other bool) {
	for _, o := range u.OrgIDs {
		if w.orgType[o] == "school" {
			schools = append(schools, o)
		} else {
			other = true
		}
	}
	return schools, other
}

// metaCols returns the optional columns of spec, beyond the ones written from fields, that
// some entity's metadata holds (a Clever upload read before), and its ext.* keys, in order.
func metaCols(spec *fileSpec, skip []string, each func(func([]roster.KV))) []string {
	have := map[string]bool{}
	var ext []string
	each(func(kvs []roster.KV) {
		for _, kv := range kvs {
			if kv.Value == "" || have[kv.Key] {
				continue
			}
			have[kv.Key] = true
			if isExt(kv.Key) {
				ext = append(ext, kv.Key)
			}
		}
	})
	var out []string
	for _, c := range spec.cols {
		if have[c.name] && !slices.Contains(skip, c.name) {
			out = append(out, c.name)
		}
	}
	slices.Sort(ext)
	return append(out, ext...)
}

func metaValue(kvs []roster.KV, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

func (w *writer) schools(t *table) error {
	base := []string{cSchoolID, "School_name", "School_number"}
	orgs := w.r.Orgs
	extra := metaCols(&schoolsSpec, base, func(fn func([]roster.KV)) {
		for i := range orgs {
			fn(orgs[i].Metadata)
		}
	})
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	for i := range orgs {
		o := &orgs[i]
		switch {
		case roster.Deleted(o.Status):
			w.drop(SchoolsFile, "org with status tobedeleted not written: an upload lists what exists")
			continue
		case o.Type != "school":
			if o.SourcedID != DistrictOffice {
				w.drop(SchoolsFile, fmt.Sprintf("org of type %q not written: schools.csv holds schools only (Clever makes the district itself)", o.Type))
			}
			continue
		case blank(o.Name):
			w.fail(SchoolsFile, roster.CodeMissingRequired, "School_name", fmt.Sprintf("school %q", o.SourcedID), "School_name is blank: Clever requires it")
			delete(w.orgType, o.SourcedID)
			continue
		}
		number := o.Identifier
		if number == "" {
			number = o.SourcedID // School_number is required: the ID stands in
		}
		rec := []string{o.SourcedID, o.Name, number}
		for _, c := range extra {
			rec = append(rec, metaValue(o.Metadata, c))
		}
		if err := t.row(rec...); err != nil {
			return err
		}
	}
	return nil
}

// people writes users of role as rows per school (teachers.csv, staff.csv).
func (w *writer) people(t *table, spec *fileSpec, role string, base []string, vals func(u *roster.User, school string) []string) error {
	users := w.r.Users
	extra := metaCols(spec, base, func(fn func([]roster.KV)) {
		for i := range users {
			if users[i].Role == role {
				fn(users[i].Metadata)
			}
		}
	})
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	for i := range users {
		u := &users[i]
		if u.Role != role || roster.Deleted(u.Status) {
			continue
		}
		schools, other := w.schoolsOf(u)
		if role == "administrator" && other {
			schools = append(schools, DistrictOffice)
		}
		if len(schools) == 0 {
			w.fail(spec.name, roster.CodeMissingRequired, cSchoolID, fmt.Sprintf("%s %q", role, u.SourcedID), "no school among the user's orgs: Clever requires a School_id")
			delete(w.userRole, u.SourcedID)
			continue
		}
		if blank(u.GivenName) || blank(u.FamilyName) {
			w.fail(spec.name, roster.CodeMissingRequired, "First_name", fmt.Sprintf("%s %q", role, u.SourcedID), "First_name and Last_name are required by Clever")
			delete(w.userRole, u.SourcedID)
			continue
		}
		if role == "administrator" && blank(u.Email) {
			w.fail(spec.name, roster.CodeMissingRequired, "Staff_email", fmt.Sprintf("administrator %q", u.SourcedID), "Staff_email is blank: Clever requires it")
			delete(w.userRole, u.SourcedID)
			continue
		}
		if err := w.personRows(t, spec, role, u, schools, extra, vals); err != nil {
			return err
		}
	}
	return nil
}

// personRows writes u's rows of teachers.csv or staff.csv, one per school, with the extra
// (metadata) columns, and reports what of u the file has no column for.
func (w *writer) personRows(t *table, spec *fileSpec, role string, u *roster.User, schools, extra []string,
	vals func(u *roster.User, school string) []string) error {
	if len(u.Grades) > 0 {
		w.drop(spec.name, "grades of a "+role+" not written: "+spec.name+" has no grade column")
	}
	if role == "administrator" && u.MiddleName != "" {
		w.drop(StaffFile, "middle name of a staff member not written: staff.csv has no Middle_name column")
	}
	if role == "administrator" && u.Identifier != "" {
		w.drop(StaffFile, "identifier (staff number) of a staff member not written: staff.csv has no number column")
	}
	for _, s := range schools {
		rec := vals(u, s)
		for _, c := range extra {
			rec = append(rec, metaValue(u.Metadata, c))
		}
		if err := t.row(rec...); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) teachers(t *table) error {
	base := []string{cSchoolID, cTeacherID, "Teacher_number", "Teacher_email", "First_name", "Middle_name", "Last_name", "Username", "Password"}
	return w.people(t, &teachersSpec, "teacher", base, func(u *roster.User, s string) []string {
		return []string{s, u.SourcedID, u.Identifier, u.Email, u.GivenName, u.MiddleName, u.FamilyName, u.Username, u.Password}
	})
}

func (w *writer) staff(t *table) error {
	base := []string{cSchoolID, cStaffID, "Staff_email", "First_name", "Last_name", "Username", "Password"}
	return w.people(t, &staffSpec, "administrator", base, func(u *roster.User, s string) []string {
		return []string{s, u.SourcedID, u.Email, u.GivenName, u.FamilyName, u.Username, u.Password}
	})
}

// dropRoles says why users of other roles are not written.
var dropRoles = map[string]string{
	"guardian": "Clever carries contacts as students.csv columns, not as users",
	"parent":   "Clever carries contacts as students.csv columns, not as users",
	"relative": "Clever carries contacts as students.csv columns, not as users",
}

func (w *writer) students(t *table) error {
	base := []string{cSchoolID, cStudentID, "Student_number", "Last_name", "Middle_name", "First_name", "Grade",
		"Gender", "DOB", "Race", "Hispanic_Latino", "Student_email", "Username", "Password"}
	users := w.r.Users
	extra := metaCols(&studentsSpec, base, func(fn func([]roster.KV)) {
		for i := range users {
			if users[i].Role == "student" {
				fn(users[i].Metadata)
			}
		}
	})
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	for i := range users {
		u := &users[i]
		if roster.Deleted(u.Status) {
			w.drop(StudentsFile, "user with status tobedeleted not written: an upload lists who exists")
			continue
		}
		switch u.Role {
		case "student":
		case "teacher", "administrator":
			continue
		default:
			reason, ok := dropRoles[u.Role]
			if !ok {
				reason = "Clever's files hold students, teachers and staff (administrators) only"
			}
			w.drop(StudentsFile, fmt.Sprintf("user with role %q not written: %s", u.Role, reason))
			delete(w.userRole, u.SourcedID)
			continue
		}
		schools, _ := w.schoolsOf(u)
		what := fmt.Sprintf("student %q", u.SourcedID)
		switch {
		case len(schools) == 0:
			w.fail(StudentsFile, roster.CodeMissingRequired, cSchoolID, what, "no school among the student's orgs: Clever requires a School_id")
			delete(w.userRole, u.SourcedID)
			continue
		case blank(u.GivenName) || blank(u.FamilyName):
			w.fail(StudentsFile, roster.CodeMissingRequired, "First_name", what, "First_name and Last_name are required by Clever")
			delete(w.userRole, u.SourcedID)
			continue
		}
		grade := w.studentGrade(u, schools)
		gender, dob, race, hisp := "", "", "", ""
		if d := w.demo[u.SourcedID]; d != nil && !roster.Deleted(d.Status) {
			gender = map[string]string{"male": "M", "female": "F", "other": "X"}[d.Sex]
			if d.Sex == "" && metaValue(d.Metadata, "Gender") == "X" {
				gender = "X"
			}
			if d.Sex != "" && gender == "" {
				w.drop(StudentsFile, fmt.Sprintf("sex %q not written: Clever's Gender is M, F or X", d.Sex))
			}
			if d.BirthDate != "" {
				if dob = fromISO(d.BirthDate); dob == "" {
					w.drop(StudentsFile, "birth date not written: not a YYYY-MM-DD date")
				}
			}
			var lost bool
			if race, lost = raceCode(d); lost {
				w.drop(StudentsFile, raceLost)
			}
			hisp = map[string]string{"true": "Y", "false": "N"}[d.HispanicOrLatinoEthnicity]
		}
		if err := t.row(studentRow(u, schools[0], grade, gender, dob, race, hisp, extra)...); err != nil {
			return err
		}
	}
	return nil
}

// studentGrade reports what of u's schools and grades students.csv cannot hold (a school past
// the first, a grade outside Clever's list or more than one) and returns its Grade.
func (w *writer) studentGrade(u *roster.User, schools []string) string {
	if len(schools) > 1 {
		w.drop(StudentsFile, "school of a student beyond the first not written: students.csv has one School_id (enrollments still place the student in sections of other schools)")
	}
	grade := ""
	if len(u.Grades) > 0 {
		grade = fromCEDS(u.Grades[0])
		if grade == "" || len(u.Grades) > 1 {
			w.drop(StudentsFile, "student grade not written: Clever takes one grade from its own list (1-13, Kindergarten …)")
		}
	}
	return grade
}

// studentRow is u's students.csv row at school, with the extra (metadata) columns.
func studentRow(u *roster.User, school, grade, gender, dob, race, hisp string, extra []string) []string {
	rec := []string{school, u.SourcedID, u.Identifier, u.FamilyName, u.MiddleName, u.GivenName, grade,
		gender, dob, race, hisp, u.Email, u.Username, u.Password}
	for _, c := range extra {
		rec = append(rec, metaValue(u.Metadata, c))
	}
	return rec
}

// raceCode is Clever's one-letter race: the one flag set, M for two or more.
// raceLost is the loss of a student's races when several are written as Race M.
const raceLost = "races of a student of several not written: Clever's Race holds one code, M for two or more"

// raceCode returns the student's Race, and whether races were lost: more than one flagged
// (besides two-or-more), written as M.
func raceCode(d *roster.Demographics) (string, bool) {
	code, n := "", 0
	for _, x := range raceFlags(d) {
		if x.code != "M" && *x.flag == "true" {
			code, n = x.code, n+1
		}
	}
	if d.DemographicRaceTwoOrMoreRaces == "true" {
		return "M", n > 0
	}
	if n > 1 {
		return "M", true
	}
	return code, false
}

func (w *writer) sections(t *table) error {
	base := []string{cSchoolID, cSectionID, cTeacherID}
	for i := 2; i <= 10; i++ {
		base = append(base, coTeacher(i))
	}
	base = append(base, "Name", "Section_number", "Grade", "Course_name", "Course_number", "Period", "Subject",
		"Term_name", "Term_start", "Term_end")
	classes := w.r.Classes
	extra := metaCols(&sectionsSpec, base, func(fn func([]roster.KV)) {
		for i := range classes {
			fn(classes[i].Metadata)
		}
	})
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	w.classes = map[string]string{}
	for i := range classes {
		c := &classes[i]
		what := fmt.Sprintf("class %q", c.SourcedID)
		switch {
		case roster.Deleted(c.Status):
			w.drop(SectionsFile, "class with status tobedeleted not written")
			continue
		case w.orgType[c.SchoolID] != "school":
			w.fail(SectionsFile, roster.CodeDanglingRef, cSchoolID, what, fmt.Sprintf("its school %q is not a school written to schools.csv", c.SchoolID))
			continue
		case w.enrolledStudents[c.SourcedID] == 0:
			w.drop(SectionsFile, "class without students not written: Clever processes only sections with enrolled students")
			continue
		}
		teachers := w.teachersOf[c.SourcedID]
		var ok []string
		for _, tid := range teachers {
			if w.userRole[tid] == "teacher" && !slices.Contains(ok, tid) {
				if ok = append(ok, tid); len(ok) > 10 {
					break // one past the ten written tells that some are left out
				}
			}
		}
		if len(ok) == 0 {
			w.fail(SectionsFile, roster.CodeMissingRequired, cTeacherID, what, "no teacher in teachers.csv is enrolled in it: Clever requires a Teacher_id")
			continue
		}
		rec := append([]string{c.SchoolID, c.SourcedID}, w.teacherColumns(ok)...)
		rec = append(rec, w.classValues(c)...)
		for _, col := range extra {
			rec = append(rec, metaValue(c.Metadata, col))
		}
		if err := t.row(rec...); err != nil {
			return err
		}
		w.classes[c.SourcedID] = c.SchoolID
	}
	return nil
}

// classValues returns the values of a sections.csv row after its teachers (Name to Term_end),
// counting what Clever has no place for.
func (w *writer) classValues(c *roster.Class) []string {
	grade := ""
	if len(c.Grades) > 0 {
		if grade = fromCEDS(c.Grades[0]); grade == "" || len(c.Grades) > 1 {
			w.drop(SectionsFile, "class grade not written: Clever takes one grade from its own list")
		}
	}
	cname, cnum := "", ""
	if co := w.course[c.CourseID]; co != nil {
		cname, cnum = co.Title, co.CourseCode
		key := cnum
		if key == "" {
			key = cname
		}
		if co.SourcedID != c.SchoolID+"/"+key {
			w.drop(SectionsFile, "course sourcedId of a class not written: Clever makes courses from Course_name and Course_number")
		}
	}
	subject := ""
	if len(c.Subjects) > 0 {
		if subject = oneOf(c.Subjects[0], subjects); subject == "" || len(c.Subjects) > 1 {
			w.drop(SectionsFile, "class subject not written: Clever's Subject is one of its own list")
		}
	}
	period := ""
	if len(c.Periods) > 0 {
		period = c.Periods[0]
		if len(c.Periods) > 1 {
			w.drop(SectionsFile, "class period beyond the first not written: sections.csv has one Period")
		}
	}
	tname, tstart, tend := "", "", ""
	if len(c.TermIDs) > 0 {
		if s := w.session[c.TermIDs[0]]; s != nil {
			tname, tstart, tend = s.Title, fromISO(s.StartDate), fromISO(s.EndDate)
		}
		if len(c.TermIDs) > 1 {
			w.drop(SectionsFile, "term of a class beyond the first not written: sections.csv has one term")
		}
	}
	return []string{c.Title, c.ClassCode, grade, cname, cnum, period, subject, tname, tstart, tend}
}

func (w *writer) enrollments(t *table) error {
	if err := t.header([]string{cSchoolID, cSectionID, cStudentID}); err != nil {
		return err
	}
	// A student enrolled in one class twice (two terms, other dates: Clever has no dates) is
	// one row: a second would be a duplicate Clever refuses.
	written := idset.New(len(w.r.Enrollments))
	var kb []byte
	for i := range w.r.Enrollments {
		e := &w.r.Enrollments[i]
		switch {
		case roster.Deleted(e.Status):
			w.drop(EnrollmentsFile, "enrollment with status tobedeleted not written")
			continue
		case e.Role == "teacher":
			if _, ok := w.classes[e.ClassID]; !ok || w.userRole[e.UserID] != "teacher" {
				w.drop(EnrollmentsFile, "teacher enrollment not written: its class or teacher is not written")
			} else if e.SourcedID != e.ClassID+"/"+e.UserID {
				w.drop(EnrollmentsFile, enrollmentIDLost) // read back, made from the section and teacher
			}
			continue // in sections.csv
		case e.Role != "student":
			w.drop(EnrollmentsFile, fmt.Sprintf("enrollment with role %q not written: Clever enrolls students, and teachers through sections.csv", e.Role))
			continue
		}
		school, ok := w.classes[e.ClassID]
		if !ok || w.userRole[e.UserID] != "student" {
			w.drop(EnrollmentsFile, "student enrollment not written: its class or student is not written")
			continue
		}
		kb = append(append(append(kb[:0], e.ClassID...), 0), e.UserID...)
		if _, dup := written.Add(xxhash.Sum64(kb), 1); dup {
			w.drop(EnrollmentsFile, "student enrollment in a section it is already in not written: Clever has one row per section and student (no dates)")
			continue
		}
		if e.SourcedID != e.ClassID+"/"+e.UserID {
			// Read back, the enrollment's sourcedId is made from its section and student.
			w.drop(EnrollmentsFile, enrollmentIDLost)
		}
		if err := t.row(school, e.ClassID, e.UserID); err != nil {
			return err
		}
	}
	return nil
}

// enrollmentIDLost is the loss of an enrollment's sourcedId: read back, it is made from the
// section and the student (or the teacher, who is a Teacher_id of the section).
const enrollmentIDLost = "enrollment sourcedId not written: a Clever enrollment is its Section_id and Student_id (a teacher's, a Teacher_id of the section)"

// teacherColumns are a section's Teacher_id to Teacher_10_id from its teachers ok, the first
// the primary; a teacher past the tenth is reported and left out.
func (w *writer) teacherColumns(ok []string) []string {
	if len(ok) > 10 {
		w.drop(SectionsFile, "teacher of a class beyond the tenth not written: sections.csv has Teacher_id to Teacher_10_id")
		ok = ok[:10]
	}
	cols := make([]string, 10)
	copy(cols, ok)
	return cols
}
