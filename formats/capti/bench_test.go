package capti

import (
	"bytes"
	"fmt"
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

// BenchmarkRead validates a 100,000-user roster (go test -bench Read -benchmem ./formats/capti).
func BenchmarkRead(b *testing.B) {
	data := benchRoster(100_000)
	fsys := fileFS("roster.csv", string(data))
	b.SetBytes(int64(len(data)))
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
