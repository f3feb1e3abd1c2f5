package clever

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Read reads a Clever upload from fsys, checks Clever's rules and sends what it holds to sink:
// schools as orgs, teachers, staff and students as users (staff as administrators), sections
// as classes with their courses and terms and teacher enrollments, and student enrollments.
func (f Format) Read(ctx context.Context, fsys fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	info := format.Info{Format: Name}
	names, err := format.Files(fsys)
	if err != nil {
		return info, fmt.Errorf("clever: %w", err)
	}
	rep = csvio.NewSyncReporter(rep)
	r := &reader{rep: rep, sink: sink, lenient: settingsOf(opts).LenientDates, encoding: opts.InputEncoding, ragged: opts.Ragged,
		build: true, copyStrings: !roster.Borrows(sink),
		schools: idset.New(64), teachers: idset.New(1024), staffEmails: map[string]string{},
		teacherIdx: map[string]int{}, staffIdx: map[string]int{}, courses: map[string]bool{}, terms: map[string]bool{},
	}
	if _, ok := sink.(roster.Discard); ok {
		r.build, r.copyStrings = false, false
	}
	found := map[string]string{} // Clever file name -> name in the input
	for _, n := range names {
		// The exact lower-case name first: a Students.csv beside students.csv is not read.
		if low := strings.ToLower(n); n == low && (specFor(low) != nil || low == AdminsFile) {
			found[low] = n
		}
	}
	for _, n := range names {
		low := strings.ToLower(n)
		if n == low || specFor(low) == nil && low != AdminsFile {
			continue
		}
		if first, dup := found[low]; dup {
			rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: n,
				Message: fmt.Sprintf("%s is not read: it is %s in another case, and %s is read (remove one of them)", n, low, first)})
			continue
		}
		found[low] = n
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: n,
			Message: fmt.Sprintf("%s is named %s: Clever's file names are lower case (rename it; it is read as %s)", low, n, low)})
	}
	if n, ok := found[AdminsFile]; ok {
		rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: n,
			Message: "admins.csv is deprecated by Clever and not read: move its rows to staff.csv (Admin_email becomes Staff_email, Admin_title Title)"})
	}
	lone := len(names) == 1 && len(found) == 1
	for _, s := range specs {
		if err := ctx.Err(); err != nil {
			return info, err
		}
		name, ok := found[s.name]
		if !ok {
			switch {
			case s.required && lone:
				// One Clever file given alone (validate students.csv), as a lone OneRoster or SDS file.
				rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: s.name,
					Message: s.name + " is not here: only the rules of the file given were checked, not references into other files"})
			case s.required:
				rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: s.name,
					Message: s.name + " is missing: Clever processes an upload only when schools.csv, students.csv, teachers.csv, sections.csv and enrollments.csv are all there"})
			}
			continue
		}
		rows, err := r.readFile(ctx, fsys, name, s)
		if err != nil {
			return info, err
		}
		fi := format.FileInfo{Name: s.name, Rows: rows}
		if name != s.name {
			fi.Source = name
		}
		info.Files = append(info.Files, fi)
	}
	if err := r.finish(); err != nil {
		return info, err
	}
	return info, nil
}

// reader holds what one Read has seen of the upload so far.
type reader struct {
	rep         roster.Reporter
	sink        roster.Sink
	lenient     bool
	encoding    string
	ragged      bool
	build       bool // send entities (false when the sink discards them)
	copyStrings bool // the sink keeps the strings it is sent

	read map[string]bool // files whose rows were read: references into them are checked

	schools        *idset.Map // School_id -> line
	teachers       *idset.Map // Teacher_id -> line of its first row
	sections       *idset.Map // Section_id -> index in secs
	secs           []sectionInfo
	students       *idset.Map    // Student_id -> index in studentRows
	studentRows    []studentInfo // per student, in the order first seen (the Map's values index it)
	studentNumbers *idset.Map    // Student_number -> line
	teacherNumbers *idset.Map    // Teacher_number -> line
	pairs          *idset.Bag    // (Section_id, Student_id) of each enrollment
	enrollFile     string

	teacherIdx  map[string]int // Teacher_id -> index in teacherRows
	teacherRows []person
	staffIdx    map[string]int
	staffRows   []person
	staffEmails map[string]string // folded Staff_email -> Staff_id
	district    bool              // a staff row is at DEFAULT_DISTRICT_OFFICE
	courses     map[string]bool
	terms       map[string]bool

	digest xxhash.Digest
	keep   []string
}

// studentInfo is what a repeated Student_id is compared with: its first row.
type studentInfo struct {
	line   int32
	fields uint32 // low half of the hash of its non-contact fields
}

