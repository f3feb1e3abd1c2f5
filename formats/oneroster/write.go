package oneroster

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Write writes r as a spec-clean OneRoster 1.1 package: a manifest with every file.* row, the
// spec's header order, lists quoted, LF line endings and no BOM. A kind r holds in full is a
// bulk file with blank status and dateLastModified, without the records whose status is
// tobedeleted (a bulk file lists the records that exist: they are counted, not written); a
// kind r holds as a delta stays a delta file with its statuses and dates. A file with no rows
// is left out and marked absent (an importer rejects header-only files). metadata.* values
// become trailing columns.
func (f *Format) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	modes := map[string]string{}
	fill := newFiller(r, opts, rep)
	for _, spec := range v11 {
		if spec.kind == "" {
			continue
		}
		delta := r.Delta[spec.kind]
		rows := rowsOf(r, spec.kind, fill)
		if !delta {
			var deleted int
			rows, deleted = bulkRows(rows)
			if deleted > 0 {
				rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: spec.name,
					Message: fmt.Sprintf("%s with status tobedeleted not written: a bulk file lists the records that exist", plural(deleted, spec.kind.Singular()))})
			}
		}
		if len(rows) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFile(dst, spec, rows); err != nil {
			return err
		}
		modes[spec.name] = "bulk"
		if delta {
			modes[spec.name] = "delta"
		}
	}
	fill.report()
	if len(r.Demographics) > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: "demographics.csv",
			Message: fmt.Sprintf("%d demographics records written: they hold birth dates, share them only when the vendor needs them", len(r.Demographics))})
	}
	return writeCSV(dst, "manifest.csv", []string{"propertyName", "value"}, func(write func([]string) error) error {
		rows := [][]string{{"manifest.version", "1.0"}, {"oneroster.version", "1.1"}}
		for _, n := range manifestFiles1 {
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

// rowsOf returns the records of one kind as string rows keyed by 1.1 column name.
func rowsOf(r *roster.Roster, k roster.Kind, fill *filler) []record {
	var out []record
	j := func(l []string) string { return strings.Join(l, ",") }
	g := fill.grades
	switch k {
	case roster.OrgKind:
		for _, o := range r.Orgs {
			out = append(out, record{m: map[string]string{"sourcedId": o.SourcedID, "status": o.Status, "dateLastModified": o.DateLastModified, "name": o.Name, "type": o.Type,
				"identifier": o.Identifier, "parentSourcedId": o.ParentID}, meta: o.Metadata})
		}
	case roster.AcademicSessionKind:
		for _, s := range r.AcademicSessions {
			out = append(out, record{m: map[string]string{"sourcedId": s.SourcedID, "status": s.Status, "dateLastModified": s.DateLastModified, "title": s.Title, "type": s.Type,
				"startDate": s.StartDate, "endDate": s.EndDate, "parentSourcedId": s.ParentID, "schoolYear": fill.schoolYear(&s)}, meta: s.Metadata})
		}
	case roster.CourseKind:
		for _, c := range r.Courses {
			out = append(out, record{m: map[string]string{"sourcedId": c.SourcedID, "status": c.Status, "dateLastModified": c.DateLastModified, "schoolYearSourcedId": c.SchoolYearID,
				"title": c.Title, "courseCode": c.CourseCode, "grades": g(c.Grades), "orgSourcedId": c.OrgID,
				"subjects": j(c.Subjects), "subjectCodes": j(c.SubjectCodes)}, meta: c.Metadata})
		}
	case roster.ClassKind:
		for _, c := range r.Classes {
			out = append(out, record{m: map[string]string{"sourcedId": c.SourcedID, "status": c.Status, "dateLastModified": c.DateLastModified, "title": c.Title, "grades": g(c.Grades),
				"courseSourcedId": c.CourseID, "classCode": c.ClassCode, "classType": c.ClassType, "location": c.Location,
				"schoolSourcedId": c.SchoolID, "termSourcedIds": j(c.TermIDs), "subjects": j(c.Subjects),
				"subjectCodes": j(c.SubjectCodes), "periods": j(c.Periods)}, meta: c.Metadata})
		}
	case roster.UserKind:
		for _, u := range r.Users {
			out = append(out, record{m: map[string]string{"sourcedId": u.SourcedID, "status": u.Status, "dateLastModified": u.DateLastModified, "enabledUser": u.EnabledUser,
				"orgSourcedIds": j(u.OrgIDs), "role": u.Role, "username": u.Username, "userIds": j(u.UserIDs),
				"givenName": u.GivenName, "familyName": u.FamilyName, "middleName": u.MiddleName, "identifier": u.Identifier,
				"email": u.Email, "sms": u.SMS, "phone": u.Phone, "agentSourcedIds": j(u.AgentIDs), "grades": g(u.Grades),
				"password": u.Password}, meta: u.Metadata})
		}
	case roster.DemographicsKind:
		for _, d := range r.Demographics {
			out = append(out, record{m: map[string]string{"sourcedId": d.SourcedID, "status": d.Status, "dateLastModified": d.DateLastModified, "birthDate": d.BirthDate, "sex": d.Sex,
				"americanIndianOrAlaskaNative": d.AmericanIndianOrAlaskaNative, "asian": d.Asian,
				"blackOrAfricanAmerican": d.BlackOrAfricanAmerican, "nativeHawaiianOrOtherPacificIslander": d.NativeHawaiianOrOtherPacificIslander,
				"white": d.White, "demographicRaceTwoOrMoreRaces": d.DemographicRaceTwoOrMoreRaces,
				"hispanicOrLatinoEthnicity": d.HispanicOrLatinoEthnicity, "countryOfBirthCode": d.CountryOfBirthCode,
				"stateOfBirthAbbreviation": d.StateOfBirthAbbreviation, "cityOfBirth": d.CityOfBirth,
				"publicSchoolResidenceStatus": d.PublicSchoolResidenceStatus}, meta: d.Metadata})
		}
	case roster.EnrollmentKind:
		for _, e := range r.Enrollments {
			out = append(out, record{m: map[string]string{"sourcedId": e.SourcedID, "status": e.Status, "dateLastModified": e.DateLastModified, "classSourcedId": e.ClassID,
				"schoolSourcedId": e.SchoolID, "userSourcedId": e.UserID, "role": e.Role, "primary": e.Primary,
				"beginDate": e.BeginDate, "endDate": e.EndDate}, meta: e.Metadata})
		}
	}
	return out
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
	byID := make(map[string]*roster.AcademicSession, len(r.AcademicSessions))
	for i := range r.AcademicSessions {
		byID[r.AcademicSessions[i].SourcedID] = &r.AcademicSessions[i]
	}
	for i := range r.AcademicSessions {
		s := &r.AcademicSessions[i]
		if s.SchoolYear != "" || roster.Deleted(s.Status) {
			continue
		}
		year := s
		for hops := 0; year != nil && year.Type != "schoolYear" && hops < len(byID); hops++ {
			year = byID[year.ParentID]
		}
		if year == nil || year.Type != "schoolYear" {
			year = containingYear(r.AcademicSessions, s) // no parent: the school year its dates fall in
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
	return f
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
					f.examples[g] = fixed
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

// bulkRows returns the records of a bulk file: without those whose status is tobedeleted
// (counted), and with status and dateLastModified blank.
func bulkRows(rows []record) ([]record, int) {
	kept := rows[:0]
	for _, rec := range rows {
		if roster.Deleted(rec.m["status"]) {
			continue
		}
		rec.m["status"], rec.m["dateLastModified"] = "", ""
		kept = append(kept, rec)
	}
	return kept, len(rows) - len(kept)
}

type record struct {
	m    map[string]string
	meta []roster.KV
}

// metaColumn is the column name of a metadata value ("metadata." prefixed).
func metaColumn(key string) string {
	if strings.HasPrefix(key, "metadata.") {
		return key
	}
	return "metadata." + key
}

func writeFile(dst format.Dest, spec *fileSpec, rows []record) error {
	header := spec.names()
	base := len(header)
	metaCol := map[string]int{}
	for _, rec := range rows {
		for _, kv := range rec.meta {
			if key := metaColumn(kv.Key); metaCol[key] == 0 {
				metaCol[key] = len(header)
				header = append(header, key)
			}
		}
	}
	return writeCSV(dst, spec.name, header, func(write func([]string) error) error {
		line := make([]string, len(header))
		for _, rec := range rows {
			for i, n := range header[:base] {
				line[i] = rec.m[n]
			}
			clear(line[base:])
			for _, kv := range rec.meta {
				line[metaCol[metaColumn(kv.Key)]] = kv.Value
			}
			if err := write(line); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeCSV creates name in dst and writes header, then the rows rows hands to write.
func writeCSV(dst format.Dest, name string, header []string, rows func(write func([]string) error) error) error {
	w, err := dst.Create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	err = cw.Write(header)
	if err == nil {
		err = rows(cw.Write)
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
