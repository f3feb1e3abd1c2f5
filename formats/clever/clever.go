// Package clever is Clever's SFTP CSV upload format: schools.csv, students.csv, teachers.csv,
// sections.csv and enrollments.csv (all required) and staff.csv (optional). Headers are matched
// without case and in any order; values follow Clever's vocabularies (grades, gender, race,
// ELL/FRL/IEP) and MM/DD/YYYY dates; every link between the files must resolve. Reading streams
// each file once and keeps 64-bit hashes of the identifiers other files refer to, so memory
// grows with the number of IDs, not with the bytes of the files.
package clever

import (
	"encoding/csv"
	"io/fs"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Name is the format's --format value.
const Name = "clever"

// File names of a Clever upload.
const (
	SchoolsFile     = "schools.csv"
	StudentsFile    = "students.csv"
	TeachersFile    = "teachers.csv"
	SectionsFile    = "sections.csv"
	EnrollmentsFile = "enrollments.csv"
	StaffFile       = "staff.csv"
	AdminsFile      = "admins.csv" // deprecated by Clever, replaced by staff.csv
)

// DistrictOffice is the School_id a staff.csv row uses for Clever's own district office.
const DistrictOffice = "DEFAULT_DISTRICT_OFFICE"

// kind is the kind of value a column holds.
type kind int

const (
	kString kind = iota
	kID          // an identifier: no invisible characters, no spreadsheet damage
	kEmail
	kDate
	kGrade // a grade of students.csv: no ranges
	kGradeRange
	kGender
	kRace
	kYN
	kFRL
	kPhone
	kZip
	kState
	kSubject
	kLanguage
	kPhoneType
	kSecret    // a password: never shown
	kStaffRole // staff.csv's Role: School Tech Lead, the only role Clever supports
)

// column is one column Clever defines.
type column struct {
	name string
	req  bool
	kind kind
}

// fileSpec is one file of the upload.
type fileSpec struct {
	name     string
	required bool
	cols     []column
}

func col(name string, k kind) column    { return column{name: name, kind: k} }
func reqCol(name string, k kind) column { return column{name: name, req: true, kind: k} }

// Column names used by the reader and writer.
const (
	cSchoolID  = "School_id"
	cStudentID = "Student_id"
	cTeacherID = "Teacher_id"
	cSectionID = "Section_id"
	cStaffID   = "Staff_id"
)

var schoolsSpec = fileSpec{SchoolsFile, true, []column{
	reqCol(cSchoolID, kID), reqCol("School_name", kString), reqCol("School_number", kID), col("State_id", kID),
	col("Low_grade", kGradeRange), col("High_grade", kGradeRange), col("Principal", kString), col("Principal_email", kEmail),
	col("School_address", kString), col("School_city", kString), col("School_state", kState), col("School_zip", kZip),
	col("School_phone", kPhone),
}}

// contactCols are the students.csv columns that may differ between the rows of one student.
var contactCols = []string{"Contact_relationship", "Contact_type", "Contact_name", "Contact_phone",
	"Contact_phone_type", "Contact_email", "Contact_sis_id"}

var studentsSpec = fileSpec{StudentsFile, true, []column{
	reqCol(cSchoolID, kID), reqCol(cStudentID, kID), col("Student_number", kID), col("State_id", kID),
	reqCol("Last_name", kString), col("Middle_name", kString), reqCol("First_name", kString),
	col("Grade", kGrade), col("Gender", kGender), col("Graduation_year", kString), col("DOB", kDate),
	col("Race", kRace), col("Hispanic_Latino", kYN), col("Home_language", kLanguage), col("Ell_status", kYN),
	col("Frl_status", kFRL), col("IEP_status", kYN), col("Section_504_status", kYN), col("Gifted_status", kYN),
	col("Student_street", kString), col("Student_city", kString), col("Student_state", kState),
	col("Student_zip", kZip), col("Student_email", kEmail),
	col("Contact_relationship", kString), col("Contact_type", kString), col("Contact_name", kString),
	col("Contact_phone", kPhone), col("Contact_phone_type", kPhoneType), col("Contact_email", kEmail),
	col("Contact_sis_id", kID), col("Username", kString), col("Password", kSecret),
	col("Unweighted_gpa", kString), col("Weighted_gpa", kString),
}}

var teachersSpec = fileSpec{TeachersFile, true, []column{
	reqCol(cSchoolID, kID), reqCol(cTeacherID, kID), col("Teacher_number", kID), col("State_teacher_id", kID),
	col("Teacher_email", kEmail), reqCol("First_name", kString), col("Middle_name", kString), reqCol("Last_name", kString),
	col("Title", kString), col("Username", kString), col("Password", kSecret),
}}

var sectionsSpec = fileSpec{SectionsFile, true, append([]column{
	reqCol(cSchoolID, kID), reqCol(cSectionID, kID), reqCol(cTeacherID, kID)},
	append(coTeacherCols(), col("Name", kString), col("Section_number", kString), col("Grade", kGradeRange),
		col("Course_name", kString), col("Course_number", kString), col("Course_description", kString),
		col("Period", kString), col("Subject", kSubject), col("Term_name", kString), col("Term_start", kDate),
		col("Term_end", kDate))...)}

var enrollmentsSpec = fileSpec{EnrollmentsFile, true, []column{
	reqCol(cSchoolID, kID), reqCol(cSectionID, kID), reqCol(cStudentID, kID),
}}

var staffSpec = fileSpec{StaffFile, false, []column{
	reqCol(cSchoolID, kID), reqCol(cStaffID, kID), reqCol("Staff_email", kEmail), reqCol("First_name", kString),
	reqCol("Last_name", kString), col("Department", kString), col("Title", kString), col("Username", kString),
	col("Password", kSecret), col("Role", kStaffRole),
}}

// specs lists the files in the order they are read: every file after the ones it refers to.
var specs = []*fileSpec{&schoolsSpec, &teachersSpec, &staffSpec, &sectionsSpec, &studentsSpec, &enrollmentsSpec}

// coTeacherCols returns Teacher_2_id … Teacher_10_id.
func coTeacherCols() []column {
	out := make([]column, 0, 9)
	for i := 2; i <= 10; i++ {
		out = append(out, col(coTeacher(i), kID))
	}
	return out
}

func coTeacher(i int) string { return "Teacher_" + itoa(i) + "_id" }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return "1" + string(rune('0'+i-10))
}

