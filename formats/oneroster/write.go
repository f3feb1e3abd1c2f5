package oneroster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Write writes r as a spec-clean OneRoster package of the version set (1.1 by default; 1.2 adds
// roles.csv and writes the 1.2.1 users columns, see write12.go): a manifest with every file.* row, the
// spec's header order, lists quoted, LF line endings and no BOM. A kind r holds in full is a
// bulk file with blank status and dateLastModified, without the records whose status is
// tobedeleted (a bulk file lists the records that exist: they are counted, not written); a
// kind r holds as a delta stays a delta file with its statuses and dates. A file with no rows
// is left out and marked absent (an importer rejects header-only files). metadata.* values
// become trailing columns.
func (f Format) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	version := settingsOf(opts).Version
	modes := map[string]string{}
	fill := newFiller(r, opts, rep)
	for _, spec := range writeSpecs(version) {
		if spec.kind == "" {
			continue
		}
		delta := r.Delta[spec.kind]
		if err := ctx.Err(); err != nil {
			return err
		}
		n, deleted, err := writeKind(dst, spec, r, fill, !delta)
		if err != nil {
			return err
		}
		if deleted > 0 {
			rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: spec.name,
				Message: fmt.Sprintf("%s with status tobedeleted not written: a bulk file lists the records that exist", plural(deleted, spec.kind.Singular()))})
		}
		if n == 0 {
			continue
		}
		modes[spec.name] = "bulk"
		if delta {
			modes[spec.name] = "delta"
		}
	}
	if version == "1.1" {
		report12Columns(r, rep)
	} else {
		mode, err := writeRoles(ctx, dst, r, rep)
		if err != nil {
			return err
		}
		if mode != "" {
			modes["roles.csv"] = mode
		}
	}
	fill.report()
	if len(r.Demographics) > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodePersonalData, File: "demographics.csv",
			Message: fmt.Sprintf("%d demographics records written: they hold birth dates, share them only when the vendor needs them", len(r.Demographics))})
	}
	return writeManifest(dst, version, modes)
}

