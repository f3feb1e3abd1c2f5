package formattest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Suite is what the conformance suite runs a format against.
type Suite struct {
	// Registry holds every format; the format under test is one of them.
	Registry *format.Registry
	// Canonical is the roster every format writes (read from the richest example), in the
	// canonical model.
	Canonical *roster.Roster
	// Examples is the examples/ folder: examples/<name>/ is a valid input of the format called
	// name, examples/invalid/<name>/* its deliberately broken inputs (folders, zips or files).
	Examples string
}

// Run checks that f keeps the format contract (restic's backend tests are the model: every
// registered format runs the same tests, so a new format is tested by registering it):
//
//   - Detect on its own output: the canonical roster written by f is detected as f;
//   - read ∘ write round trip: what f reads back from its output, written and read again,
//     is the same roster (the fields f holds survive; users keep their key);
//   - Detect on the other formats' examples: each is still detected as its own format;
//   - every problem from reading f's invalid examples is positioned: a file, and a line for a
//     problem about a column;
//   - Read on f's valid example reports no error.
//
// The fuzz part is Fuzz, run from a FuzzXxx function.
func Run(t *testing.T, s Suite, f format.Format) {
	t.Helper()
	t.Run("DetectOwnOutput", func(t *testing.T) {
		out := write(t, f, s.Canonical)
		got, err := s.Registry.Detect(out)
		if err != nil {
			t.Fatalf("its own output %v is not detected: %v", names(out), err)
		}
		if got.Name() != f.Name() {
			t.Fatalf("its own output %v is detected as %s", names(out), got.Name())
		}
		if m := f.Detect(out); m != format.HeaderMatch {
			t.Errorf("Detect on its own output = %d, want a header match (%d)", m, format.HeaderMatch)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		out1 := write(t, f, s.Canonical)
		_, c1, p1 := Read(t, f, out1, format.Options{})
		noErrors(t, "reading its own output", p1)
		out2 := write(t, f, &c1.Roster)
		_, c2, p2 := Read(t, f, out2, format.Options{})
		noErrors(t, "reading its own output again", p2)
		for _, k := range roster.Kinds {
			if a, b := c1.Roster.Count(k), c2.Roster.Count(k); a != b {
				t.Errorf("%s: %d read from its output, %d after writing that and reading it again", k, a, b)
			}
		}
		if !reflect.DeepEqual(c1.Roster, c2.Roster) {
			t.Errorf("the roster read back changes when written and read again:\n%s", firstDiff(&c1.Roster, &c2.Roster))
		}
		// The users f holds keep their key.
		key := "sourcedId"
		if uk, ok := f.(format.UserKeyer); ok {
			key, _ = uk.UserKey(format.Options{})
		}
		var roles []string
		if rh, ok := f.(format.RoleHolder); ok {
			roles = rh.Roles()
		}
		read := map[string]bool{}
		for i := range c1.Roster.Users {
			read[userKey(&c1.Roster.Users[i], key)] = true
		}
		held := 0
		for i := range s.Canonical.Users {
			u := &s.Canonical.Users[i]
			if roles != nil && !slices.Contains(roles, u.Role) {
				continue
			}
			held++
			if !read[userKey(u, key)] {
				t.Errorf("user %s %q (%s) is not read back by its %s", key, userKey(u, key), u.Role, key)
			}
		}
		if held == 0 {
			t.Errorf("the canonical roster has no user %s holds", f.Name())
		}
	})
	t.Run("DetectOthersExamples", func(t *testing.T) {
		for _, g := range s.Registry.Formats() {
			dir := filepath.Join(s.Examples, g.Name())
			if g.Name() == f.Name() || !isDir(dir) {
				continue
			}
			fsys := os.DirFS(dir)
			if mf, mg := f.Detect(fsys), g.Detect(fsys); mf >= mg {
				t.Errorf("Detect on examples/%s = %d, as strong as %s's own %d", g.Name(), mf, g.Name(), mg)
			}
		}
	})
	t.Run("ValidExample", func(t *testing.T) {
		dir := filepath.Join(s.Examples, f.Name())
		if !isDir(dir) {
			t.Fatalf("no examples/%s: every format has a small valid example", f.Name())
		}
		_, _, probs := Read(t, f, os.DirFS(dir), format.Options{})
		noErrors(t, "examples/"+f.Name(), probs)
	})
	t.Run("InvalidExamplesPositioned", func(t *testing.T) {
		dir := filepath.Join(s.Examples, "invalid", f.Name())
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Skipf("no examples/invalid/%s", f.Name())
		}
		for _, e := range ents {
			t.Run(e.Name(), func(t *testing.T) {
				fsys := openExample(t, filepath.Join(dir, e.Name()), e.IsDir())
				if fsys == nil {
					return // a zip the zip check refuses before any format reads it
				}
				_, _, probs := Read(t, f, fsys, format.Options{})
				if len(probs) == 0 {
					t.Errorf("no problem reported")
				}
				for _, p := range probs {
					Positioned(t, fsys, p)
				}
			})
		}
	})
}

