// Package roster is the canonical roster model every format reads into and writes from:
// orgs, academic sessions, courses, classes, users, enrollments and demographics, plus the
// positioned Problem that every check reports. It imports nothing else of rostersync.
package roster

import (
	"slices"
	"strings"
)

// Values are kept as the strings the source file held: identifiers are never parsed as numbers,
// booleans stay "true"/"false" (or blank), dates stay YYYY-MM-DD. List fields are slices.

// Org is a district, school or other organisation (OneRoster orgs.csv).
type Org struct {
	SourcedID        string
	Status           string
	DateLastModified string
	Name             string
	Type             string // district, school, department, local, state, national
	Identifier       string // a human or state identifier (NCES ID, site ID)
	ParentID         string
	Metadata         []KV
}

// AcademicSession is a school year, semester, term or grading period.
type AcademicSession struct {
	SourcedID        string
	Status           string
	DateLastModified string
	Title            string
	Type             string
	StartDate        string
	EndDate          string
	ParentID         string
	SchoolYear       string
	Metadata         []KV
}

// Course is a course offered by an org.
type Course struct {
	SourcedID        string
	Status           string
	DateLastModified string
	SchoolYearID     string
	Title            string
	CourseCode       string
	Grades           []string
	OrgID            string
	Subjects         []string
	SubjectCodes     []string
	Metadata         []KV
}

// Class is a section of a course taught at a school in one or more terms.
type Class struct {
	SourcedID        string
	Status           string
	DateLastModified string
	Title            string
	Grades           []string
	CourseID         string
	ClassCode        string
	ClassType        string
	Location         string
	SchoolID         string
	TermIDs          []string
	Subjects         []string
	SubjectCodes     []string
	Periods          []string
	Metadata         []KV
}

// User is a person: student, teacher, administrator, guardian and so on.
// Password is a secret: it is never printed or logged unless the user asks.
type User struct {
	SourcedID        string
	Status           string
	DateLastModified string
	EnabledUser      string
	OrgIDs           []string
	Role             string
	Username         string
	UserIDs          []string // {type:id} items
	GivenName        string
	FamilyName       string
	MiddleName       string
	Identifier       string // the student or staff number
	Email            string
	SMS              string
	Phone            string
	AgentIDs         []string
	Grades           []string // CEDS codes: KG, 01 … 12
	Password         string

	// OneRoster 1.2 additions.
	UserMasterIdentifier string
	PreferredGivenName   string
	PreferredMiddleName  string
	PreferredFamilyName  string
	PrimaryOrgID         string
	Pronouns             string

	Metadata []KV
}

// Enrollment places a user in a class with a role.
type Enrollment struct {
	SourcedID        string
	Status           string
	DateLastModified string
	ClassID          string
	SchoolID         string
	UserID           string
	Role             string
	Primary          string
	BeginDate        string
	EndDate          string
	Metadata         []KV
}

// Demographics holds a user's demographic record; SourcedID is the user's sourcedId.
// BirthDate is a secret like Password.
type Demographics struct {
	SourcedID                            string
	Status                               string
	DateLastModified                     string
	BirthDate                            string
	Sex                                  string
	AmericanIndianOrAlaskaNative         string
	Asian                                string
	BlackOrAfricanAmerican               string
	NativeHawaiianOrOtherPacificIslander string
	White                                string
	DemographicRaceTwoOrMoreRaces        string
	HispanicOrLatinoEthnicity            string
	CountryOfBirthCode                   string
	StateOfBirthAbbreviation             string
	CityOfBirth                          string
	PublicSchoolResidenceStatus          string
	Metadata                             []KV
}

// KV is one extension value (a OneRoster metadata.* column, or a layout's extra column).
type KV struct {
	Key, Value string
}

// Roster is a whole roster held in memory. Large inputs are streamed through a Sink instead.
type Roster struct {
	Orgs             []Org
	AcademicSessions []AcademicSession
	Courses          []Course
	Classes          []Class
	Users            []User
	Enrollments      []Enrollment
	Demographics     []Demographics

	// Skipped counts the entities read but not kept (a Collector's Skip), so a writer can
	// still report what its format drops.
	Skipped map[Kind]int

	// Delta names the kinds whose file was a delta (a OneRoster manifest's file.X=delta): its
	// rows are changes since the last export, each with a status, not the whole set. A kind
	// not named is a full (bulk) set; Capti files and students.csv are always full rosters.
	Delta map[Kind]bool
}