// writeManifest writes manifest.csv: every file.* row of version, each file's mode from modes
// (absent when it has none).
func writeManifest(dst format.Dest, version string, modes map[string]string) error {
	return writeCSV(dst, "manifest.csv", []string{"propertyName", "value"}, func(write func([]string) error) error {
		rows := [][]string{{"manifest.version", "1.0"}, {"oneroster.version", version}}
		for _, n := range manifestFiles(version) {
			m := modes[n+".csv"]
			if m == "" {
				m = "absent"
			}
			rows = append(rows, []string{"file." + n, m})
		}
		rows = append(rows, []string{"source.systemName", "rostersync"})
		for _, row := range rows {
			if err := write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeKind writes the records of one kind into spec's file, or nothing when none is written,
// and returns how many it wrote and, for a bulk file, how many it left out as tobedeleted.
func writeKind(dst format.Dest, spec *fileSpec, r *roster.Roster, fill *filler, bulk bool) (n, deleted int, err error) {
	switch spec.kind {
	case roster.OrgKind:
		return writeRecords(dst, spec, r.Orgs, orgColumns, fill, bulk)
	case roster.AcademicSessionKind:
		return writeRecords(dst, spec, r.AcademicSessions, sessionColumns, fill, bulk)
	case roster.CourseKind:
		return writeRecords(dst, spec, r.Courses, courseColumns, fill, bulk)
	case roster.ClassKind:
		return writeRecords(dst, spec, r.Classes, classColumns, fill, bulk)
	case roster.UserKind:
		return writeRecords(dst, spec, r.Users, userColumns, fill, bulk)
	case roster.DemographicsKind:
		return writeRecords(dst, spec, r.Demographics, demographicsColumns, fill, bulk)
	case roster.EnrollmentKind:
		return writeRecords(dst, spec, r.Enrollments, enrollmentColumns, fill, bulk)
	}
	return 0, 0, nil
}

// field returns one column's value of a record of type T.
type field[T any] func(v *T, f *filler) string

// columns maps the 1.1 column names of one kind to their values, with the record's status and
// metadata; a column missing from fields is written blank.
type columns[T any] struct {
	fields map[string]field[T]
	status func(v *T) string
	meta   func(v *T) []roster.KV
}

func joined(l []string) string { return strings.Join(l, ",") }

var orgColumns = columns[roster.Org]{
	fields: map[string]field[roster.Org]{
		"sourcedId":        func(o *roster.Org, _ *filler) string { return o.SourcedID },
		"status":           func(o *roster.Org, _ *filler) string { return o.Status },
		"dateLastModified": func(o *roster.Org, _ *filler) string { return o.DateLastModified },
		"name":             func(o *roster.Org, _ *filler) string { return o.Name },
		"type":             func(o *roster.Org, _ *filler) string { return o.Type },
		"identifier":       func(o *roster.Org, _ *filler) string { return o.Identifier },
		"parentSourcedId":  func(o *roster.Org, _ *filler) string { return o.ParentID },
	},
	status: func(o *roster.Org) string { return o.Status },
	meta:   func(o *roster.Org) []roster.KV { return o.Metadata },
}

var sessionColumns = columns[roster.AcademicSession]{
	fields: map[string]field[roster.AcademicSession]{
		"sourcedId":        func(s *roster.AcademicSession, _ *filler) string { return s.SourcedID },
		"status":           func(s *roster.AcademicSession, _ *filler) string { return s.Status },
		"dateLastModified": func(s *roster.AcademicSession, _ *filler) string { return s.DateLastModified },
		"title":            func(s *roster.AcademicSession, _ *filler) string { return s.Title },
		"type":             func(s *roster.AcademicSession, _ *filler) string { return s.Type },
		"startDate":        func(s *roster.AcademicSession, _ *filler) string { return s.StartDate },
		"endDate":          func(s *roster.AcademicSession, _ *filler) string { return s.EndDate },
		"parentSourcedId":  func(s *roster.AcademicSession, _ *filler) string { return s.ParentID },
		"schoolYear":       func(s *roster.AcademicSession, f *filler) string { return f.schoolYear(s) },
	},
	status: func(s *roster.AcademicSession) string { return s.Status },
	meta:   func(s *roster.AcademicSession) []roster.KV { return s.Metadata },
}

var courseColumns = columns[roster.Course]{
	fields: map[string]field[roster.Course]{
		"sourcedId":           func(c *roster.Course, _ *filler) string { return c.SourcedID },
		"status":              func(c *roster.Course, _ *filler) string { return c.Status },
		"dateLastModified":    func(c *roster.Course, _ *filler) string { return c.DateLastModified },
		"schoolYearSourcedId": func(c *roster.Course, _ *filler) string { return c.SchoolYearID },
		"title":               func(c *roster.Course, _ *filler) string { return c.Title },
		"courseCode":          func(c *roster.Course, _ *filler) string { return c.CourseCode },
		"grades":              func(c *roster.Course, f *filler) string { return f.grades(c.Grades) },
		"orgSourcedId":        func(c *roster.Course, _ *filler) string { return c.OrgID },
		"subjects":            func(c *roster.Course, _ *filler) string { return joined(c.Subjects) },
		"subjectCodes":        func(c *roster.Course, _ *filler) string { return joined(c.SubjectCodes) },
	},
	status: func(c *roster.Course) string { return c.Status },
	meta:   func(c *roster.Course) []roster.KV { return c.Metadata },
}

var classColumns = columns[roster.Class]{
	fields: map[string]field[roster.Class]{
		"sourcedId":        func(c *roster.Class, _ *filler) string { return c.SourcedID },
		"status":           func(c *roster.Class, _ *filler) string { return c.Status },
		"dateLastModified": func(c *roster.Class, _ *filler) string { return c.DateLastModified },
		"title":            func(c *roster.Class, _ *filler) string { return c.Title },
		"grades":           func(c *roster.Class, f *filler) string { return f.grades(c.Grades) },
		"courseSourcedId":  func(c *roster.Class, _ *filler) string { return c.CourseID },
		"classCode":        func(c *roster.Class, _ *filler) string { return c.ClassCode },
		"classType":        func(c *roster.Class, _ *filler) string { return c.ClassType },
		"location":         func(c *roster.Class, _ *filler) string { return c.Location },
		"schoolSourcedId":  func(c *roster.Class, _ *filler) string { return c.SchoolID },
		"termSourcedIds":   func(c *roster.Class, _ *filler) string { return joined(c.TermIDs) },
		"subjects":         func(c *roster.Class, _ *filler) string { return joined(c.Subjects) },
		"subjectCodes":     func(c *roster.Class, _ *filler) string { return joined(c.SubjectCodes) },
		"periods":          func(c *roster.Class, _ *filler) string { return joined(c.Periods) },
	},
	status: func(c *roster.Class) string { return c.Status },
	meta:   func(c *roster.Class) []roster.KV { return c.Metadata },
}

var userColumns = columns[roster.User]{
	fields: map[string]field[roster.User]{
		"sourcedId":        func(u *roster.User, _ *filler) string { return u.SourcedID },
		"status":           func(u *roster.User, _ *filler) string { return u.Status },
		"dateLastModified": func(u *roster.User, _ *filler) string { return u.DateLastModified },
		"enabledUser":      func(u *roster.User, _ *filler) string { return u.EnabledUser },
		"orgSourcedIds":    func(u *roster.User, _ *filler) string { return joined(u.OrgIDs) },
		"role":             func(u *roster.User, _ *filler) string { return u.Role },
		"username":         func(u *roster.User, _ *filler) string { return u.Username },
		"userIds":          func(u *roster.User, _ *filler) string { return joined(u.UserIDs) },
		"givenName":        func(u *roster.User, _ *filler) string { return u.GivenName },
		"familyName":       func(u *roster.User, _ *filler) string { return u.FamilyName },
		"middleName":       func(u *roster.User, _ *filler) string { return u.MiddleName },
		"identifier":       func(u *roster.User, _ *filler) string { return u.Identifier },
		"email":            func(u *roster.User, _ *filler) string { return u.Email },
		"sms":              func(u *roster.User, _ *filler) string { return u.SMS },
		"phone":            func(u *roster.User, _ *filler) string { return u.Phone },
		"agentSourcedIds":  func(u *roster.User, _ *filler) string { return joined(u.AgentIDs) },
		"grades":           func(u *roster.User, f *filler) string { return f.grades(u.Grades) },
		"password":         func(u *roster.User, _ *filler) string { return u.Password },
		// OneRoster 1.2.
		"userMasterIdentifier": func(u *roster.User, _ *filler) string { return u.UserMasterIdentifier },
		"preferredGivenName":   func(u *roster.User, _ *filler) string { return u.PreferredGivenName },
		"preferredMiddleName":  func(u *roster.User, _ *filler) string { return u.PreferredMiddleName },
		"preferredFamilyName":  func(u *roster.User, _ *filler) string { return u.PreferredFamilyName },
		"primaryOrgSourcedId":  func(u *roster.User, _ *filler) string { return u.PrimaryOrgID },
		"pronouns":             func(u *roster.User, _ *filler) string { return u.Pronouns },
	},
	status: func(u *roster.User) string { return u.Status },
	meta:   func(u *roster.User) []roster.KV { return u.Metadata },
}

var demographicsColumns = columns[roster.Demographics]{
	fields: map[string]field[roster.Demographics]{
		"sourcedId":                            func(d *roster.Demographics, _ *filler) string { return d.SourcedID },
		"status":                               func(d *roster.Demographics, _ *filler) string { return d.Status },
		"dateLastModified":                     func(d *roster.Demographics, _ *filler) string { return d.DateLastModified },
		"birthDate":                            func(d *roster.Demographics, _ *filler) string { return d.BirthDate },
		"sex":                                  func(d *roster.Demographics, _ *filler) string { return d.Sex },
		"americanIndianOrAlaskaNative":         func(d *roster.Demographics, _ *filler) string { return d.AmericanIndianOrAlaskaNative },
		"asian":                                func(d *roster.Demographics, _ *filler) string { return d.Asian },
		"blackOrAfricanAmerican":               func(d *roster.Demographics, _ *filler) string { return d.BlackOrAfricanAmerican },
		"nativeHawaiianOrOtherPacificIslander": func(d *roster.Demographics, _ *filler) string { return d.NativeHawaiianOrOtherPacificIslander },
		"white":                                func(d *roster.Demographics, _ *filler) string { return d.White },
		"demographicRaceTwoOrMoreRaces":        func(d *roster.Demographics, _ *filler) string { return d.DemographicRaceTwoOrMoreRaces },
		"hispanicOrLatinoEthnicity":            func(d *roster.Demographics, _ *filler) string { return d.HispanicOrLatinoEthnicity },
		"countryOfBirthCode":                   func(d *roster.Demographics, _ *filler) string { return d.CountryOfBirthCode },
		"stateOfBirthAbbreviation":             func(d *roster.Demographics, _ *filler) string { return d.StateOfBirthAbbreviation },
		"cityOfBirth":                          func(d *roster.Demographics, _ *filler) string { return d.CityOfBirth },
		"publicSchoolResidenceStatus":          func(d *roster.Demographics, _ *filler) string { return d.PublicSchoolResidenceStatus },
	},
	status: func(d *roster.Demographics) string { return d.Status },
	meta:   func(d *roster.Demographics) []roster.KV { return d.Metadata },
}

var enrollmentColumns = columns[roster.Enrollment]{
	fields: map[string]field[roster.Enrollment]{
		"sourcedId":        func(e *roster.Enrollment, _ *filler) string { return e.SourcedID },
		"status":           func(e *roster.Enrollment, _ *filler) string { return e.Status },
		"dateLastModified": func(e *roster.Enrollment, _ *filler) string { return e.DateLastModified },
		"classSourcedId":   func(e *roster.Enrollment, _ *filler) string { return e.ClassID },
		"schoolSourcedId":  func(e *roster.Enrollment, _ *filler) string { return e.SchoolID },
		"userSourcedId":    func(e *roster.Enrollment, _ *filler) string { return e.UserID },
		"role":             func(e *roster.Enrollment, _ *filler) string { return e.Role },
		"primary":          func(e *roster.Enrollment, _ *filler) string { return e.Primary },
		"beginDate":        func(e *roster.Enrollment, _ *filler) string { return e.BeginDate },
		"endDate":          func(e *roster.Enrollment, _ *filler) string { return e.EndDate },
	},
	status: func(e *roster.Enrollment) string { return e.Status },
	meta:   func(e *roster.Enrollment) []roster.KV { return e.Metadata },
}

// filler fills what OneRoster 1.1 requires from what the roster has, for input from OneRoster
// 1.0 or a format without these fields: an academic session's schoolYear from the end date of
// the school year it belongs to (its own, when it is one), and, under --fix, grades written
// without their zero (9 -> 09, K -> KG).
type filler struct {
	rep      roster.Reporter
	fix      bool
	years    map[string]string // session sourcedId -> schoolYear filled
	padded   int
	examples map[string]string // one grade padded, for the message
}

func newFiller(r *roster.Roster, opts format.Options, rep roster.Reporter) *filler {
	f := &filler{rep: rep, fix: opts.Fix, years: map[string]string{}, examples: map[string]string{}}
	f.addYears(r.AcademicSessions)
	return f
}

// addYears fills, for the sessions without a schoolYear, the one they take from their school
// year, reporting those that have none to take.
func (f *filler) addYears(sessions []roster.AcademicSession) {
	rep := f.rep
	byID := make(map[string]*roster.AcademicSession, len(sessions))
	for i := range sessions {
		byID[sessions[i].SourcedID] = &sessions[i]
	}
	for i := range sessions {
		s := &sessions[i]
		if s.SchoolYear != "" || roster.Deleted(s.Status) {
			continue
		}
		year := s
		for hops := 0; year != nil && year.Type != "schoolYear" && hops < len(byID); hops++ {
			year = byID[year.ParentID]
		}
		if year == nil || year.Type != "schoolYear" {
			year = containingYear(sessions, s) // no parent: the school year its dates fall in
		}
		if year != nil {
			if y := yearOf(year.EndDate); y != "" {
				f.years[s.SourcedID] = y
				continue
			}
		}
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingRequired, File: "academicSessions.csv", Column: "schoolYear",
			Message: fmt.Sprintf("academic session %q has no schoolYear, which OneRoster 1.1 requires, and no school year (a parent, or a schoolYear session whose dates hold its dates) with an end date to take it from: add schoolYear", s.SourcedID)})
	}
}

// containingYear returns the schoolYear session whose start and end dates hold s's, or nil.
func containingYear(sessions []roster.AcademicSession, s *roster.AcademicSession) *roster.AcademicSession {
	if !validDate(s.StartDate) || !validDate(s.EndDate) {
		return nil
	}
	for i := range sessions {
		y := &sessions[i]
		if y.Type == "schoolYear" && validDate(y.StartDate) && validDate(y.EndDate) && y.StartDate <= s.StartDate && s.EndDate <= y.EndDate {
			return y
		}
	}
	return nil
}

// yearOf returns the year of a YYYY-MM-DD date, or "".
func yearOf(date string) string {
	if !validDate(date) {
		return ""
	}
	return date[:4]
}

func (f *filler) schoolYear(s *roster.AcademicSession) string {
	if y, ok := f.years[s.SourcedID]; ok {
		return y
	}
	return s.SchoolYear
}

// grades joins a grade list, zero-padding grades under --fix.
func (f *filler) grades(gs []string) string {
	if !f.fix {
		return strings.Join(gs, ",")
	}
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g
		if !slices.Contains(cedsGrades, g) {
			if fixed := gradeFix(g); fixed != "" {
				out[i] = fixed
				f.padded++
				if len(f.examples) == 0 {
					f.examples[strings.Clone(g)] = fixed
				}
			}
		}
	}
	return strings.Join(out, ",")
}

// report says what was filled, once each.
func (f *filler) report() {
	if n := len(f.years); n > 0 {
		f.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeRepaired, File: "academicSessions.csv", Column: "schoolYear",
			Message: fmt.Sprintf("schoolYear of %s filled from their school year's end date (OneRoster 1.1 requires it)", plural(n, "academic session"))})
	}
	if f.padded > 0 {
		ex := ""
		for from, to := range f.examples {
			ex = fmt.Sprintf(" (%s -> %s)", from, to)
		}
		f.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeRepaired, Column: "grades",
			Message: fmt.Sprintf("%s written zero-padded%s: OneRoster 1.1 grades are CEDS codes", plural(f.padded, "grade"), ex)})
	}
}

