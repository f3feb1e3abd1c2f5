package oneroster

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// FuzzRead replaces one file of the example package with arbitrary bytes: every input is read
// to the end, with problems, never a panic.
func FuzzRead(f *testing.F) {
	base := fstest.MapFS{}
	dir := filepath.Join("..", "..", "examples", "oneroster")
	ents, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		base[e.Name()] = &fstest.MapFile{Data: b}
		names = append(names, e.Name())
	}
	for i, n := range names {
		f.Add(uint8(i), base[n].Data, false)
	}
	for _, sample := range []string{"v1p0-sample", "v1p1-sample"} {
		d := filepath.Join("testdata", "lms-toolkit", sample)
		for i, n := range names {
			if b, err := os.ReadFile(filepath.Join(d, n)); err == nil {
				f.Add(uint8(i), b, true)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte, fix bool) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[names[int(which)%len(names)]] = &fstest.MapFile{Data: data}
		coll := &roster.Collector{}
		if _, err := New().Read(context.Background(), fsys, format.Options{Fix: fix}, coll, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
			t.Skip() // an error, not a panic, is a fine answer to some bytes
		}
	})
}
