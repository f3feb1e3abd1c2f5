package clever

import (
	"bytes"
	"context"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// rostergen's Clever output is the upload the Clever writer makes of its OneRoster package
// (the same roster, so the two validations compare like with like), and it validates clean,
// on night 1 and night 2.
func TestRostergenClever(t *testing.T) {
	for _, night := range []int{1, 2} {
		clDir, orDir := formattest.Generate(t, rostergen.Options{Users: 3000, Seed: 3, Night: night, ChangePercent: 4}, rostergen.FormatClever)
		gen := dirFS(t, clDir)
		_, _, probs := formattest.Read(t, Format{}, gen, format.Options{})
		formattest.CheckProblems(t, probs, nil)

		_, coll, probs := formattest.Read(t, oneroster.New(), dirFS(t, orDir), format.Options{})
		formattest.CheckProblems(t, probs, nil)
		written, wprobs := write(t, &coll.Roster)
		for _, p := range wprobs {
			if p.Severity == roster.Error {
				t.Fatalf("night %d: writing reports %s: %s", night, formattest.Key(p), p.Message)
			}
		}
		for _, f := range []string{SchoolsFile, TeachersFile, StaffFile, StudentsFile, EnrollmentsFile} {
			if !bytes.Equal(gen[f].Data, written[f].Data) {
				t.Errorf("night %d: rostergen's %s is not the one the writer makes of the OneRoster package", night, f)
			}
		}
		// sections.csv: the writer has more columns (co-teachers, Subject); the sections read
		// are the same.
		_, a, _ := formattest.Read(t, Format{}, gen, format.Options{})
		_, b, _ := formattest.Read(t, Format{}, written, format.Options{})
		if len(a.Roster.Classes) != len(b.Roster.Classes) || len(a.Roster.Enrollments) != len(b.Roster.Enrollments) {
			t.Fatalf("night %d: %d/%d classes, %d/%d enrollments", night, len(a.Roster.Classes), len(b.Roster.Classes), len(a.Roster.Enrollments), len(b.Roster.Enrollments))
		}
		for i := range a.Roster.Classes {
			x, y := a.Roster.Classes[i], b.Roster.Classes[i]
			if x.SourcedID != y.SourcedID || x.Title != y.Title || x.SchoolID != y.SchoolID || x.CourseID != y.CourseID {
				t.Fatalf("night %d: class %d differs:\n%+v\n%+v", night, i, x, y)
			}
		}
	}
}

// Night 2's summary of a Clever upload counts the same student changes as the OneRoster
// package's, and what the files hold.
func TestRostergenCleverSummary(t *testing.T) {
	o := rostergen.Options{Users: 3000, Seed: 5, Night: 2, Split: true, Added: 3, Removed: 2, Changed: 4}
	or, err := rostergen.Generate(context.Background(), t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.Format = rostergen.FormatClever
	dir := t.TempDir()
	cl, err := rostergen.Generate(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if cl.RemovedStudents != or.RemovedStudents || cl.AddedUsers != or.AddedUsers || cl.MovedStudents != or.MovedStudents ||
		cl.AddedEnrollments != or.AddedEnrollments || cl.RemovedEnrollments != or.RemovedEnrollments || cl.Students != or.Students {
		t.Fatalf("clever summary %+v\noneroster summary %+v", cl, or)
	}
	if cl.RemovedStudents == 0 || cl.MovedStudents == 0 || cl.ChangedUsers == 0 {
		t.Fatalf("no changes to compare: %+v", cl)
	}
	_, coll, _ := formattest.Read(t, Format{}, dirFS(t, dir), format.Options{})
	students, staff := 0, 0
	for _, u := range coll.Roster.Users {
		switch u.Role {
		case "student":
			students++
		default:
			staff++
		}
	}
	if students != cl.Students || staff != cl.Teachers+cl.Administrators || cl.Users != students+staff {
		t.Fatalf("read %d students and %d staff; summary %+v", students, staff, cl)
	}
	studentEnr := 0
	for _, e := range coll.Roster.Enrollments {
		if e.Role == "student" {
			studentEnr++
		}
	}
	if studentEnr != cl.Enrollments {
		t.Fatalf("read %d student enrollments, summary says %d", studentEnr, cl.Enrollments)
	}
}
