package formattest

import (
	"os"
	"testing"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// BenchUsers is how many users the roster a benchmark generates for its run has, when the
// environment names none to read.
const BenchUsers = 100_000

// BenchDir is the OneRoster package a benchmark reads: the folder the environment variable env
// names (for example a 1M-user rostergen package: go run ./cmd/rostergen --users 1000000 --out
// /tmp/night1), else a BenchUsers-user one generated for the run.
func BenchDir(b *testing.B, env string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	d := b.TempDir()
	if _, err := rostergen.Generate(b.Context(), d, rostergen.Options{Users: BenchUsers, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchDirs is one roster in rostergen's format (rostergen.FormatClever, FormatSDS) and as a
// OneRoster package: the folders $env and $ROSTERSYNC_BENCH_DIR when both are named (rostergen
// --format and rostergen with the same --users and --seed), else both generated for the run
// with BenchUsers users.
func BenchDirs(b *testing.B, env, format string) (dir, orDir string) {
	dir, orDir = os.Getenv(env), os.Getenv("ROSTERSYNC_BENCH_DIR")
	if dir != "" && orDir != "" {
		return dir, orDir
	}
	return Generate(b, rostergen.Options{Users: BenchUsers, Seed: 1}, format)
}

// Generate writes o's roster in rostergen's format and as a OneRoster package, each in a
// folder of its own that t removes at its end.
func Generate(t testing.TB, o rostergen.Options, format string) (dir, orDir string) {
	dir, orDir = t.TempDir(), t.TempDir()
	if _, err := rostergen.Generate(t.Context(), orDir, o); err != nil {
		t.Fatal(err)
	}
	o.Format = format
	if _, err := rostergen.Generate(t.Context(), dir, o); err != nil {
		t.Fatal(err)
	}
	return dir, orDir
}

// BenchStreamRead reads the OneRoster package dir with ref (the OneRoster format) as convert
// --to f does, straight into f's streaming writer (f must be a format.StreamWriter), alternated
// with the read alone into roster.Discard, as validate reads: "stream" minus "discard" is what
// f's streaming writer costs.
func BenchStreamRead(b *testing.B, f format.Format, dir string, ref format.Format) {
	sw, ok := f.(format.StreamWriter)
	if !ok {
		b.Fatalf("%s is no format.StreamWriter", f.Name())
	}
	b.Run("discard", func(b *testing.B) {
		for b.Loop() {
			var probs roster.Problems
			if _, err := ref.Read(b.Context(), os.DirFS(dir), format.Options{}, roster.Discard{}, &probs); err != nil || probs.Errors > 0 {
				b.Fatal(err, probs.Errors)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			out := b.TempDir()
			var probs, wrep roster.Problems
			s, err := sw.WriteStream(b.Context(), atomicfile.NewDir(out), b.TempDir(), format.Options{}, &wrep)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ref.Read(b.Context(), os.DirFS(dir), format.Options{}, borrowing{s}, &probs); err != nil || probs.Errors > 0 {
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
