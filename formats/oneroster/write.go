package oneroster

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
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
	for _, spec := range v11 {
		if spec.kind == "" {
			continue
		}
		delta := r.Delta[spec.kind]
		rows := rowsOf(r, spec.kind)
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
func rowsOf(r *roster.Roster, k roster.Kind) []record {
	var out []record
	j := func(l []string) string { return strings.Join(l, ",") }
	switch k {
	case roster.OrgKind:
		for _, o := range r.Orgs {
			out = append(out, record{m: map[string]string{"sourcedId": o.SourcedID, "status": o.Status, "dateLastModified": o.DateLastModified, "name": o.Name, "type": o.Type,
				"identifier": o.Identifier, "parentSourcedId": o.ParentID}, meta: o.Metadata})
		}
	case roster.AcademicSessionKind:
		for _, s := range r.AcademicSessions {
			out = append(out, record{m: map[string]string{"sourcedId": s.SourcedID, "status": s.Status, "dateLastModified": s.DateLastModified, "title": s.Title, "type": s.Type,
				"startDate": s.StartDate, "endDate": s.EndDate, "parentSourcedId": s.ParentID, "schoolYear": s.SchoolYear}, meta: s.Metadata})
		}
	case roster.CourseKind:
		for _, c := range r.Courses {
			out = append(out, record{m: map[string]string{"sourcedId": c.SourcedID, "status": c.Status, "dateLastModified": c.DateLastModified, "schoolYearSourcedId": c.SchoolYearID,
				"title": c.Title, "courseCode": c.CourseCode, "grades": j(c.Grades), "orgSourcedId": c.OrgID,
				"subjects": j(c.Subjects), "subjectCodes": j(c.SubjectCodes)}, meta: c.Metadata})
		}
	case roster.ClassKind:
		for _, c := range r.Classes {
			out = append(out, record{m: map[string]string{"sourcedId": c.SourcedID, "status": c.Status, "dateLastModified": c.DateLastModified, "title": c.Title, "grades": j(c.Grades),
				"courseSourcedId": c.CourseID, "classCode": c.ClassCode, "classType": c.ClassType, "location": c.Location,
				"schoolSourcedId": c.SchoolID, "termSourcedIds": j(c.TermIDs), "subjects": j(c.Subjects),
				"subjectCodes": j(c.SubjectCodes), "periods": j(c.Periods)}, meta: c.Metadata})
		}
	case roster.UserKind:
		for _, u := range r.Users {
			out = append(out, record{m: map[string]string{"sourcedId": u.SourcedID, "status": u.Status, "dateLastModified": u.DateLastModified, "enabledUser": u.EnabledUser,
				"orgSourcedIds": j(u.OrgIDs), "role": u.Role, "username": u.Username, "userIds": j(u.UserIDs),
				"givenName": u.GivenName, "familyName": u.FamilyName, "middleName": u.MiddleName, "identifier": u.Identifier,
				"email": u.Email, "sms": u.SMS, "phone": u.Phone, "agentSourcedIds": j(u.AgentIDs), "grades": j(u.Grades),
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
