package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/students"
	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// BenchmarkConvertWrite writes a 100k-user rostergen package ($ROSTERSYNC_BENCH_PACKAGE for
// another) as OneRoster, as Capti and as students.csv, side by side: "unchecked" is the write and the publish
// alone, "checked" is writeConverted, which writes into a private folder, reads the output
// back with the target's validator and then publishes it.
func BenchmarkConvertWrite(b *testing.B) {
	ctx := context.Background()
	src := os.Getenv("ROSTERSYNC_BENCH_PACKAGE")
	if src == "" {
		src = filepath.Join(b.TempDir(), "night1")
		if _, err := rostergen.Generate(ctx, src, rostergen.Options{Users: 100_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	coll := &roster.Collector{}
	probs := &roster.Problems{Max: 1}
	if _, err := oneroster.New().Read(ctx, os.DirFS(src), format.Options{}, coll, probs); err != nil || probs.Errors > 0 {
		b.Fatalf("read %s: %v, %d errors", src, err, probs.Errors)
	}
	for _, to := range []format.Format{oneroster.New(), capti.New(), students.New()} {
		for _, checked := range []bool{false, true} {
			name := to.Name() + "/unchecked"
			if checked {
				name = to.Name() + "/checked"
			}
			b.Run(name, func(b *testing.B) {
				dir := b.TempDir()
				for b.Loop() {
					r := coll.Roster // writeConverted empties its roster, not the slices
					var out atomicfile.Output = atomicfile.NewDir(dir)
					if to.Name() != "oneroster" {
						out = atomicfile.NewFile(filepath.Join(dir, format.PackagingOf(to).FileName))
					}
					if checked {
						if _, err := writeConverted(ctx, to, out, &r, format.Options{}); err != nil {
							b.Fatal(err)
						}
						continue
					}
					if err := to.Write(ctx, out, &r, format.Options{}, &roster.Problems{}); err != nil {
						b.Fatal(err)
					}
					if err := out.Commit(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
