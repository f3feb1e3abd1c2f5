package students

import (
	"bytes"
	"fmt"
	"io/fs"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format/formattest"
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

// BenchmarkValidate validates a students.csv with every check, as rostersync validate does
// (go test -run XXX -bench Validate ./formats/students/): the students.csv in the folder
// $ROSTERSYNC_BENCH_STUDENTS (for example rostersync convert --to students /tmp/night1
// /tmp/students/students.csv), read from disk, or a generated 100,000-student file in memory.
// Compare its MB/s with OneRoster's BenchmarkValidate: SPEC §6 wants students.csv at 0.7×
// OneRoster's bytes per second or better.
func BenchmarkValidate(b *testing.B) {
	fsys, size := benchInputFor(b)
	formattest.BenchValidate(b, New(), fsys, size)
}

// BenchmarkValidateVsOneRoster validates the students.csv (as BenchmarkValidate) and a
// OneRoster package ($ROSTERSYNC_BENCH_DIR, the one the roster was converted from; else a
// generated 100,000-user one), alternately in each iteration, and reports students.csv's bytes per
// second over OneRoster's, SPEC §6's ratio (at least 0.7):
// ROSTERSYNC_BENCH_STUDENTS=/tmp/students ROSTERSYNC_BENCH_DIR=/tmp/night1 go test -run XXX -bench VsOneRoster -benchtime 3x ./formats/students/
func BenchmarkValidateVsOneRoster(b *testing.B) {
	fsys, size := benchInputFor(b)
	formattest.BenchVsOneRoster(b, "students", New(), fsys, size, oneroster.New())
}

// benchInputFor is the file the benchmarks validate (formattest.BenchInput).
func benchInputFor(b *testing.B) (fs.FS, int64) {
	return formattest.BenchInput(b, "ROSTERSYNC_BENCH_STUDENTS", pickFile, FileName, func() []byte { return benchFile(100_000) })
}
