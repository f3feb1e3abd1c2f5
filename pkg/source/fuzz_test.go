package source_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/source"
)

// zipOf packs the files of dir (under prefix inside the archive).
func zipOf(f *testing.F, dir, prefix string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	ents, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		w, err := zw.Create(prefix + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		w.Write(b) //nolint:errcheck // a bytes.Buffer
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzZipInput reads arbitrary bytes as a zip package the way every command does: the archive
// checked (OpenZip), its files listed, the format detected and read. Problems or an error,
// never a panic.
func FuzzZipInput(f *testing.F) {
	root := filepath.Join("..", "..", "examples")
	f.Add(zipOf(f, filepath.Join(root, "oneroster"), ""))
	f.Add(zipOf(f, filepath.Join(root, "oneroster"), "export/"))
	f.Add(zipOf(f, filepath.Join(root, "students"), ""))
	f.Add(zipOf(f, filepath.Join(root, "capti"), ""))
	if b, err := os.ReadFile(filepath.Join(root, "invalid", "oneroster", "parse-zip-slip.zip")); err == nil {
		f.Add(b)
	}
	reg := formats.Registry()
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		rep := roster.ReporterFunc(func(roster.Problem) {})
		fsys, ok := source.OpenZip(zr, int64(len(data)), "in.zip", rep)
		if !ok {
			return
		}
		names, err := format.Files(fsys)
		if err != nil {
			return
		}
		for _, n := range names {
			format.HeaderLine(fsys, n)
			if fh, err := fsys.Open(n); err == nil {
				io.Copy(io.Discard, io.LimitReader(fh, 1<<20)) //nolint:errcheck // only reading
				fh.Close()
			}
		}
		fs.WalkDir(fsys, ".", func(string, fs.DirEntry, error) error { return nil }) //nolint:errcheck // only walking
		ft, err := reg.Detect(fsys)
		if err != nil {
			return
		}
		ft.Read(context.Background(), fsys, format.Options{}, &roster.Collector{}, rep) //nolint:errcheck // an error is a fine answer
	})
}

// FuzzDirInput writes arbitrary files into a folder (names and contents from the input, a
// nested folder among them) and reads it the way every command does: the folder opened
// (OpenDir), its files listed, the format detected and read. Problems or an error, never a panic.
func FuzzDirInput(f *testing.F) {
	root := filepath.Join("..", "..", "examples")
	for _, d := range []string{"oneroster", "students", "capti"} {
		ents, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(root, d, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			b.WriteString(e.Name() + "\x00" + string(data) + "\x00")
		}
		f.Add(b.Bytes(), false)
		f.Add(b.Bytes(), true)
	}
	reg := formats.Registry()
	f.Fuzz(func(t *testing.T, data []byte, nested bool) {
		dir := t.TempDir()
		into := dir
		if nested {
			into = filepath.Join(dir, "export")
			if err := os.Mkdir(into, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		parts := bytes.Split(data, []byte{0})
		for i := 0; i+1 < len(parts) && i < 40; i += 2 {
			name := filepath.Base(filepath.Clean("/" + string(parts[i])))
			if name == "/" || name == "." || name == "" || len(name) > 100 {
				continue
			}
			os.WriteFile(filepath.Join(into, name), parts[i+1], 0o600) //nolint:errcheck // a name the system refuses is skipped
		}
		rep := roster.ReporterFunc(func(roster.Problem) {})
		_, fsys := source.OpenDir(dir, "in", rep)
		names, err := format.Files(fsys)
		if err != nil {
			return
		}
		for _, n := range names {
			format.HeaderLine(fsys, n)
		}
		ft, err := reg.Detect(fsys)
		if err != nil {
			return
		}
		ft.Read(context.Background(), fsys, format.Options{}, &roster.Collector{}, rep) //nolint:errcheck // an error is a fine answer
	})
}
