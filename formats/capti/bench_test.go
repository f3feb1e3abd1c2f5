package capti

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

// BenchmarkValidateVsOneRoster validates the Capti roster (as BenchmarkValidate) and a
// OneRoster package ($ROSTERSYNC_BENCH_DIR, the one the roster was converted from; else a
// generated 100,000-user one), alternately in each iteration, and reports Capti's bytes per
// second over OneRoster's, SPEC §6's ratio (at least 0.7):
// ROSTERSYNC_BENCH_CAPTI=/tmp/capti ROSTERSYNC_BENCH_DIR=/tmp/night1 go test -run XXX -bench VsOneRoster -benchtime 3x ./formats/capti/
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
	var tCapti, tOR float64
	for b.Loop() {
		start := b.Elapsed()
		validateOnce(b, oneroster.New(), orFS)
		mid := b.Elapsed()
		validateOnce(b, Format{}, fsys)
		tOR += (mid - start).Seconds()
		tCapti += (b.Elapsed() - mid).Seconds()
	}
	b.ReportMetric(float64(size)/tCapti*float64(b.N)/1e6, "capti-MB/s")
	b.ReportMetric(float64(orSize)/tOR*float64(b.N)/1e6, "oneroster-MB/s")
	b.ReportMetric((float64(size)/tCapti)/(float64(orSize)/tOR), "capti/oneroster-bytes/s")
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