// Status values of a record (OneRoster's status column).
const (
	StatusActive      = "active"
	StatusToBeDeleted = "tobedeleted"
)

// Deleted reports whether a status says the record is to be deleted. A deleted record is
// never written as an active one. Spaces around it do not hide it.
func Deleted(status string) bool {
	return strings.EqualFold(strings.TrimSpace(status), StatusToBeDeleted)
}

// IsDelta reports whether any kind of r came from a delta file.
func (r *Roster) IsDelta() bool {
	for _, d := range r.Delta {
		if d {
			return true
		}
	}
	return false
}

// DeltaKinds lists the kinds of r that came from delta files, in the canonical order.
func (r *Roster) DeltaKinds() []Kind {
	var out []Kind
	for _, k := range Kinds {
		if r.Delta[k] {
			out = append(out, k)
		}
	}
	return out
}

// DeltaMarker is an optional ability of a Sink: a reader tells it which kinds come from delta
// files, before it sends their entities.
type DeltaMarker interface {
	MarkDelta(Kind)
}

// MarkDelta records that kind k comes from a delta file.
func (c *Collector) MarkDelta(k Kind) {
	if c.Roster.Delta == nil {
		c.Roster.Delta = map[Kind]bool{}
	}
	c.Roster.Delta[k] = true
}

// Count returns the number of entities of kind k read: kept plus skipped.
func (r *Roster) Count(k Kind) int {
	n := r.Skipped[k]
	switch k {
	case OrgKind:
		n += len(r.Orgs)
	case AcademicSessionKind:
		n += len(r.AcademicSessions)
	case CourseKind:
		n += len(r.Courses)
	case ClassKind:
		n += len(r.Classes)
	case UserKind:
		n += len(r.Users)
	case EnrollmentKind:
		n += len(r.Enrollments)
	case DemographicsKind:
		n += len(r.Demographics)
	}
	return n
}

// Selective is an optional ability of a Sink: it says which kinds it keeps, so a reader can
// skip building the others and only count them.
type Selective interface {
	Wants(Kind) bool
	// Skip counts n entities of kind k the reader did not build.
	SkipN(k Kind, n int)
}

// Borrower is an optional ability of a Sink: it keeps none of an entity's strings past the
// call that sends the entity (it copies what it keeps), so a reader may send strings that
// point into its read buffers instead of copies.
type Borrower interface {
	BorrowsStrings() bool
}

// Borrows reports whether sink is a Borrower that borrows.
func Borrows(sink Sink) bool {
	b, ok := sink.(Borrower)
	return ok && b.BorrowsStrings()
}

// Wants reports whether c keeps entities of kind k.
func (c *Collector) Wants(k Kind) bool { return !c.Skip[k] }

// SkipN counts n entities of kind k a reader did not send.
func (c *Collector) SkipN(k Kind, n int) {
	if c.Roster.Skipped == nil {
		c.Roster.Skipped = map[Kind]int{}
	}
	c.Roster.Skipped[k] += n
}

// Reserve makes room for about n more entities of kind k, so a large input is not copied over
// and over as the slice grows (an optional ability readers use when they can estimate n).
func (c *Collector) Reserve(k Kind, n int) {
	if c.Skip[k] || n <= 0 {
		return
	}
	switch k {
	case OrgKind:
		c.Roster.Orgs = slices.Grow(c.Roster.Orgs, n)
	case AcademicSessionKind:
		c.Roster.AcademicSessions = slices.Grow(c.Roster.AcademicSessions, n)
	case CourseKind:
		c.Roster.Courses = slices.Grow(c.Roster.Courses, n)
	case ClassKind:
		c.Roster.Classes = slices.Grow(c.Roster.Classes, n)
	case UserKind:
		c.Roster.Users = slices.Grow(c.Roster.Users, n)
	case EnrollmentKind:
		c.Roster.Enrollments = slices.Grow(c.Roster.Enrollments, n)
	case DemographicsKind:
		c.Roster.Demographics = slices.Grow(c.Roster.Demographics, n)
	}
}

func (c *Collector) skip(k Kind) bool {
	if !c.Skip[k] {
		return false
	}
	if c.Roster.Skipped == nil {
		c.Roster.Skipped = map[Kind]int{}
	}
	c.Roster.Skipped[k]++
	return true
}

