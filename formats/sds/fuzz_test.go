package sds

import (
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// FuzzRead replaces one file of examples/sds with arbitrary bytes and reads the set, once into
// the model and once only checking: every input is read to the end, with problems, never a panic.
func FuzzRead(f *testing.F) {
	base := dirFS(f, filepath.Join("..", "..", "examples", "sds"))
	ms := dirFS(f, filepath.Join("testdata", "ms-v2.1"))
	names := make([]string, 0, len(specs))
	for _, s := range specs {
		names = append(names, s.name)
	}
	for i, n := range names {
		f.Add(uint8(i), base[n].Data, false)
		if m, ok := ms[n]; ok {
			f.Add(uint8(i), m.Data, true)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte, discard bool) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[names[int(which)%len(names)]] = &fstest.MapFile{Data: data}
		var sink roster.Sink = &roster.Collector{}
		if discard {
			sink = roster.Discard{}
		}
		if _, err := New().Read(t.Context(), fsys, format.Options{}, sink, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
			t.Skip() // an error, not a panic, is a fine answer to some bytes
		}
	})
}
