package capti

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
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

// benchInput is the roster to validate: the one file in the folder $ROSTERSYNC_BENCH_CAPTI (for
// example rostersync convert --to capti /tmp/night1 /tmp/capti/roster.csv), read from disk as
// validate reads it, or a generated 100,000-user roster in memory.
func benchInput(b *testing.B) (fs.FS, int64) {
	if d := os.Getenv("ROSTERSYNC_BENCH_CAPTI"); d != "" {
		fsys := os.DirFS(d)
		name, err := singleFile(fsys)
		if err != nil {
			b.Fatal(err)
		}
		fi, err := fs.Stat(fsys, name)
		if err != nil {
			b.Fatal(err)
		}
		return fsys, fi.Size()
	}
	data := benchRoster(100_000)
	return fileFS("roster.csv", string(data)), int64(len(data))
}

// BenchmarkValidate validates a Capti roster with every check, as rostersync validate does
// (go test -run XXX -bench Validate ./formats/capti/). Compare its MB/s with OneRoster's
// BenchmarkValidate: SPEC §6 wants Capti at 0.7× OneRoster's bytes per second or better.
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
		if _, err := (Format{}).Read(b.Context(), fsys, format.Options{}, roster.Discard{}, rep); err != nil || errs > 0 {
			b.Fatalf("err %v, %d errors", err, errs)
		}
	}
}