// specFor returns the spec of file name (lower case), nil for a name Clever does not use.
func specFor(name string) *fileSpec {
	for _, s := range specs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// Format is the Clever SFTP CSV format. The zero value is ready to use.
type Format struct{}

var _ format.Format = Format{}

// New returns the Clever format.
func New() Format { return Format{} }

// Title is how messages name the format.
func (Format) Title() string { return "Clever" }

// Packaging says a Clever upload is a set of CSV files, zipped as clever.zip by a job.
func (Format) Packaging() format.Packaging {
	return format.Packaging{Multi: true, FileName: "clever.zip",
		Files: []string{SchoolsFile, StudentsFile, TeachersFile, SectionsFile, EnrollmentsFile, StaffFile}}
}

// OrgUse says every Clever row names its school (School_id).
func (Format) OrgUse() format.OrgUse { return format.OrgsRequired }

// Name returns "clever".
func (Format) Name() string { return Name }

// Detect reports a header match when a Clever file's header names its ID column (School_id and
// Student_id in students.csv, School_id and Section_id in sections.csv …, any case), a name match
// when the folder holds schools.csv and sections.csv, which no other format uses.
func (Format) Detect(fsys fs.FS) format.Match {
	names, err := format.Files(fsys)
	if err != nil {
		return format.NoMatch
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, n := range names {
		s := specFor(n)
		if s == nil {
			continue
		}
		cols, err := csv.NewReader(strings.NewReader(format.HeaderLine(fsys, n))).Read()
		if err != nil {
			continue
		}
		got := map[string]bool{}
		for _, c := range cols {
			got[strings.ToLower(strings.TrimSpace(c))] = true
		}
		if got[strings.ToLower(s.cols[0].name)] && got[strings.ToLower(s.cols[1].name)] {
			return format.HeaderMatch
		}
	}
	if have[SchoolsFile] && have[SectionsFile] {
		return format.NameMatch
	}
	return format.NoMatch
}

// Carries lists the canonical fields a Clever upload holds, as OneRoster column names. Courses
// and terms are made from section columns, with no IDs of their own, and a section's subject is
// one of Clever's eleven: none of them is compared. Enrollments have no IDs either (a diff
// matches them by class and user).
func (Format) Carries() map[roster.Kind][]string {
	return map[roster.Kind][]string{
		roster.OrgKind:   {"sourcedId", "name", "type", "identifier"},
		roster.ClassKind: {"sourcedId", "title", "classCode", "schoolSourcedId", "grades", "periods"},
		roster.UserKind: {"sourcedId", "role", "username", "givenName", "familyName", "middleName", "identifier",
			"email", "grades", "password", "orgSourcedIds"},
		roster.EnrollmentKind:   {"classSourcedId", "userSourcedId", "role", "primary"},
		roster.DemographicsKind: {"sourcedId", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity"},
	}
}

// OrgTypes: Clever's files hold schools. A district administrator is at the pseudo school
// DEFAULT_DISTRICT_OFFICE (read back as an org of type district), which stands for any org that
// is not a school.
func (Format) OrgTypes() []string { return []string{"school"} }

// RoleOmits: staff.csv has no staff number, middle name or grade, teachers.csv no grade.
func (Format) RoleOmits() map[string][]string {
	return map[string][]string{
		"administrator": {"middleName", "identifier", "grades"},
		"teacher":       {"grades"},
	}
}

// Roles: a Clever upload holds students, teachers and staff (read as administrators); a diff
// against another format compares users of these roles only.
func (Format) Roles() []string { return []string{"student", "teacher", "administrator"} }

// Needs lists the entity kinds the writer uses.
func (Format) Needs() []roster.Kind {
	return []roster.Kind{roster.OrgKind, roster.AcademicSessionKind, roster.CourseKind, roster.ClassKind,
		roster.UserKind, roster.DemographicsKind, roster.EnrollmentKind}
}