// metaColumn is the column name of a metadata value ("metadata." prefixed).
func metaColumn(key string) string {
	if strings.HasPrefix(key, "metadata.") {
		return key
	}
	return "metadata." + key
}

// writeRecords writes items into spec's file, each row straight from its record by the column
// order resolved once for the file: the spec's columns, then one per metadata key in the order
// first met. A bulk file leaves out the records whose status is tobedeleted (counted) and
// writes status and dateLastModified blank. No file is created when no record is written.
func writeRecords[T any](dst format.Dest, spec *fileSpec, items []T, cols columns[T], fill *filler, bulk bool) (n, deleted int, err error) {
	header := spec.names()
	base := len(header)
	get := make([]field[T], base)
	for i, name := range header {
		get[i] = cols.fields[name]
		if bulk && (name == "status" || name == "dateLastModified") {
			get[i] = nil
		}
	}
	metaCol := map[string]int{}
	for i := range items {
		v := &items[i]
		if bulk && roster.Deleted(cols.status(v)) {
			deleted++
			continue
		}
		n++
		for _, kv := range cols.meta(v) {
			if key := metaColumn(kv.Key); metaCol[key] == 0 {
				metaCol[key] = len(header)
				header = append(header, key)
			}
		}
	}
	if n == 0 {
		return 0, deleted, nil
	}
	byKey := map[string]int{} // metaCol by key as the records spell it, without building the name per row
	err = writeCSV(dst, spec.name, header, func(write func([]string) error) error {
		line := make([]string, len(header))
		for i := range items {
			v := &items[i]
			if bulk && roster.Deleted(cols.status(v)) {
				continue
			}
			for c, g := range get {
				if g == nil {
					line[c] = ""
					continue
				}
				line[c] = g(v, fill)
			}
			clear(line[base:])
			for _, kv := range cols.meta(v) {
				c, ok := byKey[kv.Key]
				if !ok {
					c = metaCol[metaColumn(kv.Key)]
					byKey[kv.Key] = c
				}
				line[c] = kv.Value
			}
			if err := write(line); err != nil {
				return err
			}
		}
		return nil
	})
	return n, deleted, err
}

// writeCSV creates name in dst and writes header, then the rows rows hands to write.
func writeCSV(dst format.Dest, name string, header []string, rows func(write func([]string) error) error) error {
	return csvio.WriteFile(dst, name, header, rows)
}