// sectionInfo is what enrollments.csv needs of a section.
type sectionInfo struct {
	line     int32
	school   uint32 // low half of the hash of its School_id
	enrolled bool
}

// person is a teacher or staff member kept until their file is read: one per ID, with the
// schools of all their rows.
type person struct {
	user   roster.User
	line   int
	fields uint64 // hash of the fields other than School_id
	// schools holds user.OrgIDs once they are many (a person at thousands of schools), so
	// checking a row's school stays constant time.
	schools map[string]struct{}
}

// atSchool reports whether the person already has a row at School_id sch.
func (p *person) atSchool(sch string) bool {
	if p.schools == nil {
		if len(p.user.OrgIDs) < 32 {
			return containsOrg(p.user.OrgIDs, sch)
		}
		p.schools = make(map[string]struct{}, 2*len(p.user.OrgIDs))
		for _, o := range p.user.OrgIDs {
			p.schools[o] = struct{}{}
		}
	}
	_, ok := p.schools[sch]
	return ok
}

// addSchool adds School_id sch to the person's schools.
func (p *person) addSchool(sch string) {
	p.user.OrgIDs = append(p.user.OrgIDs, sch)
	if p.schools != nil {
		p.schools[sch] = struct{}{}
	}
}

// fileReader reads the rows of one file.
type fileReader struct {
	*reader
	spec    *fileSpec
	file    string
	header  []string
	pos     []int                  // per spec column, its index in the record; -1 when absent
	cols    []csvio.Placed[column] // the spec's columns the header has
	extras  []int                  // indices of ext.* columns
	contact []int                  // indices of the contact columns (students.csv)
}

func (fr *fileReader) report(sev roster.Severity, code string, line int, col, msg string) {
	fr.rep.Report(roster.Problem{Severity: sev, Code: code, File: fr.file, Line: line, Column: col, Message: msg})
}

// at returns the record index of column name (-1 when the file lacks it).
func (fr *fileReader) at(name string) int {
	for i, c := range fr.spec.cols {
		if c.name == name {
			return fr.pos[i]
		}
	}
	return -1
}

func get(rec []string, p int) string {
	if p < 0 {
		return ""
	}
	return rec[p]
}

// readFile reads one file: header, then every row through pre (stateless checks) and the
// file's own row function (ID tables, references, entities). It returns the rows read.
func (r *reader) readFile(ctx context.Context, fsys fs.FS, name string, s *fileSpec) (int, error) {
	fh, rd, err := csvio.OpenFile(fsys, name, s.name, csvio.Options{Encoding: r.encoding}, r.rep,
		[]string{s.cols[0].name, s.cols[1].name, "…"})
	if err != nil {
		return 0, fmt.Errorf("clever: %w", err)
	}
	defer fh.Close()
	if rd == nil {
		return 0, nil // reported
	}
	fr := &fileReader{reader: r, spec: s, file: s.name, pos: make([]int, len(s.cols))}
	if !fr.checkHeader(rd.Header()) {
		return 0, nil
	}
	row := fr.rowFunc(sizeHint(fh, s))
	if r.read == nil {
		r.read = map[string]bool{}
	}
	r.read[s.name] = true
	var rowErr error
	err = csvio.EachPre(ctx, rd, fr.pre, func(rec []string, line int, ok bool) error {
		if !ok {
			return nil
		}
		if r.copyStrings {
			r.keep = csvio.Clone(r.keep, rec)
			rec = r.keep
		}
		if err := row(rec, line); err != nil {
			rowErr = fmt.Errorf("clever: %s line %d: %w", s.name, line, err)
			return rowErr
		}
		return nil
	})
	if rowErr != nil {
		return rd.Rows(), rowErr
	}
	if err != nil {
		if ctx.Err() != nil {
			return rd.Rows(), err
		}
		return rd.Rows(), fmt.Errorf("clever: %w", err)
	}
	if err := fr.done(fsys); err != nil {
		return rd.Rows(), err
	}
	if rd.Rows() == 0 && !rd.Lost() && s.name != StaffFile {
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeEmptyFile, File: s.name,
			Message: s.name + " has a header but no rows: Clever would have nothing of it to sync"})
	}
	return rd.Rows(), nil
}

