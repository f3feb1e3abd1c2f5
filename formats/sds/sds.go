// Package sds reads, validates and writes Microsoft School Data Sync (SDS) v2.1 CSV file sets:
// orgs.csv, users.csv and roles.csv, with classes.csv and enrollments.csv, and the optional
// academicSessions.csv, courses.csv, demographics.csv, userFlags.csv and relationships.csv.
// Reading streams each file once, in dependency order, keeping 64-bit hashes of the IDs other
// files refer to. The legacy SDS v1 and the retired SDS v2 file sets are recognised and refused.
package sds

import (
	"io/fs"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Name is the format's name (--format sds).
const Name = "sds"

// Format is the SDS v2.1 format. The zero value is ready to use.
type Format struct{}

var _ format.Format = Format{}

// New returns the SDS format.
func New() Format { return Format{} }

// Name returns "sds".
func (Format) Name() string { return Name }

// Title is how messages name the format.
func (Format) Title() string { return "SDS" }

// NoRole is format.RoleSourcer's: an SDS user's role is its roles.csv row, or, for a contact,
// its relationships.csv row.
func (Format) NoRole() (why, fix string) {
	return "an SDS user without a roles.csv row who is nobody's contact",
		"give them a roles.csv row, or a relationships.csv row naming them as a student's contact"
}

// Packaging says an SDS file set is a set of CSV files, zipped as sds.zip by a job.
func (Format) Packaging() format.Packaging {
	return format.Packaging{Multi: true, FileName: "sds.zip",
		Files: []string{"orgs.csv", "users.csv", "roles.csv", "classes.csv", "enrollments.csv", "academicSessions.csv",
			"courses.csv", "demographics.csv", "userFlags.csv", "relationships.csv"}}
}

// OrgUse says every SDS user has a role in an org (roles.csv).
func (Format) OrgUse() format.OrgUse { return format.OrgsRequired }

// Detect recognises an SDS v2.1 file set by its file names and headers: an SDS file whose
// header has SDS's columns (OneRoster's files of the same names begin sourcedId,status,
// dateLastModified, and a OneRoster package has manifest.csv). The legacy v1 and retired v2
// sets are recognised too, so that reading them says what they are.
func (Format) Detect(fsys fs.FS) format.Match {
	names, err := format.Files(fsys)
	if err != nil || slices.Contains(names, "manifest.csv") {
		return format.NoMatch
	}
	for _, n := range names {
		h := format.HeaderLine(fsys, n)
		if spec := specByName(n); spec != nil && sdsHeader(spec, h) {
			return format.HeaderMatch
		}
		if slices.ContainsFunc(v1Files, func(v string) bool { return strings.EqualFold(v, n) }) && slices.Contains(headerCells(h), "SIS ID") {
			return format.HeaderMatch
		}
		if n == fileUsers && !slices.Contains(names, fileRoles) && v2Users(h) {
			return format.HeaderMatch
		}
	}
	return format.NoMatch
}

// sdsHeader reports whether a header row is spec's: the same first column, none of OneRoster's
// status or dateLastModified, and at least two thirds of its columns spec's.
func sdsHeader(spec *fileSpec, h string) bool {
	cells := headerCells(h)
	if len(cells) == 0 || cells[0] != spec.cols[0].name || slices.Contains(cells, "status") || slices.Contains(cells, "dateLastModified") {
		return false
	}
	known := spec.names()
	common := 0
	for _, c := range cells {
		if slices.Contains(known, c) {
			common++
		}
	}
	return 3*common >= 2*len(cells)
}

// Carries lists the canonical fields (named as OneRoster columns) an SDS file set holds.
func (Format) Carries() map[roster.Kind][]string {
	return map[roster.Kind][]string{
		roster.OrgKind:             {"sourcedId", "name", "type", "parentSourcedId"},
		roster.AcademicSessionKind: {"sourcedId", "title", "type", "startDate", "endDate", "schoolYear"},
		roster.CourseKind:          {"sourcedId", "schoolYearSourcedId", "title", "courseCode", "orgSourcedId"},
		roster.ClassKind:           {"sourcedId", "title", "courseSourcedId", "schoolSourcedId", "termSourcedIds"},
		// Not username: an SDS username is name@domain, made from the e-mail when the source's has
		// no domain, so it differs from a OneRoster username by design (the e-mail is compared).
		roster.UserKind:         {"sourcedId", "orgSourcedIds", "role", "givenName", "familyName", "email", "sms", "phone", "agentSourcedIds", "password"},
		roster.EnrollmentKind:   {"classSourcedId", "userSourcedId", "role"},
		roster.DemographicsKind: {"sourcedId", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth"},
	}
}

// UserKey is the column users are keyed by.
func (Format) UserKey() string { return "sourcedId" }

// Needs: the writer uses every kind.
func (Format) Needs() []roster.Kind { return roster.Kinds }
