package oneroster

import (
	"context"
	"os"
	"testing"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// BenchmarkStreamRead reads the package ($ROSTERSYNC_BENCH_DIR, else 100k users) as convert
// --to oneroster does, straight into the streaming writer, alternated with the read alone
// (Discard, as validate): "stream" minus "discard" is what writing as it reads costs.
func BenchmarkStreamRead(b *testing.B) {
	dir := benchDir(b)
	ctx := context.Background()
	b.Run("discard", func(b *testing.B) {
		for b.Loop() {
			var probs roster.Problems
			if _, err := New().Read(ctx, os.DirFS(dir), format.Options{}, roster.Discard{}, &probs); err != nil || probs.Errors > 0 {
				b.Fatal(err, probs.Errors)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			out := b.TempDir()
			var probs, wrep roster.Problems
			s, err := New().WriteStream(ctx, atomicfile.NewDir(out), b.TempDir(), format.Options{}, &wrep)
			if err != nil {
				b.Fatal(err)
			}
			sink := borrowing{s}
			if _, err := New().Read(ctx, os.DirFS(dir), format.Options{}, sink, &probs); err != nil || probs.Errors > 0 {
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
