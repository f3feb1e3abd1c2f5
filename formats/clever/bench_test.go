package clever

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// benchDirs returns a Clever upload and a OneRoster package of the same roster: the folders
// $ROSTERSYNC_BENCH_CLEVER and $ROSTERSYNC_BENCH_DIR (rostergen --format clever and rostergen
// with the same --users and --seed), or both generated for 100,000 users.
func benchDirs(b *testing.B) (clever, or string) {
	return formattest.BenchDirs(b, "ROSTERSYNC_BENCH_CLEVER", rostergen.FormatClever)
}

var validate = formattest.Validate

// BenchmarkValidate validates the same roster as a Clever upload and as a OneRoster package,
// alternately in each iteration, and reports the Clever time per OneRoster time (the target:
// at most 1.5): go test -run XXX -bench Validate -benchtime 3x ./formats/clever/
func BenchmarkValidate(b *testing.B) {
	cl, or := benchDirs(b)
	clFS, orFS := os.DirFS(cl), os.DirFS(or)
	var tCl, tOr float64
	for b.Loop() {
		start := b.Elapsed()
		validate(b, oneroster.New(), orFS)
		mid := b.Elapsed()
		validate(b, Format{}, clFS)
		tOr += (mid - start).Seconds()
		tCl += (b.Elapsed() - mid).Seconds()
	}
	b.ReportMetric(tCl/float64(b.N), "clever-s/op")
	b.ReportMetric(tOr/float64(b.N), "oneroster-s/op")
	b.ReportMetric(tCl/tOr, "clever/oneroster")
}

// BenchmarkTeacherInManySchools validates an upload where one teacher has a teachers.csv row
// at each of 20,000 schools: time must grow with the rows, not their square.
func BenchmarkTeacherInManySchools(b *testing.B) {
	const n = 20000
	fsys := example(b)
	var schools, teachers strings.Builder
	schools.Write(fsys[SchoolsFile].Data)
	teachers.Write(fsys[TeachersFile].Data)
	for i := range n {
		fmt.Fprintf(&schools, "x%d,School %d,%d,,,,,,,,,,\n", i, i, 9000+i)
		fmt.Fprintf(&teachers, "x%d,t-1,T001,ST-1,mgarcia@example.org,Maria,,Garcia,Teacher,mgarcia,\n", i)
	}
	fsys[SchoolsFile] = &fstest.MapFile{Data: []byte(schools.String())}
	fsys[TeachersFile] = &fstest.MapFile{Data: []byte(teachers.String())}
	f := New()
	for b.Loop() {
		var coll roster.Collector
		var errs []roster.Problem
		if _, err := f.Read(context.Background(), fsys, format.Options{}, &coll, roster.ReporterFunc(func(p roster.Problem) {
			if p.Severity == roster.Error {
				errs = append(errs, p)
			}
		})); err != nil {
			b.Fatal(err)
		}
		if len(errs) > 0 {
			b.Fatalf("errors: %v", errs[0])
		}
	}
}

// BenchmarkWriteClassOfManyTeachers writes a section with 20,000 teachers enrolled (ten are
// written): time must grow with the enrollments, not their square.
func BenchmarkWriteClassOfManyTeachers(b *testing.B) {
	const n = 20000
	r := &roster.Roster{
		Orgs:        []roster.Org{{SourcedID: "s", Name: "School", Type: "school"}},
		Users:       []roster.User{{SourcedID: "stu", Role: "student", GivenName: "A", FamilyName: "B", OrgIDs: []string{"s"}}},
		Classes:     []roster.Class{{SourcedID: "c1", Title: "One", SchoolID: "s"}},
		Enrollments: []roster.Enrollment{{SourcedID: "e", ClassID: "c1", UserID: "stu", Role: "student"}},
	}
	for i := range n {
		id := fmt.Sprintf("t%d", i)
		r.Users = append(r.Users, roster.User{SourcedID: id, Role: "teacher", GivenName: "T", FamilyName: "U", OrgIDs: []string{"s"}})
		r.Enrollments = append(r.Enrollments, roster.Enrollment{SourcedID: "e" + id, ClassID: "c1", UserID: id, Role: "teacher"})
	}
	for b.Loop() {
		dst := formattest.MemDest{}
		if err := New().Write(context.Background(), dst, r, format.Options{}, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
			b.Fatal(err)
		}
		if got := strings.Count(dst[SectionsFile].String(), ",t"); got != 10 {
			b.Fatalf("sections.csv names %d teachers, want 10:\n%s", got, dst[SectionsFile])
		}
	}
}
