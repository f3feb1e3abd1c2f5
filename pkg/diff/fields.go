package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// kindIdx indexes the per-kind tables; the order is roster.Kinds.
type kindIdx int

const (
	kOrg kindIdx = iota
	kSession
	kCourse
	kClass
	kUser
	kDemo
	kEnroll
	numKinds
)

// kinds maps a kindIdx to its roster.Kind.
var kinds = [numKinds]roster.Kind{
	roster.OrgKind, roster.AcademicSessionKind, roster.CourseKind, roster.ClassKind,
	roster.UserKind, roster.DemographicsKind, roster.EnrollmentKind,
}

// Every field list starts with sourcedId, status, dateLastModified, at these positions.
const (
	fSourcedID = 0
	fStatus    = 1
	fModified  = 2
)

// fieldNames lists the compared fields of each kind as OneRoster column names, in the order the
// flatten functions produce their values. Metadata follows as "metadata.<key>".
var fieldNames = [numKinds][]string{
	kOrg:     {"sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"},
	kSession: {"sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"},
	kCourse: {"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades",
		"orgSourcedId", "subjects", "subjectCodes"},
	kClass: {"sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType",
		"location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"},
	kUser: {"sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds",
		"givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
		"password", "userMasterIdentifier", "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
		"primaryOrgSourcedId", "pronouns"},
	kDemo: {"sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
		"blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
		"hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
		"publicSchoolResidenceStatus"},
	kEnroll: {"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role",
		"primary", "beginDate", "endDate"},
}

// Positions of the user and enrollment fields the keys and notes use.
const (
	uOrgIDs     = 4
	uRole       = 5
	uUsername   = 6
	uGivenName  = 8
	uFamilyName = 9
	uIdentifier = 11
	uEmail      = 12
	eClassID    = 3
	eUserID     = 5
)

// secretFields are masked in changes unless Options.ShowSecrets.
var secretFields = map[string]bool{"password": true, "birthDate": true}

// flattener turns entities into value lists, reusing its buffers between entities. The values
// it returns are valid until its next call; a caller that keeps them clones them.
type flattener struct {
	vals    []string
	scratch []string
	refs    []string
	meta    []roster.KV
	// items and rmeta are rawValues' buffers.
	items []string
	rmeta []roster.KV
	// orgs maps an org's sourcedId to its identifier when orgs are referred to by identifier
	// (Options.OrgKey); nil otherwise.
	orgs map[string]string
	acrossFlattener
}

// orgRefs returns l with each org sourcedId replaced by the org's identifier, when orgs are
// referred to by identifier and the input holds that org with one, and without the orgs of a
// type not compared.
func (f *flattener) orgRefs(l []string) []string {
	if (f.orgs == nil && f.dropped == nil) || len(l) == 0 {
		return l
	}
	f.refs = f.refs[:0]
	for _, id := range l {
		if !f.dropped[id] {
			f.refs = append(f.refs, f.orgRef(id))
		}
	}
	return f.refs
}

// orgRef returns the name an org reference compares as: "" for an org of a type not
// compared, the org's identifier when orgs are referred to by identifier, else id.
func (f *flattener) orgRef(id string) string {
	if f.dropped[id] {
		return ""
	}
	if v, ok := f.orgs[id]; ok {
		return v
	}
	return id
}

// set renders a list field so that it compares as a set: sorted, duplicates dropped, joined
// with commas. Lists of zero or one item cost no allocation.
func (f *flattener) set(l []string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	if slices.IsSorted(l) && !hasAdjacentDup(l) {
		return strings.Join(l, ",")
	}
	s := append(f.scratch[:0], l...)
	slices.Sort(s)
	s = slices.Compact(s)
	f.scratch = s
	return strings.Join(s, ",")
}

func hasAdjacentDup(l []string) bool {
	for i := 1; i < len(l); i++ {
		if l[i] == l[i-1] {
			return true
		}
	}
	return false
}

// sortedMeta returns m ordered by key (a copy when m is not already sorted), so that
// metadata compares regardless of column order.
func (f *flattener) sortedMeta(m []roster.KV) []roster.KV {
	if len(m) < 2 || slices.IsSortedFunc(m, cmpKV) {
		return m
	}
	f.meta = append(f.meta[:0], m...)
	slices.SortStableFunc(f.meta, cmpKV)
	return f.meta
}

func cmpKV(a, b roster.KV) int { return cmp.Compare(a.Key, b.Key) }

func (f *flattener) org(o *roster.Org) []string {
	f.vals = append(f.vals[:0], o.SourcedID, o.Status, o.DateLastModified, o.Name, o.Type, o.Identifier, o.ParentID)
	return f.vals
}

func (f *flattener) session(s *roster.AcademicSession) []string {
	f.vals = append(f.vals[:0], s.SourcedID, s.Status, s.DateLastModified, s.Title, s.Type, s.StartDate, s.EndDate,
		s.ParentID, s.SchoolYear)
	return f.vals
}

func (f *flattener) course(c *roster.Course) []string {
	f.vals = append(f.vals[:0], c.SourcedID, c.Status, c.DateLastModified, c.SchoolYearID, c.Title, c.CourseCode,
		f.set(c.Grades), c.OrgID, f.set(c.Subjects), f.set(c.SubjectCodes))
	return f.vals
}

func (f *flattener) class(c *roster.Class) []string {
	f.vals = append(f.vals[:0], c.SourcedID, c.Status, c.DateLastModified, c.Title, f.set(c.Grades), c.CourseID,
		c.ClassCode, c.ClassType, c.Location, c.SchoolID, f.set(c.TermIDs), f.set(c.Subjects), f.set(c.SubjectCodes),
		f.set(c.Periods))
	return f.vals
}

func (f *flattener) user(u *roster.User) []string {
	f.vals = append(f.vals[:0], u.SourcedID, u.Status, u.DateLastModified, u.EnabledUser, f.set(f.orgRefs(u.OrgIDs)),
		u.Role, u.Username, f.set(u.UserIDs), u.GivenName, u.FamilyName, u.MiddleName, u.Identifier, u.Email, u.SMS,
		u.Phone, f.set(u.AgentIDs), f.set(u.Grades), u.Password, u.UserMasterIdentifier, u.PreferredGivenName,
		u.PreferredMiddleName, u.PreferredFamilyName, f.orgRef(u.PrimaryOrgID), u.Pronouns)
	f.omitRole(f.vals)
	return f.vals
}

func (f *flattener) demographics(d *roster.Demographics) []string {
	f.vals = append(f.vals[:0], d.SourcedID, d.Status, d.DateLastModified, d.BirthDate, d.Sex,
		d.AmericanIndianOrAlaskaNative, d.Asian, d.BlackOrAfricanAmerican, d.NativeHawaiianOrOtherPacificIslander,
		d.White, d.DemographicRaceTwoOrMoreRaces, d.HispanicOrLatinoEthnicity, d.CountryOfBirthCode,
		d.StateOfBirthAbbreviation, d.CityOfBirth, d.PublicSchoolResidenceStatus)
	return f.vals
}

func (f *flattener) enrollment(e *roster.Enrollment) []string {
	primary := e.Primary
	if primary == "" {
		primary = "false" // OneRoster: a blank primary is false; formats that write it write false
	}
	f.vals = append(f.vals[:0], e.SourcedID, e.Status, e.DateLastModified, e.ClassID, e.SchoolID, e.UserID, e.Role,
		primary, e.BeginDate, e.EndDate)
	return f.vals
}
