package capti

import (
	"bytes"
	"fmt"
	"io/fs"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// benchRoster returns a clean Capti roster of n users.
func benchRoster(n int) []byte {
	var b bytes.Buffer
	b.WriteString("email,password,first_name,last_name,person_number,unique_id\n")
	for i := range n {
		fmt.Fprintf(&b, "student%d@lincoln.k12.us,Pw%d,First%d,Last%d,%d,stu%07d\n", i, i*7919%100000, i%977, i%1409, 1000000+i, i)
	}
	return b.Bytes()
}

// BenchmarkValidate validates a Capti roster with every check, as rostersync validate does
// (go test -run XXX -bench Validate ./formats/capti/): the one file in the folder
// $ROSTERSYNC_BENCH_CAPTI (for example rostersync convert --to capti /tmp/night1
// /tmp/capti/roster.csv), read from disk, or a generated 100,000-user roster in memory. Compare
// its MB/s with OneRoster's BenchmarkValidate: SPEC §6 wants Capti at 0.7× OneRoster's bytes per
// second or better.
func BenchmarkValidate(b *testing.B) {
	fsys, size := benchInputFor(b)
	formattest.BenchValidate(b, Format{}, fsys, size)
}

// BenchmarkValidateVsOneRoster validates the Capti roster (as BenchmarkValidate) and a
// OneRoster package ($ROSTERSYNC_BENCH_DIR, the one the roster was converted from; else a
// generated 100,000-user one), alternately in each iteration, and reports Capti's bytes per
// second over OneRoster's, SPEC §6's ratio (at least 0.7):
// ROSTERSYNC_BENCH_CAPTI=/tmp/capti ROSTERSYNC_BENCH_DIR=/tmp/night1 go test -run XXX -bench VsOneRoster -benchtime 3x ./formats/capti/
func BenchmarkValidateVsOneRoster(b *testing.B) {
	fsys, size := benchInputFor(b)
	formattest.BenchVsOneRoster(b, "capti", Format{}, fsys, size, oneroster.New())
}

// benchInputFor is the file the benchmarks validate (formattest.BenchInput).
func benchInputFor(b *testing.B) (fs.FS, int64) {
	return formattest.BenchInput(b, "ROSTERSYNC_BENCH_CAPTI", singleFile, "roster.csv", func() []byte { return benchRoster(100_000) })
}
