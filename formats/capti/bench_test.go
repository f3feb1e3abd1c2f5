package capti

import (
	"bytes"
	"fmt"
	"testing"

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
	fsys, size := formattest.BenchInput(b, "ROSTERSYNC_BENCH_CAPTI", singleFile, "roster.csv", func() []byte { return benchRoster(100_000) })
	formattest.BenchValidate(b, Format{}, fsys, size)
}
