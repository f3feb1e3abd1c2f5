package sds_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// rostergen --format sds writes the roster of its OneRoster package: it validates clean as
// SDS and reads into the same users, classes and enrollments, night 1 and night 2.
func TestRostergenSDS(t *testing.T) {
	for _, night := range []int{1, 2} {
		sdsDir, orDir := formattest.Generate(t, rostergen.Options{Users: 3000, Seed: 7, Night: night, ChangePercent: 5}, rostergen.FormatSDS)
		names, _ := format.Files(os.DirFS(sdsDir))
		if len(names) != len(rostergen.SDSFiles) {
			t.Errorf("night %d: wrote %v, want %v", night, names, rostergen.SDSFiles)
		}
		_, a, _ := formattest.Read(t, oneroster.New(), os.DirFS(orDir), format.Options{})
		_, b, probs := formattest.Read(t, sds.New(), os.DirFS(sdsDir), format.Options{})
		formattest.CheckProblems(t, probs, nil)
		if len(a.Roster.Users) != len(b.Roster.Users) || len(a.Roster.Classes) != len(b.Roster.Classes) || len(a.Roster.Enrollments) != len(b.Roster.Enrollments) {
			t.Errorf("night %d: OneRoster has %d users, %d classes, %d enrollments; SDS %d, %d, %d", night,
				len(a.Roster.Users), len(a.Roster.Classes), len(a.Roster.Enrollments), len(b.Roster.Users), len(b.Roster.Classes), len(b.Roster.Enrollments))
		}
	}
}

// benchDirs returns an SDS set and the OneRoster package of the same roster: $ROSTERSYNC_BENCH_SDS
// and $ROSTERSYNC_BENCH_DIR (for example rostergen --users 1000000 --format sds --out
// /tmp/sds1m and rostergen --users 1000000 --out /tmp/night1), or 100k-user ones made for the run.
func benchDirs(b *testing.B) (sdsDir, orDir string) {
	return formattest.BenchDirs(b, "ROSTERSYNC_BENCH_SDS", rostergen.FormatSDS)
}

func validate(b *testing.B, f format.Format, dir string) { formattest.Validate(b, f, os.DirFS(dir)) }

// BenchmarkValidate validates the SDS set, and BenchmarkValidateOneRoster the OneRoster
// package of the same roster, alternately in one run: compare the two times (issue: SDS within
// 1.5× of OneRoster). go test -run XXX -bench Validate ./formats/sds/
func BenchmarkValidate(b *testing.B) {
	sdsDir, orDir := benchDirs(b)
	for _, c := range []struct {
		name string
		f    format.Format
		dir  string
	}{{"SDS", sds.New(), sdsDir}, {"OneRoster", oneroster.New(), orDir}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				validate(b, c.f, c.dir)
			}
		})
	}
}

// wideSet returns examples/sds with n more students, all of them in one more school through
// roles.csv rows of stu1's too (stu1 in n+1 orgs) and all with the example's guardian grd1
// as their contact (one contact of n students): the shapes whose lists grow with n.
func wideSet(b *testing.B, n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	dir := filepath.Join("..", "..", "examples", "sds")
	ents, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			b.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
	}
	add := func(name string, row func(i int) string) {
		var sb strings.Builder
		sb.Write(fsys[name].Data)
		for i := range n {
			sb.WriteString(row(i))
		}
		fsys[name] = &fstest.MapFile{Data: []byte(sb.String())}
	}
	add("orgs.csv", func(i int) string { return fmt.Sprintf("o%d,Org %d,school,district1\r\n", i, i) })
	add("users.csv", func(i int) string { return fmt.Sprintf("s%d,s%d@example.org,S,T,,,s%d@example.org,,\r\n", i, i, i) })
	add("roles.csv", func(i int) string {
		return fmt.Sprintf("s%d,sch1,student,sy2026,04,true,2026-08-01,2027-06-30\r\nstu1,o%d,student,sy2026,04,false,2026-08-01,2027-06-30\r\n", i, i)
	})
	add("relationships.csv", func(i int) string { return fmt.Sprintf("s%d,grd1,guardian\r\n", i) })
	return fsys
}

// BenchmarkWideLists reads (building the roster, as convert and diff do) a set where one user
// is in 20,000 orgs and one contact has 20,000 students: time must grow with n, not n².
func BenchmarkWideLists(b *testing.B) {
	fsys := wideSet(b, 20000)
	f := sds.New()
	b.ResetTimer()
	for b.Loop() {
		var coll roster.Collector
		if _, err := f.Read(context.Background(), fsys, format.Options{}, &coll, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
			b.Fatal(err)
		}
		if len(coll.Roster.Users) != 20005 {
			b.Fatalf("%d users", len(coll.Roster.Users))
		}
	}
}
