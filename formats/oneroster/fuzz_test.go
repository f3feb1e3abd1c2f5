package oneroster

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
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

// FuzzRead12 replaces one file of a 1.2 package with gradebook files (or roles.csv) with
// arbitrary bytes: it is read to the end, never a panic, and what was read is written as 1.2
// and read again, never a panic either.
func FuzzRead12(f *testing.F) {
	base := gradebookPkg(f, nil)
	var names []string
	for n := range gradebookFiles12 {
		names = append(names, n)
	}
	names = append(names, "roles.csv", "users.csv")
	slices.Sort(names)
	for i, n := range names {
		f.Add(uint8(i), base[n].Data)
	}
	opts12, err := WithVersion(format.Options{}, "1.2")
	if err != nil {
		f.Fatal(err)
	}
	quiet := roster.ReporterFunc(func(roster.Problem) {})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fsys := maps.Clone(base)
		fsys[names[int(which)%len(names)]] = &fstest.MapFile{Data: data}
		coll := &roster.Collector{}
		if _, err := New().Read(context.Background(), fsys, format.Options{}, coll, quiet); err != nil {
			t.Skip()
		}
		out := formattest.MemDest{}
		if err := New().Write(context.Background(), out, &coll.Roster, opts12, quiet); err != nil {
			t.Fatalf("Write: %v", err)
		}
		again := out.FS()
		if _, err := New().Read(context.Background(), again, format.Options{}, roster.Discard{}, quiet); err != nil {
			t.Fatalf("the 1.2 package written does not read: %v", err)
		}
	})
}