// checkHeader maps the header: Clever matches names without case and in any order, takes
// ext.* columns as extensions, and nothing else. False when the first row is no header.
func (fr *fileReader) checkHeader(got []string) bool {
	norm := make([]string, len(got))
	for j, h := range got {
		norm[j] = h
		for _, c := range fr.spec.cols {
			if strings.EqualFold(strings.TrimSpace(h), c.name) {
				norm[j] = c.name
				break
			}
		}
	}
	spec := csvio.HeaderSpec{
		Extra: isExt,
		Hint:  "Clever's " + fr.file + " columns are " + columnList(fr.spec) + " in any order and case, and ext.* extension columns",
	}
	if fr.file == SectionsFile {
		// Teacher_11_id and on are no misspelling of a column to read instead: Clever has none.
		told := map[string]bool{}
		spec.Extra = func(name string) bool {
			if !teacherBeyondTen(name) {
				return isExt(name)
			}
			if told[name] {
				return true
			}
			told[name] = true
			fr.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeHeader, File: fr.file, Line: 1, Column: name,
				Message: fmt.Sprintf("%s: Clever's sections.csv names at most ten teachers (Teacher_id to Teacher_10_id): the column is not read", name)})
			return true
		}
	}
	for _, c := range fr.spec.cols {
		spec.Columns = append(spec.Columns, csvio.HeaderColumn{Name: c.name, Optional: !c.req})
	}
	idx := csvio.CheckHeader(fr.file, norm, spec, fr.rep)
	if idx == nil {
		return false
	}
	copy(fr.pos, idx)
	fr.cols = csvio.Place(fr.spec.cols, fr.pos)
	fr.header = norm
	for j, h := range norm {
		if isExt(h) {
			fr.extras = append(fr.extras, j)
		}
	}
	for _, c := range contactCols {
		fr.contact = append(fr.contact, fr.at(c))
	}
	return true
}

func isExt(name string) bool { return len(name) > 4 && strings.EqualFold(name[:4], "ext.") }

// teacherBeyondTen reports whether name is Teacher_N_id with N past 10, in any case.
func teacherBeyondTen(name string) bool {
	l := strings.ToLower(strings.TrimSpace(name))
	n, ok := strings.CutPrefix(l, "teacher_")
	if !ok {
		return false
	}
	if n, ok = strings.CutSuffix(n, "_id"); !ok {
		return false
	}
	v, err := strconv.Atoi(n)
	return err == nil && v > 10
}

func columnList(s *fileSpec) string {
	var req []string
	for _, c := range s.cols {
		if c.req {
			req = append(req, c.name)
		}
	}
	return strings.Join(req, ", ") + " (required) and " + plural(len(s.cols)-len(req), "optional one", "optional ones")
}

// pre checks one record on its own (it may run on the parsing goroutine): cell count,
// required values, each value against its column's rules, formulas.
func (fr *fileReader) pre(rec []string, line int) ([]string, bool) {
	if len(rec) != len(fr.header) {
		fr.report(roster.Error, roster.CodeRaggedRow, line, "",
			format.RaggedMessage(len(rec), len(fr.header), "Clever requires quotes around a value with a comma"))
		key := fr.pos[1] // Student_id, Teacher_id, Section_id, Staff_id (enrollments: Section_id)
		if fr.file == SchoolsFile {
			key = fr.pos[0]
		}
		var ok bool
		if rec, ok = format.FitRagged(rec, fr.header, key, fr.ragged); !ok {
			return rec, false
		}
	}
	for _, pc := range fr.cols {
		c, p := pc.Spec, pc.At
		v := rec[p]
		if blank(v) {
			if c.req {
				fr.report(roster.Error, roster.CodeMissingRequired, line, c.name,
					fmt.Sprintf("%s is blank: Clever requires it and does not process the row", c.name))
			}
			continue
		}
		if c.kind == kString || c.kind == kSecret {
			continue
		}
		if pr, ok := checkValue(c, v, fr.lenient); !ok {
			fr.report(pr.sev, pr.code, line, c.name, pr.msg)
		}
	}
	for j, v := range rec {
		if csvio.Formula(v) {
			h := fr.header[j]
			fr.report(roster.Warning, roster.CodeFormula, line, h, csvio.FormulaMessage(h, v, h == "Password" || h == "DOB"))
		}
	}
	if fr.file == StudentsFile {
		fr.checkContact(rec, line)
	}
	return rec, true
}

