package diff

import (
	"context"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// When the enrollment fields compared leave out sourcedId (one side's format has no enrollment
// IDs: Clever makes them from section and student), enrollments are matched by class and user
// on both sides: a round trip through such a format adds and removes none.
func TestEnrollmentsMatchedByClassAndUserWithoutIDs(t *testing.T) {
	old := &roster.Roster{Enrollments: []roster.Enrollment{
		{SourcedID: "e1", ClassID: "c1", UserID: "u1", Role: "student"},
		{SourcedID: "e2", ClassID: "c1", UserID: "u2", Role: "student"},
		{SourcedID: "e3", ClassID: "c2", UserID: "u1", Role: "student"},
	}}
	new := &roster.Roster{Enrollments: []roster.Enrollment{
		{SourcedID: "c1/u1", ClassID: "c1", UserID: "u1", Role: "student"},
		{SourcedID: "c1/u2", ClassID: "c1", UserID: "u2", Role: "teacher"},
		{SourcedID: "c3/u1", ClassID: "c3", UserID: "u1", Role: "student"},
	}}
	opts := Options{Detail: true, Fields: map[roster.Kind][]string{
		roster.EnrollmentKind: {"classSourcedId", "userSourcedId", "role"},
	}}
	res, err := Compare(context.Background(), FromRoster(old), FromRoster(new), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := *res.Summary[roster.EnrollmentKind]
	if got.Added != 1 || got.Removed != 1 || got.Changed != 1 || got.Unchanged != 1 {
		t.Fatalf("enrollments: %+v, want 1 added (c3/u1), 1 removed (c2/u1), 1 changed (role), 1 unchanged", got)
	}
	// With sourcedId compared, enrollments are matched by it, as before.
	opts.Fields[roster.EnrollmentKind] = append(opts.Fields[roster.EnrollmentKind], "sourcedId")
	res, err = Compare(context.Background(), FromRoster(old), FromRoster(new), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Summary[roster.EnrollmentKind]; got.Added != 3 || got.Removed != 3 {
		t.Fatalf("enrollments keyed by sourcedId: %+v", got)
	}
}

// A blank primary is OneRoster's false: an export that leaves it blank and one that writes
// false (a Clever or SDS conversion read back) hold the same enrollment.
func TestBlankPrimaryIsFalse(t *testing.T) {
	old := &roster.Roster{Enrollments: []roster.Enrollment{
		{SourcedID: "e1", ClassID: "c1", UserID: "u1", Role: "student", Primary: ""},
		{SourcedID: "e2", ClassID: "c1", UserID: "t1", Role: "teacher", Primary: ""},
	}}
	new := &roster.Roster{Enrollments: []roster.Enrollment{
		{SourcedID: "e1", ClassID: "c1", UserID: "u1", Role: "student", Primary: "false"},
		{SourcedID: "e2", ClassID: "c1", UserID: "t1", Role: "teacher", Primary: "true"},
	}}
	res, err := Compare(context.Background(), FromRoster(old), FromRoster(new), Options{Detail: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Summary[roster.EnrollmentKind]; got.Changed != 1 || got.Unchanged != 1 {
		t.Fatalf("enrollments: %+v, want e1 unchanged (blank is false) and e2 changed (blank to true)", got)
	}
}
