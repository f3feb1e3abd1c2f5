package clever

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/spool"
)

// WriteStream is format.StreamWriter: the upload Write writes, from the entities as they
// come. Every file's header names the metadata columns some row holds and sections.csv lists
// each section's teachers, known only from the enrollments, so the files are written at End,
// as Write writes them, from what was kept: the orgs, academic sessions and courses (a few),
// the metadata keys met per file, per user a hash of its sourcedId and its role, each
// student's demographics as the few values students.csv takes, each class's teachers and
// whether it has a student; the classes, the teachers, students and staff members, and the
// enrollments go to spool files in scratch, read back at End. Two users (not deleted) with one
// sourcedId, or a user after an enrollment, are format.ErrStreamOrder (the whole roster is
// written by Write).
func (f Format) WriteStream(ctx context.Context, dst format.Dest, scratch string, _ format.Options, rep roster.Reporter) (format.Stream, error) {
	s := &stream{ctx: ctx, dst: dst, scratch: scratch, rep: rep,
		w:     &writer{rep: rep, lossy: map[string]map[string]int{}},
		users: idset.New(1 << 10), demoAt: idset.New(1 << 10), enrolled: idset.New(1 << 10), refused: idset.New(0), pairs: idset.NewBag(1 << 16),
		session: map[string]*roster.AcademicSession{}, course: map[string]*roster.Course{}, teachersOf: map[string][]string{},
		meta: map[string]*metaKeys{}}
	for _, f := range [...]string{SchoolsFile, TeachersFile, StudentsFile, StaffFile, SectionsFile} {
		s.meta[f] = &metaKeys{have: map[string]bool{}}
	}
	var err error
	for _, sp := range []**spool.Spool{&s.classes, &s.teachers, &s.students, &s.staff, &s.enrollments} {
		if *sp, err = spool.New(scratch); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Role codes of the users table.
const (
	rOther int32 = iota + 1
	rTeacher
	rStudent
	rAdministrator
	rRefused = 8 // or'ed: refused at End, no longer in the files
)

// stream is the state of one WriteStream.
type stream struct {
	ctx     context.Context
	dst     format.Dest
	scratch string
	rep     roster.Reporter
	w       *writer // the lossy counts and refusals, as Write keeps them

	orgs    []roster.Org
	session map[string]*roster.AcademicSession
	course  map[string]*roster.Course
	meta    map[string]*metaKeys

	users      *idset.Map // user sourcedId hash -> role code (the users not deleted)
	demoAt     *idset.Map // user sourcedId hash -> index in demos
	demos      []demo
	sexes      []string
	teachersOf map[string][]string // class -> teacher user IDs, the primary first
	enrolled   *idset.Map          // classes with a student enrollment
	refused    *idset.Map          // users refused at End (few): the hashes of their sourcedIds
	// pairs holds each spooled student enrollment of a student, by the hash of its class and
	// user, with its place among the spooled enrollments: at End the few pairs met twice are
	// found a part at a time, in cache, and only the first is written, without a table of
	// every pair probed per row.
	pairs      *idset.Bag
	staffCount int

	classes, teachers, students, staff, enrollments *spool.Spool

	enrolling bool // an enrollment came
	rows      int
	rec       []byte
}

// metaKeys are the metadata keys with a value that a file's entities hold.
type metaKeys struct {
	have map[string]bool
	ext  []string
}

func (m *metaKeys) add(kvs []roster.KV) {
	for _, kv := range kvs {
		if kv.Value == "" || m.have[kv.Key] {
			continue
		}
		k := strings.Clone(kv.Key)
		m.have[k] = true
		if isExt(k) {
			m.ext = append(m.ext, k)
		}
	}
}

// cols are the columns metaCols gives for the keys.
func (m *metaKeys) cols(spec *fileSpec, skip []string) []string {
	var out []string
	for _, c := range spec.cols {
		if m.have[c.name] && !slices.Contains(skip, c.name) {
			out = append(out, c.name)
		}
	}
	ext := slices.Clone(m.ext)
	slices.Sort(ext)
	return append(out, ext...)
}

// demo is what students.csv takes of a demographics record.
type demo struct {
	deleted  bool
	sex      int32 // index in sexes
	gender   string
	dob      string
	badDOB   bool
	race     string
	raceLost bool // several races, written as M
	hisp     string
}

// tick checks for an interrupt every 4,096 rows.
func (s *stream) tick() error {
	if s.rows++; s.rows&4095 == 0 {
		return s.ctx.Err()
	}
	return nil
}

func (s *stream) MarkDelta(roster.Kind) {}

func (s *stream) Org(v *roster.Org) error {
	s.orgs = append(s.orgs, roster.Org{SourcedID: strings.Clone(v.SourcedID), Status: strings.Clone(v.Status), Name: strings.Clone(v.Name),
		Type: strings.Clone(v.Type), Identifier: strings.Clone(v.Identifier), Metadata: cloneKVs(v.Metadata)})
	s.meta[SchoolsFile].add(v.Metadata)
	return nil
}

func (s *stream) AcademicSession(v *roster.AcademicSession) error {
	s.session[strings.Clone(v.SourcedID)] = &roster.AcademicSession{Title: strings.Clone(v.Title), StartDate: strings.Clone(v.StartDate), EndDate: strings.Clone(v.EndDate)}
	return nil
}

func (s *stream) Course(v *roster.Course) error {
	s.course[strings.Clone(v.SourcedID)] = &roster.Course{SourcedID: strings.Clone(v.SourcedID), Title: strings.Clone(v.Title), CourseCode: strings.Clone(v.CourseCode)}
	return nil
}

func (s *stream) Class(c *roster.Class) error {
	if err := s.tick(); err != nil {
		return err
	}
	s.meta[SectionsFile].add(c.Metadata)
	rec := s.rec[:0]
	for _, v := range [...]string{c.SourcedID, c.Status, c.SchoolID, c.Title, c.ClassCode, c.CourseID} {
		rec = spool.AppendString(rec, v)
	}
	for _, l := range [...][]string{c.Grades, c.Subjects, c.Periods, c.TermIDs} {
		rec = spool.AppendList(rec, l)
	}
	rec = spool.AppendKVs(rec, c.Metadata)
	s.rec = rec
	return s.classes.Add(rec)
}

func (s *stream) User(u *roster.User) error {
	if s.enrolling {
		return format.ErrStreamOrder // a class's teachers and students were counted without this user
	}
	if err := s.tick(); err != nil {
		return err
	}
	code := rOther
	var sp *spool.Spool
	switch u.Role {
	case "teacher":
		code, sp = rTeacher, s.teachers
		s.meta[TeachersFile].add(u.Metadata)
	case "student":
		code, sp = rStudent, s.students
		s.meta[StudentsFile].add(u.Metadata)
	case "administrator":
		code, sp = rAdministrator, s.staff
		s.meta[StaffFile].add(u.Metadata)
	}
	if roster.Deleted(u.Status) {
		s.w.drop(StudentsFile, "user with status tobedeleted not written: an upload lists who exists")
		return nil
	}
	if _, dup := s.users.Add(idset.Hash(u.SourcedID), code); dup {
		return format.ErrStreamOrder // Write takes the last user's role
	}
	if code == rOther {
		reason, ok := dropRoles[u.Role]
		if !ok {
			reason = "Clever's files hold students, teachers and staff (administrators) only"
		}
		s.w.drop(StudentsFile, fmt.Sprintf("user with role %q not written: %s", u.Role, reason))
		return nil
	}
	if code == rAdministrator {
		s.staffCount++
	}
	rec := s.rec[:0]
	for _, v := range [...]string{u.SourcedID, u.Identifier, u.Email, u.GivenName, u.MiddleName, u.FamilyName, u.Username, u.Password} {
		rec = spool.AppendString(rec, v)
	}
	rec = spool.AppendList(rec, u.OrgIDs)
	rec = spool.AppendList(rec, u.Grades)
	rec = spool.AppendKVs(rec, u.Metadata)
	s.rec = rec
	return sp.Add(rec)
}

func (s *stream) Demographics(d *roster.Demographics) error {
	if err := s.tick(); err != nil {
		return err
	}
	v := demo{deleted: roster.Deleted(d.Status)}
	if !v.deleted {
		v.gender = map[string]string{"male": "M", "female": "F", "other": "X"}[d.Sex]
		if d.Sex == "" && metaValue(d.Metadata, "Gender") == "X" {
			v.gender = "X"
		}
		if d.Sex != "" && v.gender == "" {
			v.sex = int32(slices.Index(s.sexes, d.Sex))
			if v.sex < 0 {
				v.sex = int32(len(s.sexes))
				s.sexes = append(s.sexes, strings.Clone(d.Sex))
			}
		} else {
			v.sex = -1
		}
		if d.BirthDate != "" {
			if v.dob = fromISO(d.BirthDate); v.dob == "" {
				v.badDOB = true
			}
		}
		v.race, v.raceLost = raceCode(d)
		v.hisp = map[string]string{"true": "Y", "false": "N"}[d.HispanicOrLatinoEthnicity]
	}
	s.demoAt.Set(idset.Hash(d.SourcedID), int32(len(s.demos)))
	s.demos = append(s.demos, v)
	return nil
}

// Enrollment passes a teacher's to its class's teachers and notes a class with a student, as
// Write's index does, and spools the enrollment for enrollments.csv.
func (s *stream) Enrollment(e *roster.Enrollment) error {
	s.enrolling = true
	flags := byte(0) // 1: a teacher's; 2: its sourcedId is not class/user; 4: the user has its role
	if err := s.tick(); err != nil {
		return err
	}
	switch {
	case roster.Deleted(e.Status):
		s.w.drop(EnrollmentsFile, "enrollment with status tobedeleted not written")
		return nil
	case e.Role == "teacher":
		if role, _ := s.users.Get(idset.Hash(e.UserID)); role == rTeacher {
			flags |= 4
			t := s.teachersOf[e.ClassID]
			if e.Primary == "true" {
				t = slices.Insert(t, 0, strings.Clone(e.UserID))
			} else {
				t = append(t, strings.Clone(e.UserID))
			}
			s.teachersOf[strings.Clone(e.ClassID)] = t // an assignment stores its key, even over an entry
		}
	case e.Role == "student":
		if role, _ := s.users.Get(idset.Hash(e.UserID)); role == rStudent {
			flags |= 4
			s.enrolled.Set(idset.Hash(e.ClassID), 1)
			s.pairs.Add(pairHash(e.ClassID, e.UserID), int32(s.enrollments.Len()))
		}
	default:
		s.w.drop(EnrollmentsFile, fmt.Sprintf("enrollment with role %q not written: Clever enrolls students, and teachers through sections.csv", e.Role))
		return nil
	}
	if e.Role == "teacher" {
		flags |= 1
	}
	if e.SourcedID != e.ClassID+"/"+e.UserID {
		flags |= 2
	}
	rec := append(s.rec[:0], flags)
	rec = spool.AppendString(spool.AppendString(rec, e.ClassID), e.UserID)
	s.rec = rec
	return s.enrollments.Add(rec)
}

// End writes the files in Write's order, with its rules, and reports what it reports.
func (s *stream) End(func(roster.Kind) int) error {
	defer func() {
		for _, sp := range []*spool.Spool{s.classes, s.teachers, s.students, s.staff, s.enrollments} {
			sp.Close()
		}
	}()
	w := s.w
	w.orgType = map[string]string{}
	for i := range s.orgs {
		if !roster.Deleted(s.orgs[i].Status) {
			w.orgType[s.orgs[i].SourcedID] = s.orgs[i].Type
		}
	}
	w.r = &roster.Roster{Orgs: s.orgs}
	w.course, w.session = s.course, s.session
	classes := idset.New(1 << 10) // class written -> its School_id's index in schools
	var schools []string
	err := writeTables(s.ctx, s.dst, []tableStep{
		{SchoolsFile, w.schools},
		{TeachersFile, func(t *table) error { return s.people(t, &teachersSpec, "teacher", s.teachers) }},
		{StudentsFile, s.studentRows},
		{SectionsFile, func(t *table) error { return s.sections(t, classes, &schools) }},
		{EnrollmentsFile, func(t *table) error { return s.enrollmentRows(t, classes, schools) }},
		{StaffFile, func(t *table) error { return s.people(t, &staffSpec, "administrator", s.staff) }},
	}, s.staffCount > 0)
	if err != nil {
		return err
	}
	w.reportLossy()
	return nil
}

// role returns the role code of a user not deleted (0 for none), without its refusal bit.
func (s *stream) role(id string) int32 {
	code, ok := s.users.Get(idset.Hash(id))
	if !ok || code&rRefused != 0 {
		return 0
	}
	return code
}

func (s *stream) refuse(id string) {
	h := idset.Hash(id)
	if code, ok := s.users.Get(h); ok {
		s.users.Set(h, code|rRefused)
	}
	s.refused.Set(h, 1)
}

// spooledUser unpacks a user spooled by User into u (its strings are rec's bytes).
func spooledUser(rec []byte, u *roster.User, role string) {
	orgs, grades, meta := u.OrgIDs[:0], u.Grades[:0], u.Metadata[:0]
	*u = roster.User{Role: role}
	for _, f := range [...]*string{&u.SourcedID, &u.Identifier, &u.Email, &u.GivenName, &u.MiddleName, &u.FamilyName, &u.Username, &u.Password} {
		*f, rec = spool.NextString(rec)
	}
	u.OrgIDs, rec = spool.NextList(rec, orgs)
	u.Grades, rec = spool.NextList(rec, grades)
	u.Metadata, _ = spool.NextKVs(rec, meta)
}

// people writes teachers.csv or staff.csv as Write's people does, from a spool.
func (s *stream) people(t *table, spec *fileSpec, role string, sp *spool.Spool) error {
	w := s.w
	var base []string
	var vals func(u *roster.User, school string) []string
	if role == "teacher" {
		base = []string{cSchoolID, cTeacherID, "Teacher_number", "Teacher_email", "First_name", "Middle_name", "Last_name", "Username", "Password"}
		vals = func(u *roster.User, s string) []string {
			return []string{s, u.SourcedID, u.Identifier, u.Email, u.GivenName, u.MiddleName, u.FamilyName, u.Username, u.Password}
		}
	} else {
		base = []string{cSchoolID, cStaffID, "Staff_email", "First_name", "Last_name", "Username", "Password"}
		vals = func(u *roster.User, s string) []string {
			return []string{s, u.SourcedID, u.Email, u.GivenName, u.FamilyName, u.Username, u.Password}
		}
	}
	extra := s.meta[spec.name].cols(spec, base)
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	var u roster.User
	return sp.Each(func(rec []byte) error {
		if err := s.tick(); err != nil {
			return err
		}
		spooledUser(rec, &u, role)
		schools, other := w.schoolsOf(&u)
		if role == "administrator" && other {
			schools = append(schools, DistrictOffice)
		}
		if len(schools) == 0 {
			w.fail(spec.name, roster.CodeMissingRequired, cSchoolID, fmt.Sprintf("%s %q", role, u.SourcedID), "no school among the user's orgs: Clever requires a School_id")
			s.refuse(u.SourcedID)
			return nil
		}
		if blank(u.GivenName) || blank(u.FamilyName) {
			w.fail(spec.name, roster.CodeMissingRequired, "First_name", fmt.Sprintf("%s %q", role, u.SourcedID), "First_name and Last_name are required by Clever")
			s.refuse(u.SourcedID)
			return nil
		}
		if role == "administrator" && blank(u.Email) {
			w.fail(spec.name, roster.CodeMissingRequired, "Staff_email", fmt.Sprintf("administrator %q", u.SourcedID), "Staff_email is blank: Clever requires it")
			s.refuse(u.SourcedID)
			return nil
		}
		return w.personRows(t, spec, role, &u, schools, extra, vals)
	})
}

// studentRows writes students.csv as Write's students does, from the spool (users of other
// roles and deleted ones were counted as they came).
func (s *stream) studentRows(t *table) error {
	w := s.w
	base := []string{cSchoolID, cStudentID, "Student_number", "Last_name", "Middle_name", "First_name", "Grade",
		"Gender", "DOB", "Race", "Hispanic_Latino", "Student_email", "Username", "Password"}
	extra := s.meta[StudentsFile].cols(&studentsSpec, base)
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	var u roster.User
	return s.students.Each(func(rec []byte) error {
		if err := s.tick(); err != nil {
			return err
		}
		spooledUser(rec, &u, "student")
		schools, _ := w.schoolsOf(&u)
		what := fmt.Sprintf("student %q", u.SourcedID)
		switch {
		case len(schools) == 0:
			w.fail(StudentsFile, roster.CodeMissingRequired, cSchoolID, what, "no school among the student's orgs: Clever requires a School_id")
			s.refuse(u.SourcedID)
			return nil
		case blank(u.GivenName) || blank(u.FamilyName):
			w.fail(StudentsFile, roster.CodeMissingRequired, "First_name", what, "First_name and Last_name are required by Clever")
			s.refuse(u.SourcedID)
			return nil
		}
		grade := w.studentGrade(&u, schools)
		gender, dob, race, hisp := "", "", "", ""
		if i, ok := s.demoAt.Get(idset.Hash(u.SourcedID)); ok && !s.demos[i].deleted {
			d := &s.demos[i]
			gender, dob, race, hisp = d.gender, d.dob, d.race, d.hisp
			if d.sex >= 0 {
				w.drop(StudentsFile, fmt.Sprintf("sex %q not written: Clever's Gender is M, F or X", s.sexes[d.sex]))
			}
			if d.badDOB {
				w.drop(StudentsFile, "birth date not written: not a YYYY-MM-DD date")
			}
			if d.raceLost {
				w.drop(StudentsFile, raceLost)
			}
		}
		return t.row(studentRow(&u, schools[0], grade, gender, dob, race, hisp, extra)...)
	})
}

// sections writes sections.csv as Write's sections does, from the spooled classes, and notes
// each class written with its school.
func (s *stream) sections(t *table, written *idset.Map, schools *[]string) error {
	w := s.w
	base := []string{cSchoolID, cSectionID, cTeacherID}
	for i := 2; i <= 10; i++ {
		base = append(base, coTeacher(i))
	}
	base = append(base, "Name", "Section_number", "Grade", "Course_name", "Course_number", "Period", "Subject",
		"Term_name", "Term_start", "Term_end")
	extra := s.meta[SectionsFile].cols(&sectionsSpec, base)
	if err := t.header(append(slices.Clone(base), extra...)); err != nil {
		return err
	}
	var c roster.Class
	return s.classes.Each(func(rec []byte) error {
		if err := s.tick(); err != nil {
			return err
		}
		for _, f := range [...]*string{&c.SourcedID, &c.Status, &c.SchoolID, &c.Title, &c.ClassCode, &c.CourseID} {
			*f, rec = spool.NextString(rec)
		}
		for _, l := range [...]*[]string{&c.Grades, &c.Subjects, &c.Periods, &c.TermIDs} {
			*l, rec = spool.NextList(rec, (*l)[:0])
		}
		c.Metadata, _ = spool.NextKVs(rec, c.Metadata[:0])
		what := fmt.Sprintf("class %q", c.SourcedID)
		switch {
		case roster.Deleted(c.Status):
			w.drop(SectionsFile, "class with status tobedeleted not written")
			return nil
		case w.orgType[c.SchoolID] != "school":
			w.fail(SectionsFile, roster.CodeDanglingRef, cSchoolID, what, fmt.Sprintf("its school %q is not a school written to schools.csv", c.SchoolID))
			return nil
		case !s.enrolled.Has(idset.Hash(c.SourcedID)):
			w.drop(SectionsFile, "class without students not written: Clever processes only sections with enrolled students")
			return nil
		}
		var ok []string
		for _, tid := range s.teachersOf[c.SourcedID] {
			if s.role(tid) == rTeacher && !slices.Contains(ok, tid) {
				ok = append(ok, tid)
			}
		}
		if len(ok) == 0 {
			w.fail(SectionsFile, roster.CodeMissingRequired, cTeacherID, what, "no teacher in teachers.csv is enrolled in it: Clever requires a Teacher_id")
			return nil
		}
		row := append([]string{c.SchoolID, c.SourcedID}, w.teacherColumns(ok)...)
		row = append(row, w.classValues(&c)...)
		for _, col := range extra {
			row = append(row, metaValue(c.Metadata, col))
		}
		if err := t.row(row...); err != nil {
			return err
		}
		at := slices.Index(*schools, c.SchoolID)
		if at < 0 {
			at = len(*schools)
			*schools = append(*schools, strings.Clone(c.SchoolID))
		}
		written.Set(idset.Hash(c.SourcedID), int32(at))
		return nil
	})
}

// enrollmentRows writes enrollments.csv as Write's enrollments does, from the spool: whether
// the user had the enrollment's role was noted as it came (users come first), so only the few
// users refused at End are looked up.
func (s *stream) enrollmentRows(t *table, classes *idset.Map, schools []string) error {
	w := s.w
	if err := t.header([]string{cSchoolID, cSectionID, cStudentID}); err != nil {
		return err
	}
	repeated := s.pairs.Repeated() // the student enrollments met twice, each with its first place
	s.pairs = nil
	at := int32(-1)
	return s.enrollments.Each(func(rec []byte) error {
		at++
		if err := s.tick(); err != nil {
			return err
		}
		flags := rec[0]
		classID, rest := spool.NextString(rec[1:])
		userID, _ := spool.NextString(rest)
		school, ok := classes.Get(idset.Hash(classID))
		ok = ok && flags&4 != 0 && (s.refused.Len() == 0 || !s.refused.Has(idset.Hash(userID)))
		if flags&1 != 0 {
			if !ok {
				w.drop(EnrollmentsFile, "teacher enrollment not written: its class or teacher is not written")
			} else if flags&2 != 0 {
				w.drop(EnrollmentsFile, enrollmentIDLost)
			}
			return nil // in sections.csv
		}
		if !ok {
			w.drop(EnrollmentsFile, "student enrollment not written: its class or student is not written")
			return nil
		}
		if repeated.Len() > 0 {
			if first, dup := repeated.Get(pairHash(classID, userID)); dup && first != at {
				w.drop(EnrollmentsFile, "student enrollment in a section it is already in not written: Clever has one row per section and student (no dates)")
				return nil
			}
		}
		if flags&2 != 0 {
			w.drop(EnrollmentsFile, enrollmentIDLost)
		}
		return t.row(schools[school], classID, userID)
	})
}

func cloneKVs(kvs []roster.KV) []roster.KV {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]roster.KV, len(kvs))
	for i, kv := range kvs {
		out[i] = roster.KV{Key: strings.Clone(kv.Key), Value: strings.Clone(kv.Value)}
	}
	return out
}