// checkContact: a row with any contact value needs Contact_name and Contact_type (Clever's
// help centre: required when providing contacts).
func (fr *fileReader) checkContact(rec []string, line int) {
	any := false
	for _, p := range fr.contact {
		if p >= 0 && !blank(rec[p]) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	for _, c := range [...]string{"Contact_name", "Contact_type"} {
		if p := fr.at(c); p < 0 || blank(rec[p]) {
			fr.report(roster.Error, roster.CodeMissingRequired, line, c,
				c+" is blank on a row with contact details: Clever requires Contact_name and Contact_type for a contact")
		}
	}
}

// ref checks that id (of column col, non-blank) is in table, which holds the IDs of file.
func (fr *fileReader) ref(table *idset.Map, file, col, id string, line int) bool {
	if blank(id) || !fr.read[file] {
		return true
	}
	if table.Has(xxhash.Sum64String(id)) {
		return true
	}
	fr.report(roster.Error, roster.CodeDanglingRef, line, col,
		fmt.Sprintf("%s %q is not in %s: Clever drops a row whose link does not resolve", col, id, file))
	return false
}

// schoolRef checks a School_id against schools.csv.
func (fr *fileReader) schoolRef(id string, line int) bool {
	if fr.file == StaffFile && id == DistrictOffice {
		return true
	}
	return fr.ref(fr.schools, SchoolsFile, cSchoolID, id, line)
}

// meta appends the non-blank values of the named columns and the ext.* columns as metadata.
func (fr *fileReader) meta(dst []roster.KV, rec []string, cols ...int) []roster.KV {
	for _, p := range cols {
		if p >= 0 && rec[p] != "" {
			dst = append(dst, roster.KV{Key: fr.header[p], Value: rec[p]})
		}
	}
	for _, p := range fr.extras {
		if rec[p] != "" {
			dst = append(dst, roster.KV{Key: fr.header[p], Value: rec[p]})
		}
	}
	return dst
}

// hashOf hashes the values at cols.
func (r *reader) hashOf(rec []string, cols []int) uint64 {
	r.digest.Reset()
	for _, p := range cols {
		if p >= 0 {
			r.digest.WriteString(rec[p]) //nolint:errcheck // never fails
		}
		r.digest.Write([]byte{0}) //nolint:errcheck // never fails
	}
	return r.digest.Sum64()
}

// rowFunc returns the function that takes the file's checked rows.
func (fr *fileReader) rowFunc(hint int) func(rec []string, line int) error {
	switch fr.file {
	case SchoolsFile:
		return fr.schoolRow()
	case TeachersFile:
		return fr.personRow(true)
	case StaffFile:
		return fr.personRow(false)
	case SectionsFile:
		return fr.sectionRow(hint)
	case StudentsFile:
		return fr.studentRow(hint)
	}
	return fr.enrollmentRow(hint)
}

func (fr *fileReader) schoolRow() func([]string, int) error {
	id, name, number := fr.at(cSchoolID), fr.at("School_name"), fr.at("School_number")
	var rest []int
	for _, c := range fr.spec.cols[3:] {
		rest = append(rest, fr.at(c.name))
	}
	var org roster.Org
	return func(rec []string, line int) error {
		v := get(rec, id)
		if blank(v) {
			return nil
		}
		if first, dup := fr.schools.Add(xxhash.Sum64String(v), int32(line)); dup {
			fr.report(roster.Error, roster.CodeDuplicateID, line, cSchoolID,
				fmt.Sprintf("School_id %q is already on line %d: every school needs its own School_id", v, first))
			return nil
		}
		if v == DistrictOffice {
			// Read as a school still, so the rows at it are checked; staff.csv's
			// DEFAULT_DISTRICT_OFFICE would be two places at once.
			fr.report(roster.Error, roster.CodeBadID, line, cSchoolID,
				DistrictOffice+" is Clever's School_id for the district office, which staff.csv uses without a schools.csv row: give the school another School_id")
		}
		if !fr.build {
			return nil
		}
		org = roster.Org{SourcedID: v, Status: roster.StatusActive, Name: get(rec, name), Type: "school", Identifier: get(rec, number)}
		org.Metadata = fr.meta(nil, rec, rest...)
		return fr.sink.Org(&org)
	}
}

// personRow reads teachers.csv (teacher) or staff.csv. A person may have a row per school,
// with the same other fields; they are sent once the file is read, with all their schools.
func (fr *fileReader) personRow(teacher bool) func([]string, int) error {
	idCol, idName, emailCol, numCol, role := cStaffID, cStaffID, "Staff_email", "", "administrator"
	idx, rows := &fr.staffIdx, &fr.staffRows
	if teacher {
		idCol, idName, emailCol, numCol, role = cTeacherID, cTeacherID, "Teacher_email", "Teacher_number", "teacher"
		idx, rows = &fr.teacherIdx, &fr.teacherRows
		fr.teacherNumbers = idset.New(1024)
	}
	school, id, email, number := fr.at(cSchoolID), fr.at(idCol), fr.at(emailCol), fr.at(numCol)
	first, middle, last, user, pass := fr.at("First_name"), fr.at("Middle_name"), fr.at("Last_name"), fr.at("Username"), fr.at("Password")
	var rest, fields []int
	for i, c := range fr.spec.cols {
		switch c.name {
		case cSchoolID, idCol, emailCol, numCol, "First_name", "Middle_name", "Last_name", "Username", "Password":
		default:
			rest = append(rest, fr.pos[i])
		}
		if c.name != cSchoolID {
			fields = append(fields, fr.pos[i])
		}
	}
	fields = append(fields, fr.extras...)
	return func(rec []string, line int) error {
		v := get(rec, id)
		sch := get(rec, school)
		schoolOK := fr.schoolRef(sch, line)
		if blank(v) {
			return nil
		}
		h := fr.hashOf(rec, fields)
		if i, dup := (*idx)[v]; dup {
			p := &(*rows)[i]
			switch {
			case p.fields != h:
				fr.report(roster.Error, roster.CodeDuplicateID, line, idName,
					fmt.Sprintf("%s %q is already on line %d with other details: repeat a person only for another school, with the same details", idName, v, p.line))
			case p.atSchool(sch):
				fr.report(roster.Error, roster.CodeDuplicateID, line, idName,
					fmt.Sprintf("%s %q at School_id %q is already on line %d", idName, v, sch, p.line))
			case schoolOK && !blank(sch):
				p.addSchool(strings.Clone(sch))
			}
			return nil
		}
		if teacher {
			fr.teachers.Set(xxhash.Sum64String(v), int32(line))
			if n := get(rec, number); !blank(n) {
				if at, dup := fr.teacherNumbers.Add(xxhash.Sum64String(n), int32(line)); dup {
					fr.report(roster.Error, roster.CodeDuplicateID, line, "Teacher_number",
						fmt.Sprintf("Teacher_number %q is already on line %d: Clever requires it to be unique across the district", n, at))
				}
			}
		} else if e := get(rec, email); !blank(e) {
			folded := strings.ToLower(e)
			if other, dup := fr.staffEmails[folded]; dup && other != v {
				fr.report(roster.Error, roster.CodeDuplicateID, line, "Staff_email",
					fmt.Sprintf("Staff_email %q is already the address of Staff_id %q: Clever requires it to be unique", e, other))
			} else {
				fr.staffEmails[strings.Clone(folded)] = strings.Clone(v)
			}
		}
		u := roster.User{SourcedID: strings.Clone(v), Status: roster.StatusActive, EnabledUser: "true", Role: role,
			GivenName: get(rec, first), MiddleName: get(rec, middle), FamilyName: get(rec, last),
			Email: get(rec, email), Identifier: get(rec, number), Username: get(rec, user), Password: get(rec, pass)}
		if schoolOK && !blank(sch) {
			u.OrgIDs = []string{sch}
			if sch == DistrictOffice {
				fr.district = true
			}
		}
		u.Metadata = fr.meta(nil, rec, rest...)
		if !fr.copyStrings || !fr.build {
			// The strings point into the read buffer: a kept person needs copies.
			u = cloneUser(u)
		}
		(*idx)[u.SourcedID] = len(*rows)
		*rows = append(*rows, person{user: u, line: line, fields: h})
		return nil
	}
}

func containsOrg(ids []string, id string) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func cloneUser(u roster.User) roster.User {
	for _, p := range []*string{&u.GivenName, &u.MiddleName, &u.FamilyName, &u.Email, &u.Identifier, &u.Username, &u.Password} {
		*p = strings.Clone(*p)
	}
	for i := range u.OrgIDs {
		u.OrgIDs[i] = strings.Clone(u.OrgIDs[i])
	}
	for i := range u.Metadata {
		u.Metadata[i] = roster.KV{Key: strings.Clone(u.Metadata[i].Key), Value: strings.Clone(u.Metadata[i].Value)}
	}
	return u
}

func (fr *fileReader) sectionRow(hint int) func([]string, int) error {
	fr.sections = idset.New(hint)
	school, id, teacher := fr.at(cSchoolID), fr.at(cSectionID), fr.at(cTeacherID)
	var co []int
	for i := 2; i <= 10; i++ {
		co = append(co, fr.at(coTeacher(i)))
	}
	name, number, grade, cname, cnum := fr.at("Name"), fr.at("Section_number"), fr.at("Grade"), fr.at("Course_name"), fr.at("Course_number")
	period, subject, term, tstart, tend := fr.at("Period"), fr.at("Subject"), fr.at("Term_name"), fr.at("Term_start"), fr.at("Term_end")
	desc := fr.at("Course_description")
	var class roster.Class
	var enr roster.Enrollment
	return func(rec []string, line int) error {
		sch, v := get(rec, school), get(rec, id)
		fr.schoolRef(sch, line)
		teachers := []string{get(rec, teacher)}
		if fr.ref(fr.teachers, TeachersFile, cTeacherID, teachers[0], line) && fr.build && !blank(teachers[0]) {
			// kept
		} else {
			teachers[0] = ""
		}
		for i, p := range co {
			t := get(rec, p)
			if blank(t) {
				continue
			}
			if fr.ref(fr.teachers, TeachersFile, coTeacher(i+2), t, line) {
				teachers = append(teachers, t)
			}
		}
		if blank(v) {
			return nil
		}
		h := xxhash.Sum64String(v)
		if i, dup := fr.sections.Add(h, int32(len(fr.secs))); dup {
			fr.report(roster.Error, roster.CodeDuplicateID, line, cSectionID,
				fmt.Sprintf("Section_id %q is already on line %d: every section needs its own Section_id", v, fr.secs[i].line))
			return nil
		}
		fr.secs = append(fr.secs, sectionInfo{line: int32(line), school: uint32(xxhash.Sum64String(sch))})
		if !fr.build {
			return nil
		}
		class = roster.Class{SourcedID: v, Status: roster.StatusActive, Title: get(rec, name), ClassCode: get(rec, number),
			SchoolID: sch, ClassType: "scheduled"}
		if g := get(rec, grade); g != "" {
			lo, _, _ := strings.Cut(g, "-")
			class.Grades = []string{toCEDS(lo)}
		}
		if p := get(rec, period); p != "" {
			class.Periods = []string{p}
		}
		if s := get(rec, subject); s != "" {
			class.Subjects = []string{s}
		}
		if cn, cc := get(rec, cname), get(rec, cnum); cn != "" || cc != "" {
			key := cc
			if key == "" {
				key = cn
			}
			class.CourseID = madeID(sch + "/" + key)
			if !fr.courses[class.CourseID] {
				fr.courses[strings.Clone(class.CourseID)] = true
				c := roster.Course{SourcedID: class.CourseID, Status: roster.StatusActive, Title: cn, CourseCode: cc, OrgID: sch}
				if err := fr.sink.Course(&c); err != nil {
					return err
				}
			}
		}
		if tn, ts, te := get(rec, term), get(rec, tstart), get(rec, tend); tn != "" || ts != "" || te != "" {
			tid := termID(tn, ts, te)
			class.TermIDs = []string{tid}
			if !fr.terms[tid] {
				fr.terms[strings.Clone(tid)] = true
				s := roster.AcademicSession{SourcedID: tid, Status: roster.StatusActive, Title: tn, Type: "term",
					StartDate: toISO(ts), EndDate: toISO(te)}
				if len(s.EndDate) == 10 {
					s.SchoolYear = s.EndDate[:4] // the year the school year ends, as OneRoster counts it
				}
				if err := fr.sink.AcademicSession(&s); err != nil {
					return err
				}
			}
		}
		class.Metadata = fr.meta(nil, rec, desc)
		if err := fr.sink.Class(&class); err != nil {
			return err
		}
		for i, t := range teachers {
			if t == "" {
				continue
			}
			enr = roster.Enrollment{SourcedID: v + "/" + t, Status: roster.StatusActive, ClassID: v, SchoolID: sch, UserID: t,
				Role: "teacher", Primary: "false"}
			if i == 0 {
				enr.Primary = "true"
			}
			if err := fr.sink.Enrollment(&enr); err != nil {
				return err
			}
		}
		return nil
	}
}

// termID is the sourcedId of the term a section's Term_name, Term_start and Term_end make:
// the name, else the dates.
func termID(name, start, end string) string {
	if name != "" && start == "" && end == "" {
		return madeID(name)
	}
	return madeID(name + "/" + toISO(start) + "/" + toISO(end))
}

// madeID makes an ID from names (a term's, a course's) that other formats accept: every
// character but letters, digits and . - _ / @ becomes "-" ("Fall 2026" is "Fall-2026").
func madeID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_/@", r):
			return r
		}
		return '-'
	}, s)
}

