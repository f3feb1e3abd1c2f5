package oneroster

import (
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// typ is the data type of a column (reference/oneroster.md §1.3).
type typ uint8

const (
	tString     typ = iota
	tGUID           // sourcedId or a reference: < 256 characters of 0-9 A-Z a-z . - _ / @
	tGUIDList       // a list of references
	tDate           // YYYY-MM-DD
	tDateTime       // ISO 8601 with Z (1.0 exports also write a date only)
	tYear           // YYYY
	tBool           // true | false
	tEnum           // one token of enum
	tEnumList       // a list of tokens of enum
	tGrades         // CEDS grade list (1.1), free list (1.2)
	tStringList     // a list of strings
	tUserIDs        // a list of {type:id}
	tFloat          // a decimal number
	tScoreScale     // a list of {lhs:rhs} (1.2 scoreScales.scoreScaleValue)
	tIdent          // free text that is an identifier (a student number): checked for spreadsheet damage
)

// col is one column of a OneRoster file.
type col struct {
	name string
	req  bool // a value is required (bulk and delta)
	typ  typ
	enum []string
	ref  string // the file a value must resolve to ("orgs.csv"); with refType, only entities of that type
	// refType narrows ref: "school" (an org of type school) or "schoolYear" (a session of type schoolYear).
	refType string
	// secret: the value is never shown in a message (password, birth date); set by readFile.
	secret bool
	// stamp: status or dateLastModified in 1.1 and 1.2, which bulk files leave blank and delta
	// files fill; set by readFile.
	stamp bool
	// optional: the header may leave the column out (1.2 Final's users.resourceSourcedIds,
	// which 1.2.1 removed).
	optional bool
}

// fileSpec is one OneRoster file of one version.
type fileSpec struct {
	name string
	kind roster.Kind // "" for files outside the rostering model (gradebook, resources)
	cols []col       // in header order, starting with sourcedId, status, dateLastModified (1.1+)
}

var (
	statusEnum     = []string{"active", "tobedeleted"}
	statusEnum10   = []string{"active", "tobedeleted", "inactive"}
	orgTypes       = []string{"department", "school", "district", "local", "state", "national"}
	sessionTypes   = []string{"gradingPeriod", "semester", "schoolYear", "term"}
	classTypes     = []string{"homeroom", "scheduled"}
	userRoles      = []string{"administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"}
	enrollRoles    = []string{"administrator", "proctor", "student", "teacher"}
	sexes          = []string{"male", "female"}
	sexes12        = []string{"male", "female", "unspecified", "other"}
	importance     = []string{"primary", "secondary"}
	scoreStatuses  = []string{"exempt", "fully graded", "not submitted", "partially graded", "submitted"}
	roleTypes12    = []string{"primary", "secondary"}
	loSources12    = []string{"case", "unknown"}
	roles12        = []string{"aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher"}
	cedsGrades     = []string{"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "PS", "UG", "Other"}
	manifestFiles1 = []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"}
	manifestFiles2 = []string{"academicSessions", "categories", "classes", "classResources", "courseResources", "courses", "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results", "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users"}
)

// head is the three columns every 1.1 and 1.2 file starts with.
func head() []col {
	return []col{
		{name: "sourcedId", req: true, typ: tGUID},
		{name: "status", typ: tEnum, enum: statusEnum},
		{name: "dateLastModified", typ: tDateTime},
	}
}

func file(name string, kind roster.Kind, cols ...col) *fileSpec {
	return &fileSpec{name: name, kind: kind, cols: append(head(), cols...)}
}

// Column constructors, to keep the tables below readable.
func str(name string) col                 { return col{name: name} }
func ident(name string) col               { return col{name: name, typ: tIdent} }
func reqStr(name string) col              { return col{name: name, req: true} }
func enum(name string, e []string) col    { return col{name: name, typ: tEnum, enum: e} }
func reqEnum(name string, e []string) col { return col{name: name, req: true, typ: tEnum, enum: e} }
func ref(name, file string) col           { return col{name: name, typ: tGUID, ref: file} }
func reqRef(name, file string) col        { return col{name: name, req: true, typ: tGUID, ref: file} }
func date(name string) col                { return col{name: name, typ: tDate} }
func reqDate(name string) col             { return col{name: name, req: true, typ: tDate} }
func boolean(name string) col             { return col{name: name, typ: tBool} }
func list(name string) col                { return col{name: name, typ: tStringList} }
func grades(name string) col              { return col{name: name, typ: tGrades} }
func refList(name, file string) col       { return col{name: name, typ: tGUIDList, ref: file} }

// v11 is OneRoster 1.1 (reference/oneroster.md §1.5), in dependency order: a file's references
// point only at files before it, so they are checked as rows stream by.
var v11 = []*fileSpec{
	file("orgs.csv", roster.OrgKind,
		reqStr("name"), reqEnum("type", orgTypes), ident("identifier"), ref("parentSourcedId", "orgs.csv")),
	file("academicSessions.csv", roster.AcademicSessionKind,
		reqStr("title"), reqEnum("type", sessionTypes), reqDate("startDate"), reqDate("endDate"),
		ref("parentSourcedId", "academicSessions.csv"), col{name: "schoolYear", req: true, typ: tYear}),
	file("courses.csv", roster.CourseKind,
		col{name: "schoolYearSourcedId", typ: tGUID, ref: "academicSessions.csv", refType: "schoolYear"},
		reqStr("title"), str("courseCode"), grades("grades"), reqRef("orgSourcedId", "orgs.csv"),
		list("subjects"), list("subjectCodes")),
	file("classes.csv", roster.ClassKind,
		reqStr("title"), grades("grades"), reqRef("courseSourcedId", "courses.csv"), str("classCode"),
		reqEnum("classType", classTypes), str("location"),
		col{name: "schoolSourcedId", req: true, typ: tGUID, ref: "orgs.csv", refType: "school"},
		col{name: "termSourcedIds", req: true, typ: tGUIDList, ref: "academicSessions.csv"},
		list("subjects"), list("subjectCodes"), list("periods")),
	file("users.csv", roster.UserKind,
		col{name: "enabledUser", req: true, typ: tBool}, col{name: "orgSourcedIds", req: true, typ: tGUIDList, ref: "orgs.csv"},
		reqEnum("role", userRoles), reqStr("username"), col{name: "userIds", typ: tUserIDs},
		reqStr("givenName"), reqStr("familyName"), str("middleName"), ident("identifier"), str("email"),
		str("sms"), str("phone"), refList("agentSourcedIds", "users.csv"), grades("grades"), str("password")),
	file("demographics.csv", roster.DemographicsKind,
		date("birthDate"), enum("sex", sexes), boolean("americanIndianOrAlaskaNative"), boolean("asian"),
		boolean("blackOrAfricanAmerican"), boolean("nativeHawaiianOrOtherPacificIslander"), boolean("white"),
		boolean("demographicRaceTwoOrMoreRaces"), boolean("hispanicOrLatinoEthnicity"), str("countryOfBirthCode"),
		str("stateOfBirthAbbreviation"), str("cityOfBirth"), str("publicSchoolResidenceStatus")),
	file("enrollments.csv", roster.EnrollmentKind,
		reqRef("classSourcedId", "classes.csv"),
		col{name: "schoolSourcedId", req: true, typ: tGUID, ref: "orgs.csv", refType: "school"},
		reqRef("userSourcedId", "users.csv"), reqEnum("role", enrollRoles), boolean("primary"),
		date("beginDate"), date("endDate")),
	file("resources.csv", "",
		reqStr("vendorResourceId"), str("title"), col{name: "roles", typ: tEnumList, enum: userRoles},
		enum("importance", importance), str("vendorId"), str("applicationId")),
	file("categories.csv", "", reqStr("title")),
	file("classResources.csv", "",
		str("title"), reqRef("classSourcedId", "classes.csv"), reqRef("resourceSourcedId", "resources.csv")),
	file("courseResources.csv", "",
		str("title"), reqRef("courseSourcedId", "courses.csv"), reqRef("resourceSourcedId", "resources.csv")),
	file("lineItems.csv", "",
		reqStr("title"), str("description"), reqDate("assignDate"), reqDate("dueDate"),
		reqRef("classSourcedId", "classes.csv"), reqRef("categorySourcedId", "categories.csv"),
		reqRef("gradingPeriodSourcedId", "academicSessions.csv"),
		col{name: "resultValueMin", req: true, typ: tFloat}, col{name: "resultValueMax", req: true, typ: tFloat}),
	file("results.csv", "",
		reqRef("lineItemSourcedId", "lineItems.csv"), reqRef("studentSourcedId", "users.csv"),
		reqEnum("scoreStatus", scoreStatuses), col{name: "score", req: true, typ: tFloat}, reqDate("scoreDate"),
		str("comment")),
}

// v10 is OneRoster 1.0 as exported (reference/oneroster.md §1.9): no manifest, status columns
// in other places, a few singular names and metadata columns inside the spec columns.
var v10 = []*fileSpec{
	{name: "orgs.csv", kind: roster.OrgKind, cols: []col{
		{name: "sourcedId", req: true, typ: tGUID}, enum("status", statusEnum10), {name: "dateLastModified", typ: tDateTime},
		reqStr("name"), reqEnum("type", orgTypes), ident("identifier"), str("metadata.classification"),
		str("metadata.gender"), str("metadata.boarding"), ref("parentSourcedId", "orgs.csv")}},
	{name: "academicSessions.csv", kind: roster.AcademicSessionKind, cols: []col{
		{name: "sourcedId", req: true, typ: tGUID}, enum("status", statusEnum10), {name: "dateLastModified", typ: tDateTime},
		reqStr("title"), reqEnum("type", sessionTypes), reqDate("startDate"), reqDate("endDate"),
		ref("parentSourcedId", "academicSessions.csv")}},
	{name: "courses.csv", kind: roster.CourseKind, cols: []col{
		{name: "sourcedId", req: true, typ: tGUID}, enum("status", statusEnum10), {name: "dateLastModified", typ: tDateTime},
		ref("schoolYearId", "academicSessions.csv"), str("metadata.duration"), reqStr("title"), str("courseCode"),
		str("grade"), reqRef("orgSourcedId", "orgs.csv"), list("subjects")}},
	{name: "classes.csv", kind: roster.ClassKind, cols: []col{
		{name: "sourcedId", req: true, typ: tGUID}, enum("status", statusEnum10), {name: "dateLastModified", typ: tDateTime},
		reqStr("title"), str("grade"), reqRef("courseSourcedId", "courses.csv"), str("classCode"),
		reqEnum("classType", classTypes), str("location"), reqRef("schoolSourcedId", "orgs.csv"),
		col{name: "termSourcedId", req: true, typ: tGUIDList, ref: "academicSessions.csv"}, list("subjects")}},
	{name: "users.csv", kind: roster.UserKind, cols: []col{
		{name: "sourcedId", req: true, typ: tGUID}, enum("status", statusEnum10), {name: "dateLastModified", typ: tDateTime},
		col{name: "orgSourcedIds", req: true, typ: tGUIDList, ref: "orgs.csv"}, reqEnum("role", userRoles),
		reqStr("username"), str("userId"), reqStr("givenName"), reqStr("familyName"), ident("identifier"),
		str("email"), str("sms"), str("phone"), refList("agents", "users.csv")}},
	{name: "demographics.csv", kind: roster.DemographicsKind, cols: []col{
		{name: "userSourcedId", req: true, typ: tGUID, ref: "users.csv"}, enum("status", statusEnum10),
		{name: "dateLastModified", typ: tDateTime}, date("birthdate"), enum("sex", sexes),
		boolean("americanIndianOrAlaskaNative"), boolean("asian"), boolean("blackOrAfricanAmerican"),
		boolean("nativeHawaiianOrOtherPacificIslander"), boolean("white"), boolean("demographicRaceTwoOrMoreRaces"),
		boolean("hispanicOrLatinoEthnicity"), str("countryOfBirthCode"), str("stateOfBirthAbbreviation"),
		str("cityOfBirth"), str("publicSchoolResidenceStatus")}},
	{name: "enrollments.csv", kind: roster.EnrollmentKind, cols: []col{
		{name: "sourcedId", req: true, typ: tGUID}, reqRef("classSourcedId", "classes.csv"),
		reqRef("schoolSourcedId", "orgs.csv"), reqRef("userSourcedId", "users.csv"), reqEnum("role", enrollRoles),
		enum("status", statusEnum10), {name: "dateLastModified", typ: tDateTime}, boolean("primary")}},
}

// v12 is OneRoster 1.2.1: users lose orgSourcedIds and role to roles.csv and gain six columns
// (1.2 Final's resourceSourcedIds, between password and userMasterIdentifier, is accepted too);
// grades are free strings; the other rostering files keep their 1.1 columns.
var v12 = func() []*fileSpec {
	var out []*fileSpec
	for _, f := range v11 {
		switch f.name {
		case "users.csv":
			out = append(out, file("users.csv", roster.UserKind,
				col{name: "enabledUser", req: true, typ: tBool}, reqStr("username"), col{name: "userIds", typ: tUserIDs},
				reqStr("givenName"), reqStr("familyName"), str("middleName"), ident("identifier"), str("email"),
				str("sms"), str("phone"), refList("agentSourcedIds", "users.csv"), list("grades"), str("password"),
				col{name: "resourceSourcedIds", typ: tGUIDList, ref: "resources.csv", optional: true}, // 1.2 Final only
				str("userMasterIdentifier"), str("preferredGivenName"), str("preferredMiddleName"),
				str("preferredFamilyName"), ref("primaryOrgSourcedId", "orgs.csv"), str("pronouns")))
			out = append(out, file("userProfiles.csv", "",
				reqRef("userSourcedId", "users.csv"), reqStr("profileType"), reqStr("vendorId"), str("applicationId"),
				str("description"), reqStr("credentialType"), reqStr("username"), str("password")))
			out = append(out, file("roles.csv", "",
				reqRef("userSourcedId", "users.csv"), reqEnum("roleType", roleTypes12), reqEnum("role", roles12),
				date("beginDate"), date("endDate"), reqRef("orgSourcedId", "orgs.csv"),
				ref("userProfileSourcedId", "userProfiles.csv")))
		case "demographics.csv":
			g := *f
			g.cols = append([]col(nil), f.cols...)
			for i := range g.cols {
				if g.cols[i].name == "sex" {
					g.cols[i].enum = sexes12
				}
			}
			out = append(out, &g)
		case "classes.csv", "courses.csv":
			g := *f
			g.cols = append([]col(nil), f.cols...)
			for i := range g.cols {
				if g.cols[i].typ == tGrades {
					g.cols[i].typ = tStringList
				}
			}
			out = append(out, &g)
		case "categories.csv", "lineItems.csv", "results.csv":
			out = append(out, files12[f.name])
		default:
			out = append(out, f)
		}
	}
	for _, n := range []string{"userResources.csv", "scoreScales.csv", "lineItemScoreScales.csv", "resultScoreScales.csv",
		"lineItemLearningObjectiveIds.csv", "resultLearningObjectiveIds.csv"} {
		out = append(out, files12[n])
	}
	return out
}()

// files12 holds the 1.2 files that changed from 1.1 or are new, outside rostering
// (reference/oneroster.md §2; required columns and types as in 1EdTech's 1.2.1 binding, as the
// LongsightGroup validator reads it). Each refers only to files before it in v12.
var files12 = map[string]*fileSpec{
	// weight: a number (1.2.1 writes an integer percentage; a decimal is accepted).
	"categories.csv": file("categories.csv", "", reqStr("title"), col{name: "weight", typ: tFloat}),
	"lineItems.csv": file("lineItems.csv", "",
		reqStr("title"), str("description"), reqDate("assignDate"), reqDate("dueDate"),
		reqRef("classSourcedId", "classes.csv"), reqRef("categorySourcedId", "categories.csv"),
		reqRef("academicSessionSourcedId", "academicSessions.csv"),
		col{name: "resultValueMin", typ: tFloat}, col{name: "resultValueMax", typ: tFloat},
		col{name: "schoolSourcedId", req: true, typ: tGUID, ref: "orgs.csv", refType: "school"}),
	"results.csv": file("results.csv", "",
		reqRef("lineItemSourcedId", "lineItems.csv"), reqRef("studentSourcedId", "users.csv"),
		reqEnum("scoreStatus", scoreStatuses), col{name: "score", typ: tFloat}, reqDate("scoreDate"),
		str("comment"), str("textScore"), ref("classSourcedId", "classes.csv"), boolean("inProgress"),
		boolean("incomplete"), boolean("late"), boolean("missing")),
	"userResources.csv": file("userResources.csv", "",
		reqRef("userSourcedId", "users.csv"), ref("orgSourcedId", "orgs.csv"), ref("classSourcedId", "classes.csv"),
		reqRef("resourceSourcedId", "resources.csv")),
	"scoreScales.csv": file("scoreScales.csv", "",
		reqStr("title"), reqStr("type"), reqRef("orgSourcedId", "orgs.csv"), reqRef("courseSourcedId", "courses.csv"),
		reqRef("classSourcedId", "classes.csv"), col{name: "scoreScaleValue", req: true, typ: tScoreScale}),
	"lineItemScoreScales.csv": file("lineItemScoreScales.csv", "",
		str("title"), reqRef("lineItemSourcedId", "lineItems.csv"), reqRef("scoreScaleSourcedId", "scoreScales.csv")),
	"resultScoreScales.csv": file("resultScoreScales.csv", "",
		str("title"), reqRef("resultSourcedId", "results.csv"), reqRef("scoreScaleSourcedId", "scoreScales.csv")),
	"lineItemLearningObjectiveIds.csv": file("lineItemLearningObjectiveIds.csv", "",
		reqRef("lineItemSourcedId", "lineItems.csv"), reqEnum("source", loSources12), reqStr("learningObjectiveId")),
	"resultLearningObjectiveIds.csv": file("resultLearningObjectiveIds.csv", "",
		reqRef("resultSourcedId", "results.csv"), reqEnum("source", loSources12), reqStr("learningObjectiveId"),
		col{name: "score", typ: tFloat}, str("textScore")),
}

// specsFor returns the files of a version.
func specsFor(version string) []*fileSpec {
	switch version {
	case "1.0":
		return v10
	case "1.2":
		return v12
	}
	return v11
}

// manifestFiles returns the file.* rows a version's manifest must have.
func manifestFiles(version string) []string {
	if version == "1.2" {
		return manifestFiles2
	}
	return manifestFiles1
}

// lookupSpecIn reports whether version has a file called name.
func lookupSpecIn(version, name string) bool {
	for _, f := range specsFor(version) {
		if f.name == name {
			return true
		}
	}
	return false
}

// canonicalFile returns the OneRoster file name (of any version) that name is, ignoring case;
// "" for none.
func canonicalFile(name string) string {
	if knownFile(name) {
		return name
	}
	if strings.EqualFold(name, "manifest.csv") {
		return "manifest.csv"
	}
	for _, n := range manifestFiles2 {
		if strings.EqualFold(n+".csv", name) {
			return n + ".csv"
		}
	}
	return ""
}

// knownFile reports whether name is a OneRoster file name of any version.
func knownFile(name string) bool {
	if name == "manifest.csv" {
		return true
	}
	for _, n := range manifestFiles2 {
		if n+".csv" == name {
			return true
		}
	}
	return false
}

func (f *fileSpec) names() []string {
	out := make([]string, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.name
	}
	return out
}
