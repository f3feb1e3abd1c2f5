package clever

import (
	"context"
	"os"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// benchDirs returns a Clever upload and a OneRoster package of the same roster: the folders
// $ROSTERSYNC_BENCH_CLEVER and $ROSTERSYNC_BENCH_DIR (rostergen --format clever and rostergen
// with the same --users and --seed), or both generated for 100,000 users.
func benchDirs(b *testing.B) (clever, or string) {
	clever, or = os.Getenv("ROSTERSYNC_BENCH_CLEVER"), os.Getenv("ROSTERSYNC_BENCH_DIR")
	if clever != "" && or != "" {
		return clever, or
	}
	clever, or = b.TempDir(), b.TempDir()
	o := rostergen.Options{Users: 100_000, Seed: 1}
	if _, err := rostergen.Generate(context.Background(), or, o); err != nil {
		b.Fatal(err)
	}
	o.Format = rostergen.FormatClever
	if _, err := rostergen.Generate(context.Background(), clever, o); err != nil {
		b.Fatal(err)
	}
	return clever, or
}

var validate = formattest.Validate

// BenchmarkValidate validates the same roster as a Clever upload and as a OneRoster package,
// alternately in each iteration, and reports the Clever time per OneRoster time (the target:
// at most 1.5): go test -run XXX -bench Validate -benchtime 3x ./formats/clever/
func BenchmarkValidate(b *testing.B) {
	cl, or := benchDirs(b)
	clFS, orFS := os.DirFS(cl), os.DirFS(or)
	var tCl, tOr float64
	for b.Loop() {
		start := b.Elapsed()
		validate(b, oneroster.New(), orFS)
		mid := b.Elapsed()
		validate(b, Format{}, clFS)
		tOr += (mid - start).Seconds()
		tCl += (b.Elapsed() - mid).Seconds()
	}
	b.ReportMetric(tCl/float64(b.N), "clever-s/op")
	b.ReportMetric(tOr/float64(b.N), "oneroster-s/op")
	b.ReportMetric(tCl/tOr, "clever/oneroster")
}
