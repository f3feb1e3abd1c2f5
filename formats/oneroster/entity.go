package oneroster

import (
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// get returns the value of the first of names the file has ("" when none).
func (fr *fileReader) get(rec []string, names ...string) string {
	for _, n := range names {
		if j, ok := fr.pos[n]; ok && j < len(rec) {
			return rec[j]
		}
	}
	return ""
}

func (fr *fileReader) list(rec []string, names ...string) []string {
	return splitTrim(fr.get(rec, names...))
}

// splitTrim splits a list value at its commas and trims each item; nil for "".
func splitTrim(v string) []string {
	if v == "" {
		return nil
	}
	out := strings.Split(v, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// metadata returns the metadata.* values of a row, in header order (1.0's in-spec metadata
// columns included).
func (fr *fileReader) metadata(rec []string) []roster.KV {
	var out []roster.KV
	for _, j := range fr.meta {
		if rec[j] != "" {
			out = append(out, roster.KV{Key: fr.header[j], Value: rec[j]})
		}
	}
	return out
}

// emitCol is one column lookup of emit, resolved on a row and reused on the next.
type emitCol struct {
	first string // the first name asked for
	j     int    // its record index, -1: the file has none of the names
}

// at is get for emit, without a map lookup per field. emit asks for the same names in the same
// order on every row, so its n-th lookup on a row is resolved like the n-th on the row before;
// the first name is compared to make sure (a constant: equal pointers, no byte compare), and a
// different one is resolved afresh.
func (fr *fileReader) at(rec []string, names ...string) string {
	n := fr.emitN
	fr.emitN++
	if n >= len(fr.emitCols) {
		fr.emitCols = append(fr.emitCols, emitCol{j: -2})
	}
	c := &fr.emitCols[n]
	if c.j == -2 || c.first != names[0] {
		c.first, c.j = names[0], -1
		for _, name := range names {
			if j, ok := fr.pos[name]; ok {
				c.j = j
				break
			}
		}
	}
	if c.j < 0 || c.j >= len(rec) {
		return ""
	}
	return rec[c.j]
}

// fit returns rec, or a row of the wrong width fitted to the header (format.RaggedRow) when
// the options ask for such rows and their sourcedId can be told; false when it is skipped.
func (fr *fileReader) fit(rec []string) ([]string, bool) {
	if len(rec) == fr.width {
		return rec, true
	}
	key, ok := fr.pos["sourcedId"]
	if !fr.r.opts.Ragged || !ok {
		return nil, false
	}
	return format.RaggedRow(rec, fr.width, key, format.SecretColumns(fr.header)...)
}

// emit builds the entity of a row and sends it to the sink. Rows of the wrong width are
// skipped, unless the options ask for them and their sourcedId can be told.
func (fr *fileReader) emit(rec []string) error {
	rec, ok := fr.fit(rec)
	if !ok {
		return nil
	}
	fr.emitN = 0
	g := func(names ...string) string { return fr.at(rec, names...) }
	l := func(names ...string) []string { return splitTrim(fr.at(rec, names...)) }
	sink := fr.r.sink
	switch fr.spec.kind {
	case roster.OrgKind:
		fr.ent.org = roster.Org{SourcedID: g("sourcedId"), Status: g("status"), DateLastModified: g("dateLastModified"),
			Name: g("name"), Type: g("type"), Identifier: g("identifier"), ParentID: g("parentSourcedId"), Metadata: fr.metadata(rec)}
		return sink.Org(&fr.ent.org)
	case roster.AcademicSessionKind:
		fr.ent.session = roster.AcademicSession{SourcedID: g("sourcedId"), Status: g("status"),
			DateLastModified: g("dateLastModified"), Title: g("title"), Type: g("type"), StartDate: g("startDate"),
			EndDate: g("endDate"), ParentID: g("parentSourcedId"), SchoolYear: g("schoolYear"), Metadata: fr.metadata(rec)}
		return sink.AcademicSession(&fr.ent.session)
	case roster.CourseKind:
		fr.ent.course = roster.Course{SourcedID: g("sourcedId"), Status: g("status"), DateLastModified: g("dateLastModified"),
			SchoolYearID: g("schoolYearSourcedId", "schoolYearId"), Title: g("title"), CourseCode: g("courseCode"),
			Grades: l("grades", "grade"), OrgID: g("orgSourcedId"), Subjects: l("subjects"), SubjectCodes: l("subjectCodes"),
			Metadata: fr.metadata(rec)}
		return sink.Course(&fr.ent.course)
	case roster.ClassKind:
		fr.ent.class = roster.Class{SourcedID: g("sourcedId"), Status: g("status"), DateLastModified: g("dateLastModified"),
			Title: g("title"), Grades: l("grades", "grade"), CourseID: g("courseSourcedId"), ClassCode: g("classCode"),
			ClassType: g("classType"), Location: g("location"), SchoolID: g("schoolSourcedId"),
			TermIDs: l("termSourcedIds", "termSourcedId"), Subjects: l("subjects"), SubjectCodes: l("subjectCodes"),
			Periods: l("periods"), Metadata: fr.metadata(rec)}
		return sink.Class(&fr.ent.class)
	case roster.UserKind:
		fr.ent.user = roster.User{SourcedID: g("sourcedId"), Status: g("status"), DateLastModified: g("dateLastModified"),
			EnabledUser: g("enabledUser"), OrgIDs: l("orgSourcedIds"), Role: g("role"), Username: g("username"),
			UserIDs: l("userIds"), GivenName: g("givenName"), FamilyName: g("familyName"), MiddleName: g("middleName"),
			Identifier: g("identifier"), Email: g("email"), SMS: g("sms"), Phone: g("phone"),
			AgentIDs: l("agentSourcedIds", "agents"), Grades: l("grades"), Password: g("password"),
			UserMasterIdentifier: g("userMasterIdentifier"), PreferredGivenName: g("preferredGivenName"),
			PreferredMiddleName: g("preferredMiddleName"), PreferredFamilyName: g("preferredFamilyName"),
			PrimaryOrgID: g("primaryOrgSourcedId"), Pronouns: g("pronouns"), Metadata: fr.metadata(rec)}
		u := &fr.ent.user
		if id := g("userId"); id != "" { // 1.0: one untyped ID
			u.Metadata = append(u.Metadata, roster.KV{Key: "userId", Value: id})
		}
		if u.EnabledUser == "" && fr.r.version == "1.0" {
			u.EnabledUser = "true"
		}
		if rl := fr.r.roles12[hash(u.SourcedID)]; rl != nil {
			u.Role, u.OrgIDs = rl.role, rl.orgs
			if u.PrimaryOrgID != "" && len(u.OrgIDs) == 0 {
				u.OrgIDs = []string{u.PrimaryOrgID}
			}
		}
		return sink.User(u)
	case roster.DemographicsKind:
		fr.ent.demo = roster.Demographics{SourcedID: g("sourcedId", "userSourcedId"), Status: g("status"),
			DateLastModified: g("dateLastModified"), BirthDate: g("birthDate", "birthdate"), Sex: g("sex"),
			AmericanIndianOrAlaskaNative: g("americanIndianOrAlaskaNative"), Asian: g("asian"),
			BlackOrAfricanAmerican: g("blackOrAfricanAmerican"), NativeHawaiianOrOtherPacificIslander: g("nativeHawaiianOrOtherPacificIslander"),
			White: g("white"), DemographicRaceTwoOrMoreRaces: g("demographicRaceTwoOrMoreRaces"),
			HispanicOrLatinoEthnicity: g("hispanicOrLatinoEthnicity"), CountryOfBirthCode: g("countryOfBirthCode"),
			StateOfBirthAbbreviation: g("stateOfBirthAbbreviation"), CityOfBirth: g("cityOfBirth"),
			PublicSchoolResidenceStatus: g("publicSchoolResidenceStatus"), Metadata: fr.metadata(rec)}
		return sink.Demographics(&fr.ent.demo)
	case roster.EnrollmentKind:
		fr.ent.enrollment = roster.Enrollment{SourcedID: g("sourcedId"), Status: g("status"), DateLastModified: g("dateLastModified"),
			ClassID: g("classSourcedId"), SchoolID: g("schoolSourcedId"), UserID: g("userSourcedId"), Role: g("role"),
			Primary: g("primary"), BeginDate: g("beginDate"), EndDate: g("endDate"), Metadata: fr.metadata(rec)}
		return sink.Enrollment(&fr.ent.enrollment)
	}
	return nil
}
