package students

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
)

// outRow is one student as written: its values in layout column order (a column's value is at
// the index of its name's first column).
type outRow []string

// Write writes the students of r as one file, students.csv: columns in the layout's order (the
// built-in layout writes MIDDLE_NAME and BIRTHDATE only when a student has one), UTF-8 without
// a BOM, LF line endings, RFC 4180 quoting. Users of other roles, classes, enrollments and
// demographics other than the birth date are dropped, each kind reported once as lossy; a
// student that cannot be written (no school, no password, a site not in the site map …) is an
// error and is left out.
func (Format) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	b, err := newBuild(opts, rep)
	if err != nil {
		return err
	}
	for i := range r.Orgs {
		b.w.orgs[r.Orgs[i].SourcedID] = &r.Orgs[i]
	}
	for i := range r.Demographics {
		if d := &r.Demographics[i]; b.demographics(d) {
			b.w.births.Set(d.SourcedID, d.BirthDate)
		}
	}
	var rows []outRow
	for i := range r.Users {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if row, ok := b.user(&r.Users[i]); ok {
			rows = append(rows, row)
		}
	}
	return b.finish(dst, r.Count, func(write func(outRow) error) error {
		for _, row := range rows {
			if err := write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// build is what Write and WriteStream share: the writer, and what is counted for the report.
type build struct {
	w                 *writer
	roles             map[string]int // users of other roles, by role
	students, deleted int
	has               []bool // the columns (by index in cols) a row written has a value in
	births, demoOther int    // demographics with a birth date; with other values
}

func newBuild(opts format.Options, rep roster.Reporter) (*build, error) {
	cols, err := layoutColumns(opts)
	if err != nil {
		return nil, err
	}
	var bySourcedID bool
	switch strings.ToLower(settingsOf(opts).StudentID) {
	case "", "identifier":
	case "sourcedid":
		bySourcedID = true
	default:
		return nil, fmt.Errorf("students: student ID %q: want identifier or sourcedId", settingsOf(opts).StudentID)
	}
	w := &writer{opts: opts, stu: settingsOf(opts), rep: rep, cols: cols, bySourcedID: bySourcedID,
		orgs: map[string]*roster.Org{}, births: idset.NewStrings[string](1 << 10), seen: idset.NewStrings[string](1 << 10),
		idx: make(map[string]int, len(cols)), set: make([]bool, len(cols)), first: make([]int, len(cols))}
	for i := len(cols) - 1; i >= 0; i-- {
		w.idx[cols[i].name] = i
	}
	for i, c := range cols {
		w.first[i] = w.idx[c.name]
	}
	at := func(col string) int {
		if i, ok := w.idx[col]; ok {
			return i
		}
		return -1
	}
	w.at = columnsAt{id: at(ColStudentID), site: at(ColSiteID), grade: at(ColGrade), first: at(ColFirstName), last: at(ColLastName),
		middle: at(ColMiddleName), email: at(ColEmail), birth: at(ColBirthdate), pass: at(ColPassword)}
	if sm := settingsOf(opts).Sites; sm != nil {
		w.siteIDs = make(map[string]bool, len(sm))
		w.siteByName = make(map[string][]string, len(sm))
		for _, s := range sm {
			w.siteIDs[s.ID] = true
			k := strings.ToLower(strings.TrimSpace(s.Name))
			w.siteByName[k] = append(w.siteByName[k], s.ID)
		}
	}
	return &build{w: w, roles: map[string]int{}, has: make([]bool, len(cols))}, nil
}

// demographics counts d's birth date and what students.csv drops of it, and says whether it
// has a birth date.
func (b *build) demographics(d *roster.Demographics) bool {
	if d.BirthDate != "" {
		b.births++
	}
	if d.Sex != "" || d.AmericanIndianOrAlaskaNative != "" || d.Asian != "" || d.BlackOrAfricanAmerican != "" ||
		d.NativeHawaiianOrOtherPacificIslander != "" || d.White != "" || d.DemographicRaceTwoOrMoreRaces != "" ||
		d.HispanicOrLatinoEthnicity != "" || d.CountryOfBirthCode != "" || d.StateOfBirthAbbreviation != "" ||
		d.CityOfBirth != "" || d.PublicSchoolResidenceStatus != "" {
		b.demoOther++
	}
	return d.BirthDate != ""
}

// skip counts u when it is not a student to write (deleted, or another role) and says so.
func (b *build) skip(u *roster.User) bool {
	if roster.Deleted(u.Status) {
		b.deleted++ // never written as an active student
		return true
	}
	if u.Role != "student" {
		b.roles[strings.Clone(u.Role)]++
		return true
	}
	return false
}

// user returns u's row, or false when it is not written (counted, or reported).
func (b *build) user(u *roster.User) (outRow, bool) {
	if b.skip(u) {
		return nil, false
	}
	birth, _ := b.w.births.Get(u.SourcedID)
	return b.student(u, birth)
}

// student returns the row of the student u, born on birth ("" when not known), or false after
// reporting why it cannot be written.
func (b *build) student(u *roster.User, birth string) (outRow, bool) {
	b.students++
	row, ok := b.w.user(u, birth)
	if ok {
		for i, v := range row {
			b.has[i] = b.has[i] || v != ""
		}
	}
	return row, ok
}

// finish reports what is missing and what is dropped, then writes students.csv from the rows
// rows hands over; count counts the roster's entities per kind.
func (b *build) finish(dst format.Dest, count func(roster.Kind) int, rows func(write func(outRow) error) error) error {
	w := b.w
	w.reportMissing(b.students)
	if b.deleted > 0 {
		w.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: FileName,
			Message: fmt.Sprintf("%s with status tobedeleted not written: a roster lists the users that exist", plural(b.deleted, "user", "users"))})
	}

	// The columns written: the built-in layout leaves out MIDDLE_NAME and BIRTHDATE when no
	// student has one. PASSWORD stays even with Google SSO (blank): the order is fixed, and a
	// file stops after it.
	var names []string
	var at []int // index in an outRow of each column written
	builtIn := w.opts.Layout == nil || w.opts.Layout.Format != Name
	droppable := map[string]bool{ColMiddleName: true, ColBirthdate: true}
	for _, c := range w.cols {
		if builtIn && droppable[c.name] && !b.has[w.idx[c.name]] {
			continue
		}
		names = append(names, c.name)
		at = append(at, w.idx[c.name])
	}
	w.lossy(b, count, names)

	return csvio.WriteFile(dst, FileName, names, func(write func([]string) error) error {
		rec := make([]string, len(names))
		return rows(func(row outRow) error {
			for j, i := range at {
				rec[j] = row[i]
			}
			return write(rec)
		})
	})
}

// writer maps canonical students to rows.
type writer struct {
	opts        format.Options
	stu         Settings // the students settings of opts
	rep         roster.Reporter
	cols        []column
	bySourcedID bool
	orgs        map[string]*roster.Org
	births      *idset.Strings[string] // user sourcedId -> birth date (Write)
	siteIDs     map[string]bool        // site map IDs; nil without a site map
	siteByName  map[string][]string    // lower-case SITE_NAME -> SITE_IDs
	seen        *idset.Strings[string] // STUDENT_ID -> sourcedId of the student written with it
	cloneSeen   bool                   // the users' strings are valid only during user: seen keeps copies
	// repeated, when set, holds the hashes of the STUDENT_IDs more than one student has: only
	// those can collide, so only those go through seen (nil: every one does).
	repeated *idset.Map
	idx      map[string]int // column name -> index of its first column in cols
	first    []int          // per column of cols, idx of its name
	at       columnsAt      // idx of the columns a row is built from (-1: not in the layout)
	set      []bool         // the columns of the row being built that have a value (blank or not)

	multiSchool, multiGrade, birthsUsed int
	// unheld counts the students written whose sourcedId or middle name no column holds.
	unheld struct{ sourcedIDs, middle int }

	// missing holds, per column in layout order, the students without a needed value: reported
	// one by one, or once when no student has one (the source format lacks the field).
	missing map[string][]string
}

// missingValue records that the student who has no value for col.
func (w *writer) missingValue(col, who string) {
	if w.missing == nil {
		w.missing = map[string][]string{}
	}
	w.missing[col] = append(w.missing[col], who)
}

// reportMissing reports the missing values: one error per student, or one for the file when
// none of the students has a value.
func (w *writer) reportMissing(students int) {
	for _, c := range w.cols {
		whos := w.missing[c.name]
		if len(whos) == 0 {
			continue
		}
		hint := w.missingHint(c.name)
		if len(whos) == students && students > 1 {
			w.fail(roster.CodeMissingRequired, c.name, fmt.Sprintf("none of the %d students has a value for %s%s: nothing written", students, c.name, hint))
			continue
		}
		for _, who := range whos {
			w.fail(roster.CodeMissingRequired, c.name, fmt.Sprintf("%s has no value for %s%s: not written", who, c.name, hint))
		}
	}
}

func (w *writer) missingHint(col string) string {
	switch {
	case col == ColSiteID:
		return " (no school org: give --org NAME when the input has no schools)"
	case col == ColGrade:
		return " (no grade in the input: a layout whose GRADE is not required leaves it blank)"
	case col == ColPassword && w.stu.PasswordsAreDates:
		return " (no password and no birth date to take)"
	case col == ColPassword:
		return " (use --passwords-are-dates to take birth dates, or --google-sso)"
	case col == ColEmail:
		return " (required with --google-sso)"
	}
	return ""
}

func (w *writer) fail(code, col, msg string) {
	w.rep.Report(roster.Problem{Severity: roster.Error, Code: code, File: FileName, Column: col, Message: msg})
}

// user returns the row for u, born on birth, or false after reporting why u cannot be written.
func (w *writer) user(u *roster.User, birth string) (outRow, bool) {
	v := make(outRow, len(w.cols))
	clear(w.set)
	put := func(i int, val string) {
		if i >= 0 {
			v[i], w.set[i] = val, true
		}
	}
	id := w.studentID(u)
	if id == "" {
		w.fail(roster.CodeMissingRequired, ColStudentID, fmt.Sprintf("a student has neither identifier nor sourcedId for STUDENT_ID (name %q %q): not written", u.GivenName, u.FamilyName))
		return nil, false
	}
	check := w.repeated == nil || w.repeated.Has(idset.Hash(id))
	if check {
		if prev, dup := w.seen.Get(id); dup {
			w.fail(roster.CodeIDCollision, ColStudentID, fmt.Sprintf("%s and student %q would both be STUDENT_ID %q: %s not written", who(prev), u.SourcedID, id, who(u.SourcedID)))
			return nil, false
		}
	}
	put(w.at.id, id)

	site, ok := w.site(u)
	if !ok {
		return nil, false
	}
	put(w.at.site, site)
	if len(u.Grades) > 0 {
		put(w.at.grade, vendorGrade(u.Grades[0]))
		if len(u.Grades) > 1 {
			w.multiGrade++
		}
	}
	put(w.at.first, u.GivenName)
	put(w.at.last, u.FamilyName)
	put(w.at.middle, u.MiddleName)
	put(w.at.email, u.Email)
	if birth != "" {
		if t, ok := parseDate(birth); ok {
			put(w.at.birth, isoDate(t))
		} else {
			w.fail(roster.CodeBadDate, ColBirthdate, fmt.Sprintf("%s: the birth date is not a date (the value is not shown); BIRTHDATE left blank", who(u.SourcedID)))
		}
	}
	pass := u.Password
	if w.stu.PasswordsAreDates {
		from := "password"
		if pass == "" && birth != "" {
			pass, from = birth, "birth date"
			w.birthsUsed++
		}
		if pass != "" {
			t, ok := parseDate(pass)
			if !ok {
				w.fail(roster.CodeBadDate, ColPassword, fmt.Sprintf("%s: the %s is not a date written YYYY-MM-DD or M/D/YYYY, as passwords are dates (the value is not shown): not written", who(u.SourcedID), from))
				return nil, false
			}
			pass = slashDate(t)
		}
	}
	put(w.at.pass, pass)
	for _, kv := range u.Metadata {
		if i, ok := w.idx[kv.Key]; ok && !w.set[i] && kv.Value != "" {
			v[i], w.set[i] = kv.Value, true
		}
	}
	missing := false
	for i, c := range w.cols {
		if c.needed(w.stu) && blank(v[w.first[i]]) {
			missing = true
			w.missingValue(c.name, who(u.SourcedID))
		}
	}
	if missing {
		return nil, false
	}
	w.countUnheld(u, id)
	if !check {
		return v, true
	}
	src := u.SourcedID
	if w.cloneSeen {
		id, src = strings.Clone(id), strings.Clone(src)
	}
	w.seen.Set(id, src)
	return v, true
}

// countUnheld counts what a written student u (STUDENT_ID id) carries that no column of the
// row holds: its sourcedId (when STUDENT_ID is another value) and middle name (when the layout
// has no MIDDLE_NAME).
func (w *writer) countUnheld(u *roster.User, id string) {
	if u.SourcedID != "" && u.SourcedID != id {
		w.unheld.sourcedIDs++
	}
	if u.MiddleName != "" && w.at.middle < 0 {
		w.unheld.middle++
	}
}

// columnsAt holds, for each column a row is built from, the index of its first column in the
// layout, or -1 when the layout has none.
type columnsAt struct{ id, site, grade, first, last, middle, email, birth, pass int }

// who names a student in a message.
func who(sourcedID string) string { return fmt.Sprintf("student %q", sourcedID) }

// site returns the SITE_ID of u: its first school's identifier (else sourcedId), checked
// against the site map when there is one, and matched there by name when it is not a SITE_ID.
func (w *writer) site(u *roster.User) (string, bool) {
	var school *roster.Org
	schools := 0
	for _, id := range u.OrgIDs {
		if o := w.orgs[id]; o != nil && o.Type == "school" {
			if school == nil {
				school = o
			}
			schools++
		}
	}
	if school == nil {
		return "", true // no SITE_ID: reported with the other missing values
	}
	if schools > 1 {
		w.multiSchool++
	}
	site := school.Identifier
	if site == "" {
		site = school.SourcedID
	}
	if w.siteIDs == nil || w.siteIDs[site] {
		return site, true
	}
	ids := w.siteByName[strings.ToLower(strings.TrimSpace(school.Name))]
	if len(ids) == 1 {
		return ids[0], true
	}
	name := w.stu.SiteMap
	if name == "" {
		name = "the site map"
	}
	msg := fmt.Sprintf("%s: school %q (%s) is neither a SITE_ID nor a SITE_NAME in %s: not written", who(u.SourcedID), school.Name, site, name)
	if len(ids) > 1 {
		msg = fmt.Sprintf("%s: school %q (%s) is not a SITE_ID, and %s names %d sites %q (%s): not written",
			who(u.SourcedID), school.Name, site, name, len(ids), school.Name, strings.Join(ids, ", "))
	}
	w.fail(roster.CodeDanglingRef, ColSiteID, msg)
	return "", false
}

// lossy reports, once per kind, what the file cannot carry.
func (w *writer) lossy(b *build, count func(roster.Kind) int, names []string) {
	info := func(msg string) {
		w.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: FileName, Message: msg})
	}
	roles := b.roles
	keys := make([]string, 0, len(roles))
	for k := range roles {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		role := k
		if role == "" {
			role = "(blank)"
		}
		info(fmt.Sprintf("%s with role %s dropped: students.csv holds students only", plural(roles[k], "user", "users"), role))
	}
	for _, d := range []struct {
		n         int
		one, many string
	}{
		{count(roster.AcademicSessionKind), "academic session", "academic sessions"},
		{count(roster.CourseKind), "course", "courses"},
		{count(roster.ClassKind), "class", "classes"},
		{count(roster.EnrollmentKind), "enrollment", "enrollments"},
	} {
		if d.n > 0 {
			info(fmt.Sprintf("%s dropped: students.csv has none", plural(d.n, d.one, d.many)))
		}
	}
	other, births := b.demoOther, 0
	if !slices.Contains(names, ColBirthdate) {
		births = b.births
	}
	if other > 0 {
		info(fmt.Sprintf("demographics of %s dropped (sex, race, ethnicity, place of birth): students.csv has no such columns", plural(other, "user", "users")))
	}
	if births > 0 {
		msg := fmt.Sprintf("%s dropped: the layout has no %s column", plural(births, "birth date", "birth dates"), ColBirthdate)
		if w.birthsUsed > 0 {
			used := fmt.Sprintf(" (%d were used as passwords)", w.birthsUsed)
			if w.birthsUsed == 1 {
				used = " (1 was used as a password)"
			}
			msg += used
		}
		info(msg)
	}
	if w.multiSchool > 0 {
		info(fmt.Sprintf("%s to more than one school: only the first is written as SITE_ID", plural(w.multiSchool, "student belongs", "students belong")))
	}
	if w.multiGrade > 0 {
		info(fmt.Sprintf("%s more than one grade: only the first is written as GRADE", plural(w.multiGrade, "student has", "students have")))
	}
	if n := w.unheld.sourcedIDs; n > 0 {
		info(fmt.Sprintf("the sourcedIds of %s not written: STUDENT_ID holds the identifier (--student-id sourcedId writes the sourcedId instead)", plural(n, "student", "students")))
	}
	if n := w.unheld.middle; n > 0 {
		info(fmt.Sprintf("the middle names of %s not written: the layout has no %s column", plural(n, "student", "students"), ColMiddleName))
	}
}

// plural returns "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// studentID returns u's STUDENT_ID: its identifier, or its sourcedId with --student-id
// sourcedId ("" for none).
func (w *writer) studentID(u *roster.User) string {
	if w.bySourcedID {
		return roster.UserKey(u, "sourcedId")
	}
	return roster.UserKey(u, "identifier")
}
