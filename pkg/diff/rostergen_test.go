package diff_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// TestRostergenNights compares two generated nights read through the OneRoster reader: the
// counts must be exactly what rostergen says it changed.
func TestRostergenNights(t *testing.T) {
	if testing.Short() {
		t.Skip("generates two 20k-user packages")
	}
	ctx := context.Background()
	d := t.TempDir()
	n1, n2 := filepath.Join(d, "night1"), filepath.Join(d, "night2")
	s1, err := rostergen.Generate(ctx, n1, rostergen.Options{Users: 20_000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := rostergen.Generate(ctx, n2, rostergen.Options{Users: 20_000, Seed: 5, Night: 2, ChangePercent: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s2.RemovedUsers == 0 || s2.AddedUsers == 0 || s2.ChangedUsers == 0 || s2.MovedStudents == 0 {
		t.Fatalf("night 2 changed too little to test: %+v", s2)
	}
	res, err := diff.Compare(ctx, oneRosterSource(n1), oneRosterSource(n2), diff.Options{Detail: true})
	if err != nil {
		t.Fatal(err)
	}
	users := res.Summary[roster.UserKind]
	want := diff.Counts{Added: s2.AddedUsers, Removed: s2.RemovedUsers, Changed: s2.ChangedUsers,
		Unchanged: s1.Users - s2.RemovedUsers - s2.ChangedUsers}
	want.RemovedPercent = users.RemovedPercent
	if *users != want {
		t.Errorf("users: %+v, want %+v", *users, want)
	}
	enr := res.Summary[roster.EnrollmentKind]
	if enr.Added != s2.AddedEnrollments || enr.Removed != s2.RemovedEnrollments || enr.Changed != 0 ||
		enr.Unchanged != s1.Enrollments-s2.RemovedEnrollments || enr.New() != s2.Enrollments {
		t.Errorf("enrollments: %+v, want %d added, %d removed, none changed, %d in all", *enr,
			s2.AddedEnrollments, s2.RemovedEnrollments, s2.Enrollments)
	}
	// Demographics follow the students; nothing else changes.
	if dm := res.Summary[roster.DemographicsKind]; dm.Added != s2.AddedUsers || dm.Removed != s2.RemovedStudents || dm.Changed != 0 {
		t.Errorf("demographics: %+v", *dm)
	}
	for _, k := range []roster.Kind{roster.OrgKind, roster.AcademicSessionKind, roster.CourseKind, roster.ClassKind} {
		if c := res.Summary[k]; c == nil || c.Differing() != 0 || c.Unchanged == 0 {
			t.Errorf("%s: %+v, want all unchanged", k, c)
		}
	}
	notes := map[string]int{}
	for _, n := range res.Notes {
		notes[n.Kind]++
	}
	if notes[diff.NoteClassMove] != s2.MovedStudents || notes[diff.NoteRekey] != 0 || notes[diff.NoteSchoolMove] != 0 {
		t.Errorf("notes %v, want %d class moves and nothing else", notes, s2.MovedStudents)
	}
	if len(res.Changes) != res.Total() {
		t.Errorf("%d changes listed, %d counted", len(res.Changes), res.Total())
	}
	for _, c := range res.Changes {
		if c.Entity == "user" && c.Kind == diff.Changed {
			if _, ok := c.Fields["givenName"]; !ok || len(c.Fields) != 1 {
				t.Fatalf("changed user %s: fields %v, want givenName only", c.ID, c.Fields)
			}
		}
	}
}
