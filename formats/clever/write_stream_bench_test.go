package clever_test

import (
	"os"
	"testing"

	"github.com/rostersync/rostersync/formats/clever"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// BenchmarkStreamRead reads a OneRoster package ($ROSTERSYNC_BENCH_DIR, else 100k users) as
// convert --to clever does, straight into the streaming writer, alternated with the read
// alone (Discard, as validate): "stream" minus "discard" is what the Clever writer costs.
func BenchmarkStreamRead(b *testing.B) {
	dir := os.Getenv("ROSTERSYNC_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
		if _, err := rostergen.Generate(b.Context(), dir, rostergen.Options{Users: 100_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("discard", func(b *testing.B) {
		for b.Loop() {
			var probs roster.Problems
			if _, err := oneroster.New().Read(b.Context(), os.DirFS(dir), format.Options{}, roster.Discard{}, &probs); err != nil || probs.Errors > 0 {
				b.Fatal(err, probs.Errors)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			out := b.TempDir()
			var probs, wrep roster.Problems
			s, err := clever.New().WriteStream(b.Context(), atomicfile.NewDir(out), b.TempDir(), format.Options{}, &wrep)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := oneroster.New().Read(b.Context(), os.DirFS(dir), format.Options{}, borrowing{s}, &probs); err != nil || probs.Errors > 0 {
				b.Fatal(err, probs.Errors)
			}
			if err := s.End(func(roster.Kind) int { return 0 }); err != nil {
				b.Fatal(err)
			}
			os.RemoveAll(out)
		}
	})
}

// borrowing is a stream as convert hands it to a reader: it keeps no string it is sent.
type borrowing struct{ format.Stream }

func (borrowing) BorrowsStrings() bool { return true }
