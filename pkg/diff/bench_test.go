package diff_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// oneRosterSource reads the OneRoster package in dir each time it is called, as the diff
// command does: problems are counted, not kept, and reads after the first skip the checks.
func oneRosterSource(dir string) diff.Source {
	calls := 0
	return func(ctx context.Context, sink roster.Sink) error {
		calls++
		probs := &roster.Problems{Max: 1}
		_, err := oneroster.New().Read(ctx, os.DirFS(dir), format.Options{Reread: calls > 1}, sink, probs)
		return err
	}
}

// benchNights returns two nights to compare: $ROSTERSYNC_BENCH_OLD and $ROSTERSYNC_BENCH_NEW
// (for example two 1M-user rostergen nights), or two 100k-user nights generated for the run.
func benchNights(b *testing.B) (string, string) {
	o, n := os.Getenv("ROSTERSYNC_BENCH_OLD"), os.Getenv("ROSTERSYNC_BENCH_NEW")
	if o != "" && n != "" {
		return o, n
	}
	d := b.TempDir()
	o, n = filepath.Join(d, "night1"), filepath.Join(d, "night2")
	for i, dir := range []string{o, n} {
		if _, err := rostergen.Generate(context.Background(), dir, rostergen.Options{Users: 100_000, Seed: 1, Night: i + 1, ChangePercent: 1}); err != nil {
			b.Fatal(err)
		}
	}
	return o, n
}

func dirSize(b *testing.B, dirs ...string) int64 {
	var size int64
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && !fi.IsDir() {
				size += fi.Size()
			}
		}
	}
	return size
}

// BenchmarkDiff compares two nights read through the OneRoster reader: counts only
// (summary), with field-level detail and notes (detail), and users and enrollments alone with
// detail (users+enrollments: what the README compares with csvdiff on those two files).
func BenchmarkDiff(b *testing.B) {
	o, n := benchNights(b)
	for _, bc := range []struct {
		name     string
		detail   bool
		entities []roster.Kind
	}{{"summary", false, nil}, {"detail", true, nil}, {"users+enrollments", true, []roster.Kind{roster.UserKind, roster.EnrollmentKind}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(dirSize(b, o, n))
			for b.Loop() {
				res, err := diff.Compare(context.Background(), oneRosterSource(o), oneRosterSource(n), diff.Options{Detail: bc.detail, Entities: bc.entities})
				if err != nil {
					b.Fatal(err)
				}
				if res.Identical() {
					b.Fatal("two different nights compared as identical")
				}
			}
		})
	}
}
