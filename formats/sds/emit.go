package sds

import (
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// EnrollmentID is the sourcedId the model gives an SDS enrollment, which has none of its own:
// its class, user and role joined by "/" (a row of enrollments.csv is unique by the three, so
// every row keeps its own enrollment, and "/" is a character OneRoster IDs may hold). The
// OneRoster writer writes it as the enrollment's sourcedId.
func EnrollmentID(class, user, role string) string {
	return class + "/" + user + "/" + role
}

// Values the model needs that SDS does not hold: every user an SDS upload lists is active, and
// an SDS class is a scheduled section.
const (
	enabledUser = "true"
	classType   = "scheduled"
)

// emit builds the entity of one row and sends it to the sink.
func (fr *fileReader) emit(rec []string) error {
	r := fr.r
	get := func(name string) string {
		j, ok := fr.pos[name]
		if !ok {
			return ""
		}
		if r.borrow {
			return rec[j]
		}
		return strings.Clone(rec[j])
	}
	list := func(name string) []string {
		v := get(name)
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	switch fr.spec.name {
	case fileOrgs:
		return r.sink.Org(&roster.Org{SourcedID: get("sourcedId"), Name: get("name"),
			Type: canon(orgTypes, get("type")), ParentID: get("parentSourcedId")})
	case fileSessions:
		return r.sink.AcademicSession(&roster.AcademicSession{SourcedID: get("sourcedId"), Title: get("title"),
			Type: canon(sessionTypes, get("type")), SchoolYear: get("schoolYear"), StartDate: get("startDate"), EndDate: get("endDate")})
	case fileCourses:
		c := &roster.Course{SourcedID: get("sourcedId"), OrgID: get("orgSourcedId"), Title: get("title"),
			CourseCode: get("code"), SchoolYearID: get("schoolYearSourcedId")}
		if s := get("subject"); s != "" {
			c.SubjectCodes = []string{s}
		}
		if g := get("grade"); g != "" {
			c.Grades = []string{g}
		}
		return r.sink.Course(c)
	case fileClasses:
		c := &roster.Class{SourcedID: get("sourcedId"), SchoolID: get("orgSourcedId"), Title: get("title"),
			TermIDs: list("sessionSourcedIds"), CourseID: get("courseSourcedId"), ClassType: classType}
		if r.school != nil {
			r.school[strings.Clone(c.SourcedID)] = strings.Clone(c.SchoolID)
		}
		return r.sink.Class(c)
	case fileUsers:
		u := &roster.User{SourcedID: get("sourcedId"), Username: get("username"), GivenName: get("givenName"),
			FamilyName: get("familyName"), Password: get("password"), Email: get("email"), Phone: get("phone"), SMS: get("sms"),
			EnabledUser: enabledUser}
		if ad := get("activeDirectoryMatchId"); ad != "" {
			u.UserIDs = []string{"{" + ADMatchType + ":" + ad + "}"}
		}
		h := hash(u.SourcedID)
		if ur := r.roles[h]; ur != nil {
			u.Role, u.OrgIDs, u.Grades = ur.role, ur.orgs, ur.grades
			if ur.primary && len(ur.orgs) > 0 {
				u.PrimaryOrgID = ur.orgs[0]
			}
		} else if role, ok := r.contactR[h]; ok {
			// A contact, who has no role row: its role is its relationshipRole, its orgs its
			// students' (the model, like OneRoster, gives every user an org).
			u.Role = role
			var seen longList[string]
			for _, s := range r.students[h] {
				if ur := r.roles[s]; ur != nil {
					for _, o := range ur.orgs {
						if !seen.has(u.OrgIDs, o) {
							u.OrgIDs = append(u.OrgIDs, o)
							seen.added(o)
						}
					}
				}
			}
		}
		u.AgentIDs = r.agents[h]
		if u.Role != "" && r.roles[h] == nil {
			// A contact's agentSourcedIds are its students (OneRoster lists the link on both),
			// after its own contacts, each once.
			var seen longList[string]
			u.AgentIDs = slices.Clip(u.AgentIDs) // the reader's list: appended to as a copy
			for _, s := range r.studentIDs[h] {
				if !seen.has(u.AgentIDs, s) {
					u.AgentIDs = append(u.AgentIDs, s)
					seen.added(s)
				}
			}
		}
		return r.sink.User(u)
	case fileEnrollments:
		e := &roster.Enrollment{ClassID: get("classSourcedId"), UserID: get("userSourcedId"), Role: modelRole(canon(enrollmentRoles, get("role")))}
		e.SourcedID = EnrollmentID(e.ClassID, e.UserID, e.Role)
		e.SchoolID = r.school[e.ClassID]
		return r.sink.Enrollment(e)
	case fileDemographics:
		d := &roster.Demographics{SourcedID: get("userSourcedId"), Sex: canon(sexes, get("sex")), BirthDate: get("birthDate"),
			CityOfBirth: get("birthCity"), StateOfBirthAbbreviation: get("birthState"), CountryOfBirthCode: get("birthCountry")}
		eth, races := list("ethnicityCodes"), list("raceCodes")
		if len(eth)+len(races) > 0 {
			// A row that names any race or ethnicity code says no to the others; a row that
			// names none leaves them unknown (blank).
			d.HispanicOrLatinoEthnicity = "false"
			for _, code := range raceOrder {
				*raceField(d, code) = "false"
			}
		}
		for _, v := range eth {
			if canon(ethnicityCodes, v) == "hispanicOrLatinoEthnicity" {
				d.HispanicOrLatinoEthnicity = "true"
			}
		}
		for _, v := range races {
			if p := raceField(d, canon(raceCodes, v)); p != nil {
				*p = "true"
			}
		}
		return r.sink.Demographics(d)
	}
	return nil
}

// raceOrder lists SDS's race codes in the order they are written.
var raceOrder = []string{"americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces"}

// raceField returns the model's field for an SDS race code, or nil.
func raceField(d *roster.Demographics, code string) *string {
	switch code {
	case "americanIndianOrAlaskaNative":
		return &d.AmericanIndianOrAlaskaNative
	case "asian":
		return &d.Asian
	case "blackOrAfricanAmerican":
		return &d.BlackOrAfricanAmerican
	case "nativeHawaiianOrOtherPacificIslander":
		return &d.NativeHawaiianOrOtherPacificIslander
	case "white":
		return &d.White
	case "demographicRaceTwoOrMoreRaces":
		return &d.DemographicRaceTwoOrMoreRaces
	}
	return nil
}

// ADMatchType is the userIds type under which the model keeps users.csv's activeDirectoryMatchId
// ({activeDirectoryMatchId:craig.beane@school.org}).
const ADMatchType = "activeDirectoryMatchId"
