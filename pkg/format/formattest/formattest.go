// Package formattest holds what the format packages' tests share: reading into a Collector
// with every problem, comparing problems by severity, code, line and column, an in-memory
// Dest for writers, the checks and benchmark every one-file format runs (single.go), the
// benchmark inputs and the streaming-write benchmark (bench.go), and the conformance suite
// every registered format runs (conformance.go).
package formattest

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Read reads fsys with f and returns what was read and every problem, sorted.
func Read(t testing.TB, f format.Format, fsys fs.FS, opts format.Options) (format.Info, *roster.Collector, []roster.Problem) {
	t.Helper()
	var probs []roster.Problem
	coll := &roster.Collector{}
	info, err := f.Read(t.Context(), fsys, opts, coll, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) }))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	slices.SortStableFunc(probs, roster.Compare)
	return info, coll, probs
}

// Want is an expected problem: its Key ("severity code line column") and a text its message
// must hold.
type Want [2]string

// Key is how a problem is compared: "severity code line column".
func Key(p roster.Problem) string {
	return fmt.Sprintf("%s %s %d %s", p.Severity, p.Code, p.Line, p.Column)
}

// CheckProblems fails t unless got are exactly wants, in order.
func CheckProblems(t testing.TB, got []roster.Problem, wants []Want) {
	t.Helper()
	if len(got) != len(wants) {
		var gs []string
		for _, p := range got {
			gs = append(gs, Key(p)+": "+p.Message)
		}
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(wants), strings.Join(gs, "\n"))
	}
	for i, w := range wants {
		key, text := w[0], w[1]
		if k := Key(got[i]); k != key {
			t.Errorf("problem %d is %q (%s), want %q", i, k, got[i].Message, key)
		}
		if !strings.Contains(got[i].Message, text) {
			t.Errorf("problem %d (%s): message %q does not hold %q", i, key, got[i].Message, text)
		}
	}
}

// MemDest is a format.Dest that keeps the written files in memory.
type MemDest map[string]*bytes.Buffer

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// FS returns the written files as a file system (0600), for reading them back.
func (d MemDest) FS() fstest.MapFS {
	out := fstest.MapFS{}
	for name, b := range d {
		out[name] = &fstest.MapFile{Data: b.Bytes(), Mode: 0o600}
	}
	return out
}

// Create starts the named file (again, if it was written before).
func (d MemDest) Create(name string) (io.WriteCloser, error) {
	b := &bytes.Buffer{}
	d[name] = b
	return nopCloser{b}, nil
}
