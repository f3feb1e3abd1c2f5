package clever_test

import (
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// The streaming writer keeps the first written enrollment of a section and student, as Write
// does, in every case where a copy of the pair is dropped for another reason first: a deleted
// copy before a live one, a teacher's enrollment of a student's pair, copies of a student
// refused at End (no school), copies in a class not written (no school, deleted), a user who
// is not a student, and repeats whose sourcedId is lost or kept.
func TestWriteStreamRepeatedEnrollments(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "s1", Name: "Lincoln", Type: "school"},
			{SourcedID: "d1", Name: "District", Type: "district"},
		},
		Classes: []roster.Class{
			{SourcedID: "k1", SchoolID: "s1", Title: "Math"},
			{SourcedID: "k2", SchoolID: "d1", Title: "District class"},
			{SourcedID: "k3", SchoolID: "s1", Title: "Gone", Status: "tobedeleted"},
			{SourcedID: "k4", SchoolID: "s1", Title: "Art"},
		},
		Users: []roster.User{
			{SourcedID: "u1", Role: "student", GivenName: "A", FamilyName: "B", OrgIDs: []string{"s1"}},
			{SourcedID: "u2", Role: "student", GivenName: "C", FamilyName: "D", OrgIDs: []string{"d1"}}, // refused: no school
			{SourcedID: "u3", Role: "student", GivenName: "E", FamilyName: "F", OrgIDs: []string{"s1"}},
			{SourcedID: "t1", Role: "teacher", GivenName: "T", FamilyName: "U", OrgIDs: []string{"s1"}},
			{SourcedID: "x1", Role: "aide", GivenName: "X", FamilyName: "Y", OrgIDs: []string{"s1"}},
		},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "k1", UserID: "t1", Role: "teacher"},
			{SourcedID: "e2", ClassID: "k4", UserID: "t1", Role: "teacher"},
			{SourcedID: "e3", ClassID: "k1", UserID: "u1", Role: "student", Status: "tobedeleted"},
			{SourcedID: "e4", ClassID: "k1", UserID: "u1", Role: "teacher"},
			{SourcedID: "k1/u1", ClassID: "k1", UserID: "u1", Role: "student"},
			{SourcedID: "e6", ClassID: "k1", UserID: "u1", Role: "student"},
			{SourcedID: "e7", ClassID: "k1", UserID: "u1", Role: "student", Status: "tobedeleted"},
			{SourcedID: "e8", ClassID: "k1", UserID: "u2", Role: "student"},
			{SourcedID: "e9", ClassID: "k1", UserID: "u2", Role: "student"},
			{SourcedID: "e10", ClassID: "k2", UserID: "u3", Role: "student"},
			{SourcedID: "e11", ClassID: "k2", UserID: "u3", Role: "student"},
			{SourcedID: "e12", ClassID: "k3", UserID: "u3", Role: "student"},
			{SourcedID: "e13", ClassID: "k3", UserID: "u3", Role: "student"},
			{SourcedID: "e14", ClassID: "k1", UserID: "x1", Role: "student"},
			{SourcedID: "e15", ClassID: "k1", UserID: "x1", Role: "student"},
			{SourcedID: "e16", ClassID: "k4", UserID: "u3", Role: "student"},
			{SourcedID: "k4/u3", ClassID: "k4", UserID: "u3", Role: "student"},
			{SourcedID: "e18", ClassID: "k1", UserID: "u3", Role: "student", Status: "tobedeleted"},
			{SourcedID: "k1/u3", ClassID: "k1", UserID: "u3", Role: "student"},
			{SourcedID: "e20", ClassID: "k4", UserID: "u1", Role: "aide"},
			{SourcedID: "k4/u1", ClassID: "k4", UserID: "u1", Role: "student"},
		},
	}
	streamMatches(t, "repeated enrollments", r)
}
