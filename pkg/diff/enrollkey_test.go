package diff

import (
	"context"
	"fmt"
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
	// With sourcedId compared and IDs of their own on both sides, enrollments are matched by
	// sourcedId, as before.
	opts.Fields[roster.EnrollmentKind] = append(opts.Fields[roster.EnrollmentKind], "sourcedId")
	for i := range new.Enrollments {
		new.Enrollments[i].SourcedID = fmt.Sprintf("n%d", i)
	}
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

// A package converted to a format without enrollment IDs and back (OneRoster → Clever or SDS →
// OneRoster) holds enrollments whose IDs rostersync made from class and user (CLASS/USER, or
// CLASS/USER/ROLE): when either input's first enrollment has such an ID, or none, both key
// enrollments by class and user, whichever side it is and whatever the other holds.
func TestEnrollmentsMatchedByClassAndUserWhenIDsMade(t *testing.T) {
	orig := func() *roster.Roster {
		return &roster.Roster{Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "c1", UserID: "u1", Role: "student", BeginDate: "2026-08-01"},
			{SourcedID: "e2", ClassID: "c1", UserID: "t1", Role: "teacher"},
			{SourcedID: "e3", ClassID: "c2", UserID: "u1", Role: "student"},
		}}
	}
	for _, tc := range []struct {
		name string
		ids  [3]string
	}{
		{"clever", [3]string{"c1/u1", "c1/t1", "c2/u1"}},
		{"sds", [3]string{"c1/u1/student", "c1/t1/teacher", "c2/u1/student"}},
		{"blank", [3]string{"", "", ""}},
	} {
		back := orig()
		for i, id := range tc.ids {
			back.Enrollments[i].SourcedID = id
		}
		back.Enrollments[0].BeginDate = "" // the format has no dates
		for _, swap := range []bool{false, true} {
			o, n := orig(), back
			if swap {
				o, n = back, orig()
			}
			res, err := Compare(context.Background(), FromRoster(o), FromRoster(n), Options{Detail: true})
			if err != nil {
				t.Fatal(err)
			}
			got := *res.Summary[roster.EnrollmentKind]
			if got.Added != 0 || got.Removed != 0 || got.Changed != 1 || got.Unchanged != 2 {
				t.Errorf("%s (swapped %v): %+v, want 1 changed (beginDate), 2 unchanged", tc.name, swap, got)
			}
			if res.EnrollmentsBy != "class and user" {
				t.Errorf("%s: EnrollmentsBy %q", tc.name, res.EnrollmentsBy)
			}
			if len(res.Changes) != 1 || res.Changes[0].Fields["beginDate"] == (FieldChange{}) {
				t.Errorf("%s: changes %+v", tc.name, res.Changes)
			}
		}
	}
	// IDs that only look alike (another class, a role with a "/") are the input's own.
	for _, id := range []string{"c9/u1", "c1/u1/a/b", "c1/u1x", "c1/u1/"} {
		back := orig()
		back.Enrollments[0].SourcedID = id
		res, err := Compare(context.Background(), FromRoster(orig()), FromRoster(back), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := *res.Summary[roster.EnrollmentKind]; got.Added != 1 || got.Removed != 1 || res.EnrollmentsBy != "" {
			t.Errorf("first ID %q: %+v by %q, want matched by sourcedId", id, got, res.EnrollmentsBy)
		}
	}
	// An input without enrollments leaves the other's keys as they are.
	res, err := Compare(context.Background(), FromRoster(&roster.Roster{}), FromRoster(orig()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Summary[roster.EnrollmentKind]; got.Added != 3 || res.EnrollmentsBy != "" {
		t.Errorf("empty old: %+v by %q", got, res.EnrollmentsBy)
	}
}

// Enrollments matched by class and user stay apart when an ID holds the "/" shown between
// them: class a/b with user c, and class a with user b/c, are two enrollments.
func TestEnrollmentsMatchedByClassAndUserWithSlashes(t *testing.T) {
	mk := func(role string) *roster.Roster {
		return &roster.Roster{Enrollments: []roster.Enrollment{
			{ClassID: "a/b", UserID: "c", Role: "student"},
			{ClassID: "a", UserID: "b/c", Role: role},
		}}
	}
	res, err := Compare(context.Background(), FromRoster(mk("student")), FromRoster(mk("teacher")), Options{Detail: true})
	if err != nil {
		t.Fatal(err)
	}
	got := *res.Summary[roster.EnrollmentKind]
	if got.Added != 0 || got.Removed != 0 || got.Changed != 1 || got.Unchanged != 1 {
		t.Fatalf("enrollments: %+v, want 1 changed (a + b/c's role) and 1 unchanged", got)
	}
	if len(res.Changes) != 1 || res.Changes[0].ID != "a/b/c" || res.Changes[0].Fields["role"].New != "teacher" {
		t.Errorf("changes %+v", res.Changes)
	}
}
