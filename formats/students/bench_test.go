package students

import (
	"bytes"
	"fmt"
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

// BenchmarkRead validates a 100,000-student file (go test -bench Read -benchmem ./formats/students).
func BenchmarkRead(b *testing.B) {
	data := benchFile(100_000)
	fsys := fileFS(FileName, string(data))
	b.SetBytes(int64(len(data)))
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