func (fr *fileReader) studentRow(hint int) func([]string, int) error {
	fr.students, fr.studentNumbers = idset.New(hint), idset.New(hint)
	fr.studentRows = make([]studentInfo, 0, hint)
	school, id, number := fr.at(cSchoolID), fr.at(cStudentID), fr.at("Student_number")
	first, middle, last, email := fr.at("First_name"), fr.at("Middle_name"), fr.at("Last_name"), fr.at("Student_email")
	user, pass, grade := fr.at("Username"), fr.at("Password"), fr.at("Grade")
	dob, gender, race, hisp := fr.at("DOB"), fr.at("Gender"), fr.at("Race"), fr.at("Hispanic_Latino")
	var fields, rest []int
	contact := map[string]bool{}
	for _, c := range contactCols {
		contact[c] = true
	}
	for i, c := range fr.spec.cols {
		if !contact[c.name] {
			fields = append(fields, fr.pos[i])
		}
		switch c.name {
		case cSchoolID, cStudentID, "Student_number", "First_name", "Middle_name", "Last_name", "Student_email", "Username",
			"Password", "Grade", "DOB", "Gender", "Race", "Hispanic_Latino":
		default:
			rest = append(rest, fr.pos[i])
		}
	}
	fields = append(fields, fr.extras...)
	var u roster.User
	var demo roster.Demographics
	wantDemo := true
	if s, ok := fr.sink.(roster.Selective); ok {
		wantDemo = s.Wants(roster.DemographicsKind)
	}
	return func(rec []string, line int) error {
		fr.schoolRef(get(rec, school), line)
		v := get(rec, id)
		if blank(v) {
			return nil
		}
		hv := xxhash.Sum64String(v)
		fh := uint32(fr.hashOf(rec, fields))
		if i, dup := fr.students.Add(hv, int32(len(fr.studentRows))); dup {
			if first := fr.studentRows[i]; first.fields != fh {
				at := first.line
				fr.report(roster.Error, roster.CodeDuplicateID, line, cStudentID,
					fmt.Sprintf("Student_id %q is already on line %d with other student details: a student is repeated only to add a contact, with the same details on every row", v, at))
			}
			return nil // a contact row: the student is sent once
		}
		fr.studentRows = append(fr.studentRows, studentInfo{line: int32(line), fields: fh})
		if n := get(rec, number); !blank(n) {
			if at, dup := fr.studentNumbers.Add(xxhash.Sum64String(n), int32(line)); dup {
				fr.report(roster.Error, roster.CodeDuplicateID, line, "Student_number",
					fmt.Sprintf("Student_number %q is already on line %d: Clever requires it to be unique across the district", n, at))
			}
		}
		if !fr.build {
			return nil
		}
		u = roster.User{SourcedID: v, Status: roster.StatusActive, EnabledUser: "true", Role: "student",
			GivenName: get(rec, first), MiddleName: get(rec, middle), FamilyName: get(rec, last), Email: get(rec, email),
			Identifier: get(rec, number), Username: get(rec, user), Password: get(rec, pass)}
		if s := get(rec, school); !blank(s) {
			u.OrgIDs = []string{s}
		}
		if g := get(rec, grade); g != "" {
			u.Grades = []string{toCEDS(g)}
		}
		u.Metadata = fr.meta(nil, rec, rest...)
		if err := fr.sink.User(&u); err != nil {
			return err
		}
		d, g, rc, hs := get(rec, dob), get(rec, gender), get(rec, race), get(rec, hisp)
		if !wantDemo || d == "" && g == "" && rc == "" && hs == "" {
			return nil
		}
		demo = roster.Demographics{SourcedID: v, Status: roster.StatusActive}
		if d != "" {
			demo.BirthDate = toISO(d)
		}
		switch g {
		case "M":
			demo.Sex = "male"
		case "F":
			demo.Sex = "female"
		}
		if g == "X" {
			// OneRoster 1.1 has no non-binary sex: the value stays as Clever's, in metadata.
			demo.Metadata = []roster.KV{{Key: "Gender", Value: g}}
		}
		if rc != "" {
			// The code's flag is true, every other false.
			for _, x := range raceFlags(&demo) {
				*x.flag = strconv.FormatBool(x.code == rc)
			}
		}
		switch hs {
		case "Y":
			demo.HispanicOrLatinoEthnicity = "true"
		case "N":
			demo.HispanicOrLatinoEthnicity = "false"
		}
		return fr.sink.Demographics(&demo)
	}
}

