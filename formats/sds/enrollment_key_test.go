package sds_test

import (
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// TestEnrollmentsWithSlashInIDs: two enrollments whose class and user IDs hold "/" and join
// to the same text ("a/b" + "c", "a" + "b/c") are two enrollments: both are written, by Write
// and by the streaming writer alike, and neither is dropped as a repeat.
func TestEnrollmentsWithSlashInIDs(t *testing.T) {
	r := &roster.Roster{
		Orgs: []roster.Org{{SourcedID: "s1", Name: "Lincoln", Type: "school"}},
		Classes: []roster.Class{
			{SourcedID: "a/b", SchoolID: "s1", Title: "Math"},
			{SourcedID: "a", SchoolID: "s1", Title: "Art"},
		},
		Users: []roster.User{
			{SourcedID: "c", Role: "student", OrgIDs: []string{"s1"}, Username: "c@example.org", GivenName: "C", FamilyName: "One"},
			{SourcedID: "b/c", Role: "student", OrgIDs: []string{"s1"}, Username: "bc@example.org", GivenName: "B", FamilyName: "Two"},
		},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "a/b", UserID: "c", Role: "student"},
			{SourcedID: "e2", ClassID: "a", UserID: "b/c", Role: "student"},
		},
	}
	out := formattest.MemDest{}
	var probs roster.Problems
	if err := sds.New().Write(t.Context(), out, r, format.Options{}, &probs); err != nil {
		t.Fatal(err)
	}
	var file string
	for name, b := range out {
		if strings.EqualFold(name, "enrollments.csv") {
			file = b.String()
		}
	}
	if rows := strings.Count(file, "\n") - 1; rows != 2 {
		t.Errorf("enrollments.csv holds %d enrollments, want 2:\n%s\nreported %v", rows, file, probs.List())
	}
	formattest.StreamMatchesWrite(t, sds.New(), "slashes", r, format.Options{})
}