// Positioned fails t unless p says where it is: a file (one of fsys, or one a package lacks),
// a line within that file, and a line when it names a column.
func Positioned(t testing.TB, fsys fs.FS, p roster.Problem) {
	t.Helper()
	if p.Severity == "" || p.Code == "" || p.Message == "" {
		t.Errorf("problem without severity, code or message: %+v", p)
	}
	if p.File == "" {
		t.Errorf("problem without a file: %+v", p)
		return
	}
	if p.Line < 0 || p.Column != "" && p.Line == 0 {
		t.Errorf("problem about a column without a line: %+v", p)
	}
	if data, err := fs.ReadFile(fsys, p.File); err == nil && p.Line > bytes.Count(data, []byte("\n"))+bytes.Count(data, []byte("\r"))+1 {
		t.Errorf("problem past the end of %s: %+v", p.File, p)
	}
}

// Fuzz runs f's readers on arbitrary bytes: each seed is a file of an example (valid or
// invalid) of a format, read by every format of reg as a file of that name. A reader reports
// problems or an error, never panics, and every problem names a file. Call it from a FuzzXxx
// function: under plain go test the seeds run as a corpus.
func Fuzz(f *testing.F, reg *format.Registry, examples string) {
	var seeds int
	filepath.WalkDir(examples, func(path string, d fs.DirEntry, err error) error { //nolint:errcheck // the walk reports nothing
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".csv") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil && len(data) <= 64<<10 {
			f.Add(d.Name(), data)
			seeds++
		}
		return nil
	})
	if seeds == 0 {
		f.Fatalf("no example .csv files under %s", examples)
	}
	formats := reg.Formats()
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		name = filepath.Base(filepath.Clean("/" + name))
		if !fs.ValidPath(name) || name == "." || name == "/" {
			return
		}
		fsys := fstest.MapFS{name: {Data: data}}
		for _, ft := range formats {
			ft.Detect(fsys)
			rep := roster.ReporterFunc(func(p roster.Problem) {
				if p.File == "" || p.Code == "" || p.Line < 0 {
					t.Errorf("%s: problem without a position: %+v", ft.Name(), p)
				}
			})
			ft.Read(t.Context(), fsys, format.Options{}, &roster.Collector{}, rep) //nolint:errcheck // an error is a fine answer
		}
	})
}

// write writes r with f into memory and returns the files as a file system. Rows f cannot
// write fail t.
func write(t *testing.T, f format.Format, r *roster.Roster) fs.FS {
	t.Helper()
	cp := *r // the writers read r; a shallow copy keeps the caller's slices' headers
	dst := MemDest{}
	var probs []roster.Problem
	if err := f.Write(t.Context(), dst, &cp, format.Options{}, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })); err != nil {
		t.Fatalf("Write: %v", err)
	}
	noErrors(t, "writing", probs)
	out := dst.FS()
	if len(out) == 0 {
		t.Fatal("Write wrote no file")
	}
	return out
}

func noErrors(t *testing.T, what string, probs []roster.Problem) {
	t.Helper()
	for _, p := range probs {
		if p.Severity == roster.Error {
			t.Errorf("%s: %s:%d: %s %s [%s]: %s", what, p.File, p.Line, p.Severity, p.Code, p.Column, p.Message)
		}
	}
}

// openExample opens an invalid example: a folder, a zip (nil when the zip is refused as a
// whole: its entries are not the format's to read) or a lone file.
func openExample(t *testing.T, path string, dir bool) fs.FS {
	t.Helper()
	if dir {
		return os.DirFS(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil
		}
		for _, zf := range zr.File {
			if !fs.ValidPath(zf.Name) {
				return nil
			}
		}
		return zr
	}
	return fstest.MapFS{filepath.Base(path): {Data: data}}
}

func userKey(u *roster.User, key string) string {
	if key == "identifier" {
		return u.Identifier
	}
	return u.SourcedID
}

func names(fsys fs.FS) []string {
	ents, _ := fs.ReadDir(fsys, ".")
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// firstDiff describes the first entity that differs between a and b.
func firstDiff(a, b *roster.Roster) string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		if reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			continue
		}
		name := va.Type().Field(i).Name
		if fa.Kind() == reflect.Slice && fb.Kind() == reflect.Slice {
			for j := range min(fa.Len(), fb.Len()) {
				if !reflect.DeepEqual(fa.Index(j).Interface(), fb.Index(j).Interface()) {
					return name + ": " + sprint(fa.Index(j)) + "\nthen: " + sprint(fb.Index(j))
				}
			}
			return name + ": lengths differ"
		}
		return name + ": " + sprint(fa) + "\nthen: " + sprint(fb)
	}
	return "(no field differs)"
}

func sprint(v reflect.Value) string { return fmt.Sprintf("%+v", v.Interface()) }
