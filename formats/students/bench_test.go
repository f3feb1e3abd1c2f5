package students

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// benchFile returns a clean students.csv of n students at 40 sites, with birth dates.
func benchFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString(header + ",BIRTHDATE\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,First%d,Last%d,%d,06000000%02d,student%d@lincoln.k12.us,Pw%d,%d-%02d-%02d\n",
			1000000+i, i%977, i%1409, i%12+1, i%40, i, i*7919%100000, 2005+i%12, i%12+1, i%28+1)
	}
	return b.Bytes()
}

// benchInput is the file to validate: the students.csv in the folder $ROSTERSYNC_BENCH_STUDENTS
// (for example rostersync convert --to students /tmp/night1 /tmp/students/students.csv), read
// from disk as validate reads it, or a generated 100,000-student file in memory.
func benchInput(b *testing.B) (fs.FS, int64) {
	if d := os.Getenv("ROSTERSYNC_BENCH_STUDENTS"); d != "" {
		fsys := os.DirFS(d)
		name, err := pickFile(fsys)
		if err != nil {
			b.Fatal(err)
		}
		fi, err := fs.Stat(fsys, name)
		if err != nil {
			b.Fatal(err)
		}
		return fsys, fi.Size()
	}
	data := benchFile(100_000)
	return fileFS(FileName, string(data)), int64(len(data))
}

// BenchmarkValidate validates a students.csv with every check, as rostersync validate does
// (go test -run XXX -bench Validate ./formats/students/). Compare its MB/s with OneRoster's
// BenchmarkValidate: SPEC §6 wants students.csv at 0.7× OneRoster's bytes per second or better.
func BenchmarkValidate(b *testing.B) {
	fsys, size := benchInput(b)
	b.SetBytes(size)
	for b.Loop() {
		var errs int
		rep := roster.ReporterFunc(func(p roster.Problem) {
			if p.Severity == roster.Error {
				errs++
			}
		})
		if _, err := New().Read(b.Context(), fsys, format.Options{}, roster.Discard{}, rep); err != nil || errs > 0 {
			b.Fatalf("err %v, %d errors", err, errs)
		}
	}
}

// BenchmarkValidateVsOneRoster validates the students.csv (as BenchmarkValidate) and a
// OneRoster package ($ROSTERSYNC_BENCH_DIR, the one the roster was converted from; else a
// generated 100,000-user one), alternately in each iteration, and reports students.csv's bytes per
// second over OneRoster's, SPEC §6's ratio (at least 0.7):
// ROSTERSYNC_BENCH_STUDENTS=/tmp/students ROSTERSYNC_BENCH_DIR=/tmp/night1 go test -run XXX -bench VsOneRoster -benchtime 3x ./formats/students/
func BenchmarkValidateVsOneRoster(b *testing.B) {
	fsys, size := benchInput(b)
	orDir := os.Getenv("ROSTERSYNC_BENCH_DIR")
	if orDir == "" {
		orDir = b.TempDir()
		if _, err := rostergen.Generate(b.Context(), orDir, rostergen.Options{Users: 100_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	var orSize int64
	for _, n := range rostergen.Files {
		if fi, err := os.Stat(filepath.Join(orDir, n)); err == nil {
			orSize += fi.Size()
		}
	}
	orFS := os.DirFS(orDir)
	var tStudents, tOR float64
	for b.Loop() {
		start := b.Elapsed()
		validateOnce(b, oneroster.New(), orFS)
		mid := b.Elapsed()
		validateOnce(b, New(), fsys)
		tOR += (mid - start).Seconds()
		tStudents += (b.Elapsed() - mid).Seconds()
	}
	b.ReportMetric(float64(size)/tStudents*float64(b.N)/1e6, "students-MB/s")
	b.ReportMetric(float64(orSize)/tOR*float64(b.N)/1e6, "oneroster-MB/s")
	b.ReportMetric((float64(size)/tStudents)/(float64(orSize)/tOR), "students/oneroster-bytes/s")
}

func validateOnce(b *testing.B, f format.Format, fsys fs.FS) {
	var errs int
	rep := roster.ReporterFunc(func(p roster.Problem) {
		if p.Severity == roster.Error {
			errs++
		}
	})
	if _, err := f.Read(b.Context(), fsys, format.Options{}, roster.Discard{}, rep); err != nil || errs > 0 {
		b.Fatalf("err %v, %d errors", err, errs)
	}
}