// Sink receives entities one at a time as a reader produces them, in file order. The pointer is
// valid only during the call: a sink that keeps an entity copies it. Returning an error stops the read.
type Sink interface {
	Org(*Org) error
	AcademicSession(*AcademicSession) error
	Course(*Course) error
	Class(*Class) error
	User(*User) error
	Enrollment(*Enrollment) error
	Demographics(*Demographics) error
}

// Collector is a Sink that keeps every entity of the kinds it wants in a Roster.
type Collector struct {
	Roster Roster
	// Skip names entity kinds not to keep (for example EnrollmentKind when the target has no
	// enrollments), so a large input costs memory only for what is used.
	Skip map[Kind]bool
}

// Kind names an entity type.
type Kind string

// Entity kinds, plural as in file names and summaries.
const (
	OrgKind             Kind = "orgs"
	AcademicSessionKind Kind = "academicSessions"
	CourseKind          Kind = "courses"
	ClassKind           Kind = "classes"
	UserKind            Kind = "users"
	EnrollmentKind      Kind = "enrollments"
	DemographicsKind    Kind = "demographics"
)

// Kinds lists every entity kind in the order files are read and written.
var Kinds = []Kind{OrgKind, AcademicSessionKind, CourseKind, ClassKind, UserKind, DemographicsKind, EnrollmentKind}

// Singular returns the entity name used in diff changes ("user" for users).
func (k Kind) Singular() string {
	switch k {
	case OrgKind:
		return "org"
	case AcademicSessionKind:
		return "academicSession"
	case CourseKind:
		return "course"
	case ClassKind:
		return "class"
	case UserKind:
		return "user"
	case EnrollmentKind:
		return "enrollment"
	case DemographicsKind:
		return "demographic"
	}
	return string(k)
}

func (c *Collector) Org(v *Org) error {
	if !c.skip(OrgKind) {
		c.Roster.Orgs = append(c.Roster.Orgs, *v)
	}
	return nil
}

func (c *Collector) AcademicSession(v *AcademicSession) error {
	if !c.skip(AcademicSessionKind) {
		c.Roster.AcademicSessions = append(c.Roster.AcademicSessions, *v)
	}
	return nil
}

func (c *Collector) Course(v *Course) error {
	if !c.skip(CourseKind) {
		c.Roster.Courses = append(c.Roster.Courses, *v)
	}
	return nil
}

func (c *Collector) Class(v *Class) error {
	if !c.skip(ClassKind) {
		c.Roster.Classes = append(c.Roster.Classes, *v)
	}
	return nil
}

func (c *Collector) User(v *User) error {
	if !c.skip(UserKind) {
		c.Roster.Users = append(c.Roster.Users, *v)
	}
	return nil
}

func (c *Collector) Enrollment(v *Enrollment) error {
	if !c.skip(EnrollmentKind) {
		c.Roster.Enrollments = append(c.Roster.Enrollments, *v)
	}
	return nil
}

func (c *Collector) Demographics(v *Demographics) error {
	if !c.skip(DemographicsKind) {
		c.Roster.Demographics = append(c.Roster.Demographics, *v)
	}
	return nil
}

// Discard is a Sink that keeps nothing: validation only.
type Discard struct{}

func (Discard) Org(*Org) error                         { return nil }
func (Discard) AcademicSession(*AcademicSession) error { return nil }
func (Discard) Course(*Course) error                   { return nil }
func (Discard) Class(*Class) error                     { return nil }
func (Discard) User(*User) error                       { return nil }
func (Discard) Enrollment(*Enrollment) error           { return nil }
func (Discard) Demographics(*Demographics) error       { return nil }

// Emit sends every entity of r to s in the canonical order.
func (r *Roster) Emit(s Sink) error {
	for i := range r.Orgs {
		if err := s.Org(&r.Orgs[i]); err != nil {
			return err
		}
	}
	for i := range r.AcademicSessions {
		if err := s.AcademicSession(&r.AcademicSessions[i]); err != nil {
			return err
		}
	}
	for i := range r.Courses {
		if err := s.Course(&r.Courses[i]); err != nil {
			return err
		}
	}
	for i := range r.Classes {
		if err := s.Class(&r.Classes[i]); err != nil {
			return err
		}
	}
	for i := range r.Users {
		if err := s.User(&r.Users[i]); err != nil {
			return err
		}
	}
	for i := range r.Demographics {
		if err := s.Demographics(&r.Demographics[i]); err != nil {
			return err
		}
	}
	for i := range r.Enrollments {
		if err := s.Enrollment(&r.Enrollments[i]); err != nil {
			return err
		}
	}
	return nil
}