func (fr *fileReader) enrollmentRow(hint int) func([]string, int) error {
	fr.pairs = idset.NewBag(hint)
	fr.enrollFile = fr.file
	school, section, student := fr.at(cSchoolID), fr.at(cSectionID), fr.at(cStudentID)
	var enr roster.Enrollment
	// Exports are sorted by student or by section: a value whose hash is the previous row's
	// was looked up already, and found.
	var okSch, okStu, okSec uint64 // hashes of the last values found (0: none)
	var sec0 *sectionInfo
	checkStudents, checkSections := fr.read[StudentsFile], fr.read[SectionsFile]
	return func(rec []string, line int) error {
		sch, sec, stu := get(rec, school), get(rec, section), get(rec, student)
		hSch, hStu, hSec := xxhash.Sum64String(sch), xxhash.Sum64String(stu), xxhash.Sum64String(sec)
		if hSch != okSch {
			okSch = 0
			if fr.schoolRef(sch, line) {
				okSch = hSch
			}
		}
		if hStu != okStu {
			okStu = 0
			if blank(stu) || !checkStudents || fr.students.Has(hStu) {
				okStu = hStu
			} else {
				fr.report(roster.Error, roster.CodeDanglingRef, line, cStudentID,
					fmt.Sprintf("Student_id %q is not in students.csv: Clever drops a row whose link does not resolve", stu))
			}
		}
		if hSec != okSec || sec0 == nil {
			okSec, sec0 = 0, nil
			if !blank(sec) && checkSections {
				if i, ok := fr.sections.Get(hSec); ok {
					sec0, okSec = &fr.secs[i], hSec
				} else {
					fr.report(roster.Error, roster.CodeDanglingRef, line, cSectionID,
						fmt.Sprintf("Section_id %q is not in sections.csv: Clever drops a row whose link does not resolve", sec))
				}
			}
		}
		if sec0 != nil {
			sec0.enrolled = true
			if !blank(sch) && sec0.school != uint32(hSch) {
				fr.report(roster.Warning, roster.CodeDanglingRef, line, cSchoolID,
					fmt.Sprintf("School_id %q is not the School_id of section %q in sections.csv", sch, sec))
			}
		}
		if blank(sec) || blank(stu) {
			return nil
		}
		fr.pairs.Add(hSec^(hStu*0x9e3779b97f4a7c15), int32(line))
		if !fr.build {
			return nil
		}
		enr = roster.Enrollment{SourcedID: sec + "/" + stu, Status: roster.StatusActive, ClassID: sec, SchoolID: sch,
			UserID: stu, Role: "student", Primary: "false"}
		return fr.sink.Enrollment(&enr)
	}
}

