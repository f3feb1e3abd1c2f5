package sds

import (
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// typ is how a column's values are checked.
type typ int

const (
	tString   typ = iota
	tID           // a Unique ID: case-sensitive, no invisible characters
	tIDList       // a comma-separated list of Unique IDs in one field
	tEnum         // a value of vocab, matched ignoring case
	tEnumList     // a comma-separated list of values of vocab
	tOpenEnum     // a value of vocab, or a district's own (warning)
	tGrade        // a grade of the default list, ignoring case
	tDate         // YYYY-MM-DD
	tYear         // YYYY
	tBool         // true or false, ignoring case
	tEmail        // an e-mail address
	tUsername     // name@domain
	tPhone        // not checked: SDS normalises phone numbers itself
)

// col is one column of an SDS v2.1 file.
type col struct {
	name   string
	req    bool // the column must be present and every row must fill it
	typ    typ
	vocab  map[string]string // lower case -> the camelCase form SDS stores
	ref    string            // the file whose IDs the value refers to
	secret bool              // never shown in a message (passwords, birth dates)
}

// fileSpec is one SDS v2.1 file.
type fileSpec struct {
	name string
	kind roster.Kind // "" for files the model has no place for
	cols []col
	// key is how a row is told from the others: its own sourcedId (own), or the columns whose
	// values together must be unique.
	own bool
	key []string
}

func vocab(vs ...string) map[string]string {
	m := make(map[string]string, len(vs))
	for _, v := range vs {
		m[strings.ToLower(v)] = v
	}
	return m
}

// The vocabularies of SDS v2.1 (Microsoft's "Default List of Values"); see README "SDS v2.1".
var (
	orgTypes = vocab("school", "ministryOfEducation", "localAuthority", "department", "university", "region",
		"district", "college", "division", "local", "campus", "province", "state", "adultEducation",
		"researchCenter", "national", "municipality", "program", "departmentOfEducation", "academicTrust")
	roleValues = vocab("principal", "chair", "professor", "researcher", "adjunct", "affiliate",
		"occupationalTherapist", "physicalTherapist", "speechTherapist", "visionTherapist", "paraprofessional",
		"specialServices", "advisor", "proctor", "nurse", "officeStaff", "lecturer", "itAdmin", "administrator",
		"teacher", "faculty", "staff", "teacherAssistant", "assistant", "instructor", "substitute", "coach",
		"alumni", "student", "other")
	enrollmentRoles = vocab("student", "visionTherapist", "substitute", "aid", "paraprofessional", "principal",
		"proctor", "teacherAssistant", "specialServices", "teacher", "professor", "advisor", "administrator",
		"lecturer", "coach", "occupationalTherapist", "affiliate", "assistant", "physicalTherapist", "adjunct",
		"staff", "speechTherapist", "instructor", "alumni", "chair", "itAdmin", "officeStaff")
	grades = vocab("it", "pr", "pk", "tk", "kg", "01", "02", "03", "04", "05", "06", "07", "08", "09",
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "ps", "ug", "other",
		"ps1", "ps2", "ps3", "ps4", "undergraduate", "graduate", "postgraduate", "alumni", "adultEducation")
	sessionTypes      = vocab("schoolYear", "semester", "term", "gradingPeriod", "quarter")
	relationshipRoles = vocab("parent", "guardian", "relative", "other", "doctor", "aide")
	sexes             = vocab("male", "female", "notSelected")
	raceCodes         = vocab("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
		"nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces")
	ethnicityCodes = vocab("hispanicOrLatinoEthnicity")
	userFlags      = vocab("iep", "504", "freeLunch", "reducedLunch", "homeless", "giftedOrTalented",
		"section504", "englishLanguageLearner", "limitedEnglishProficiency", "specialEducationServices")
)

// Files of SDS v2.1, in the order they are read: every file after the files it refers to.
const (
	fileOrgs          = "orgs.csv"
	fileSessions      = "academicSessions.csv"
	fileCourses       = "courses.csv"
	fileClasses       = "classes.csv"
	fileUsers         = "users.csv"
	fileRoles         = "roles.csv"
	fileEnrollments   = "enrollments.csv"
	fileDemographics  = "demographics.csv"
	fileUserFlags     = "userFlags.csv"
	fileRelationships = "relationships.csv"
)

var specs = []*fileSpec{
	{name: fileOrgs, kind: roster.OrgKind, own: true, cols: []col{
		{name: "sourcedId", req: true, typ: tID},
		{name: "name", req: true},
		{name: "type", req: true, typ: tEnum, vocab: orgTypes},
		{name: "parentSourcedId", typ: tID, ref: fileOrgs},
	}},
	{name: fileSessions, kind: roster.AcademicSessionKind, own: true, cols: []col{
		{name: "sourcedId", req: true, typ: tID},
		{name: "title", req: true},
		{name: "type", req: true, typ: tEnum, vocab: sessionTypes},
		{name: "schoolYear", req: true, typ: tYear},
		{name: "startDate", req: true, typ: tDate},
		{name: "endDate", req: true, typ: tDate},
	}},
	{name: fileCourses, kind: roster.CourseKind, own: true, cols: []col{
		{name: "sourcedId", req: true, typ: tID},
		{name: "orgSourcedId", req: true, typ: tID, ref: fileOrgs},
		{name: "title", req: true},
		{name: "code"},
		{name: "schoolYearSourcedId", typ: tID, ref: fileSessions},
		{name: "subject"},
		{name: "grade", typ: tGrade, vocab: grades},
	}},
	{name: fileClasses, kind: roster.ClassKind, own: true, cols: []col{
		{name: "sourcedId", req: true, typ: tID},
		{name: "orgSourcedId", req: true, typ: tID, ref: fileOrgs},
		{name: "title", req: true},
		{name: "sessionSourcedIds", typ: tIDList, ref: fileSessions},
		{name: "courseSourcedId", typ: tID, ref: fileCourses},
	}},
	{name: fileUsers, kind: roster.UserKind, own: true, cols: []col{
		{name: "sourcedId", req: true, typ: tID},
		{name: "username", req: true, typ: tUsername},
		{name: "givenName"},
		{name: "familyName"},
		{name: "password", secret: true},
		{name: "activeDirectoryMatchId"},
		{name: "email", typ: tEmail},
		{name: "phone", typ: tPhone},
		{name: "sms", typ: tPhone},
	}},
	{name: fileRoles, key: []string{"userSourcedId", "orgSourcedId", "role", "grade"}, cols: []col{
		{name: "userSourcedId", req: true, typ: tID, ref: fileUsers},
		{name: "orgSourcedId", req: true, typ: tID, ref: fileOrgs},
		{name: "role", req: true, typ: tEnum, vocab: roleValues},
		{name: "sessionSourcedId", typ: tID, ref: fileSessions},
		{name: "grade", typ: tGrade, vocab: grades},
		{name: "isPrimary", typ: tBool},
		{name: "roleStartDate", typ: tDate},
		{name: "roleEndDate", typ: tDate},
	}},
	{name: fileEnrollments, kind: roster.EnrollmentKind, key: []string{"classSourcedId", "userSourcedId", "role"}, cols: []col{
		{name: "classSourcedId", req: true, typ: tID, ref: fileClasses},
		{name: "userSourcedId", req: true, typ: tID, ref: fileUsers},
		{name: "role", req: true, typ: tEnum, vocab: enrollmentRoles},
	}},
	{name: fileDemographics, kind: roster.DemographicsKind, key: []string{"userSourcedId"}, cols: []col{
		{name: "userSourcedId", req: true, typ: tID, ref: fileUsers},
		{name: "sex", typ: tEnum, vocab: sexes},
		{name: "birthDate", typ: tDate, secret: true},
		{name: "birthCity"},
		{name: "birthState"},
		{name: "birthCountry"},
		{name: "ethnicityCodes", typ: tEnumList, vocab: ethnicityCodes},
		{name: "raceCodes", typ: tEnumList, vocab: raceCodes},
	}},
	{name: fileUserFlags, key: []string{"userSourcedId", "flag"}, cols: []col{
		{name: "userSourcedId", req: true, typ: tID, ref: fileUsers},
		{name: "flag", req: true, typ: tOpenEnum, vocab: userFlags},
	}},
	{name: fileRelationships, key: []string{"userSourcedId", "relationshipUserSourcedId"}, cols: []col{
		{name: "userSourcedId", req: true, typ: tID, ref: fileUsers},
		{name: "relationshipUserSourcedId", req: true, typ: tID, ref: fileUsers},
		{name: "relationshipRole", req: true, typ: tEnum, vocab: relationshipRoles},
	}},
}

// specByName returns the spec of an SDS v2.1 file, or nil.
func specByName(name string) *fileSpec {
	for _, s := range specs {
		if s.name == name {
			return s
		}
	}
	return nil
}

func (s *fileSpec) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.name
	}
	return out
}

// required files: a package without them is not SDS v2.1.
var requiredFiles = []string{fileOrgs, fileUsers, fileRoles}

// legacy v1 (SDS format) files; School.csv, Student.csv and Teacher.csv are its required ones.
var v1Files = []string{"School.csv", "Section.csv", "Student.csv", "Teacher.csv", "StudentEnrollment.csv", "TeacherRoster.csv"}
