package formattest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// File returns a file system holding one file called name.
func File(name, data string) fstest.MapFS {
	return fstest.MapFS{name: &fstest.MapFile{Data: []byte(data), Mode: 0o600}}
}

// OtherSeparators reads the valid file example of a one-file format f, as name, without its
// header row and with semicolons or tabs for its commas: each gives one header problem on line
// 1 that says why, no user is read, and no cell of the file (passwords, birth dates) is in the
// problem.
func OtherSeparators(t *testing.T, f format.Format, name, example string) {
	_, body, _ := strings.Cut(example, "\n")
	for _, tt := range []struct{ name, data, says string }{
		{"headerless", body, "the first row looks like data, not a header"},
		{"semicolons", strings.ReplaceAll(example, ",", ";"), `splits on ";"`},
		{"tabs", strings.ReplaceAll(example, ",", "\t"), "splits on tabs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, coll, probs := Read(t, f, File(name, tt.data), format.Options{})
			CheckProblems(t, probs, []Want{{"error header 1 ", tt.says}})
			if n := len(coll.Roster.Users); n != 0 {
				t.Errorf("%d users read from a file without a header", n)
			}
			for _, cell := range strings.FieldsFunc(body, func(r rune) bool { return r == ',' || r == '\n' }) {
				if len(cell) > 2 && strings.Contains(probs[0].Message+probs[0].Column, cell) {
					t.Errorf("the problem shows the cell %q: %s", cell, probs[0].Message)
				}
			}
		})
	}
}

// BenchInput is the file a one-file format's reader is benchmarked on: the roster file in the
// folder the environment variable env names (pick finds it, as the format's Read does), read
// from disk as validate reads it, else gen's file in memory as name.
func BenchInput(b *testing.B, env string, pick func(fs.FS) (string, error), name string, gen func() []byte) (fs.FS, int64) {
	if d := os.Getenv(env); d != "" {
		fsys := os.DirFS(d)
		file, err := pick(fsys)
		if err != nil {
			b.Fatal(err)
		}
		fi, err := fs.Stat(fsys, file)
		if err != nil {
			b.Fatal(err)
		}
		return fsys, fi.Size()
	}
	data := gen()
	return File(name, string(data)), int64(len(data))
}

// BenchValidate reads fsys (size bytes) with f and every check, as rostersync validate does,
// in b's loop; an error problem fails it.
func BenchValidate(b *testing.B, f format.Format, fsys fs.FS, size int64) {
	b.SetBytes(size)
	for b.Loop() {
		Validate(b, f, fsys)
	}
}

// Validate reads fsys with f and every check, as rostersync validate does, keeping nothing; an
// error problem fails t, naming the first.
func Validate(t testing.TB, f format.Format, fsys fs.FS) {
	var errs int
	var first roster.Problem
	rep := roster.ReporterFunc(func(p roster.Problem) {
		if p.Severity == roster.Error {
			if errs == 0 {
				first = p
			}
			errs++
		}
	})
	if _, err := f.Read(t.Context(), fsys, format.Options{}, roster.Discard{}, rep); err != nil || errs > 0 {
		t.Fatalf("err %v, %d errors, the first: %v", err, errs, first)
	}
}

// BenchVsOneRoster validates fsys (size bytes) with f and a OneRoster package with ref (the
// folder $ROSTERSYNC_BENCH_DIR, the one fsys was converted from; else a generated
// 100,000-user one) alternately in b's loop, and reports name's bytes per second over
// OneRoster's, SPEC §6's ratio (at least 0.7).
func BenchVsOneRoster(b *testing.B, name string, f format.Format, fsys fs.FS, size int64, ref format.Format) {
	dir := BenchDir(b, "ROSTERSYNC_BENCH_DIR")
	var refSize int64
	for _, n := range rostergen.Files {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil {
			refSize += fi.Size()
		}
	}
	refFS := os.DirFS(dir)
	var t, tRef float64
	for b.Loop() {
		start := b.Elapsed()
		Validate(b, ref, refFS)
		mid := b.Elapsed()
		Validate(b, f, fsys)
		tRef += (mid - start).Seconds()
		t += (b.Elapsed() - mid).Seconds()
	}
	b.ReportMetric(float64(size)/t*float64(b.N)/1e6, name+"-MB/s")
	b.ReportMetric(float64(refSize)/tRef*float64(b.N)/1e6, "oneroster-MB/s")
	b.ReportMetric((float64(size)/t)/(float64(refSize)/tRef), name+"/oneroster-bytes/s")
}