func pairHash(sec, stu string) uint64 {
	return xxhash.Sum64String(sec) ^ (xxhash.Sum64String(stu) * 0x9e3779b97f4a7c15)
}

// done runs once a file's rows are read: teachers and staff are sent, repeated enrollments
// named.
func (fr *fileReader) done(fsys fs.FS) error {
	switch fr.file {
	case TeachersFile:
		return fr.sendPeople(fr.teacherRows)
	case StaffFile:
		if fr.district && fr.build {
			org := roster.Org{SourcedID: DistrictOffice, Status: roster.StatusActive, Name: "District office", Type: "district"}
			if err := fr.sink.Org(&org); err != nil {
				return err
			}
		}
		return fr.sendPeople(fr.staffRows)
	case EnrollmentsFile:
		rep := fr.pairs.Repeated()
		if rep.Len() == 0 {
			return nil
		}
		school, section, student := fr.at(cSchoolID), fr.at(cSectionID), fr.at(cStudentID)
		_ = school
		return csvio.Reread(fsys, fr.file, csvio.Options{Encoding: fr.encoding}, func(rec []string, line int) {
			if len(rec) != len(fr.header) {
				return
			}
			sec, stu := get(rec, section), get(rec, student)
			if first, ok := rep.Get(pairHash(sec, stu)); ok && int(first) != line {
				fr.report(roster.Warning, roster.CodeDuplicateID, line, cStudentID,
					fmt.Sprintf("student %q is already enrolled in section %q on line %d: the repeat is read once", stu, sec, first))
			}
		})
	}
	return nil
}

func (fr *fileReader) sendPeople(rows []person) error {
	if !fr.build {
		return nil
	}
	for i := range rows {
		if err := fr.sink.User(&rows[i].user); err != nil {
			return err
		}
	}
	return nil
}

// finish reports what needs every file read: sections nobody is enrolled in.
func (r *reader) finish() error {
	if r.sections == nil || !r.read[EnrollmentsFile] {
		return nil
	}
	for _, s := range r.secs {
		if s.enrolled {
			continue
		}
		l := int(s.line)
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeDanglingRef, File: SectionsFile, Line: l, Column: cSectionID,
			Message: "no student is enrolled in this section: Clever processes only sections with enrolled students, so it is dropped"})
	}
	return nil
}

// sizeHint guesses the number of rows from the file's size, to size the ID tables once: a
// low guess costs a table's doubling, a high one memory that is never used.
func sizeHint(f fs.File, s *fileSpec) int {
	fi, err := f.Stat()
	if err != nil || fi.Size() <= 0 {
		return 1024
	}
	per := int64(128) // bytes a row of students.csv or sections.csv takes at least, about
	if s.name == EnrollmentsFile {
		per = 64
	}
	return int(min(fi.Size()/per, 1<<26))
}
