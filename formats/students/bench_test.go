package students

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
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
