package oneroster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// rawRecorder is a recorder that also takes rows as read (the raw-row ability) for the kinds
// in raw, writing each down as its sourcedId and metadata, as a user or enrollment entity
// would show them.
type rawRecorder struct {
	recorder
	raw     map[roster.Kind]bool
	offered []roster.Kind
	rows    []string
}

func (r *rawRecorder) RawRows(kind roster.Kind, col func(string) int, header []string, meta []int) func([]string) error {
	r.offered = append(r.offered, kind)
	if !r.raw[kind] {
		return nil
	}
	id := col("sourcedId")
	if id < 0 || col("no such column") != -1 {
		panic("col")
	}
	return func(rec []string) error {
		var md []roster.KV
		for _, j := range meta {
			if rec[j] != "" {
				md = append(md, roster.KV{Key: header[j], Value: rec[j]})
			}
		}
		r.rows = append(r.rows, fmt.Sprintf("%s %s %v", kind.Singular(), rec[id], md))
		return nil
	}
}

// A sink with the raw-row ability gets, from a OneRoster 1.1 package, the rows of the kinds it
// takes raw (and entities of the others): one row per entity a plain sink gets, with the
// same sourcedId and metadata, ragged rows cut to the header as entities are (Ragged), and
// none of a 1.0 or 1.2 package, whose columns are not the entities' fields one for one.
func TestRawRowsAreTheEntitiesRows(t *testing.T) {
	gen := t.TempDir()
	if _, err := rostergen.Generate(context.Background(), gen, rostergen.Options{Users: 500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ragged := t.TempDir()
	copyDir(t, "../../examples/oneroster", ragged)
	appendTo(t, filepath.Join(ragged, "users.csv"), "stuR,,,true,sch0,student,r,,R,R,,,,,,,07,pw,\n") // a trailing comma
	appendTo(t, filepath.Join(ragged, "enrollments.csv"), "enrR,,,cls0,sch0,stu00,student,false\n")   // too short
	meta := t.TempDir()
	copyDir(t, "../../examples/oneroster", meta)
	addColumn(t, filepath.Join(meta, "users.csv"), "metadata.house", "Blue")
	for name, c := range map[string]struct {
		fsys  fs.FS
		opts  format.Options
		kinds []roster.Kind // offered raw
	}{
		"generate": {os.DirFS(gen), format.Options{}, []roster.Kind{roster.UserKind, roster.EnrollmentKind}},
		"v1p1":     {os.DirFS("testdata/lms-toolkit/v1p1-sample"), format.Options{}, []roster.Kind{roster.UserKind, roster.EnrollmentKind}},
		"ragged":   {os.DirFS(ragged), format.Options{Ragged: true}, []roster.Kind{roster.UserKind, roster.EnrollmentKind}},
		"metadata": {os.DirFS(meta), format.Options{}, []roster.Kind{roster.UserKind}},
		"invalid":  {os.DirFS("../../pkg/testdata/several-defects"), format.Options{}, []roster.Kind{roster.UserKind}},
		"v1p0":     {os.DirFS("testdata/lms-toolkit/v1p0-sample"), format.Options{}, nil},
		"v1p2":     {os.DirFS("../../pkg/testdata/oneroster-1.2"), format.Options{}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			want := &entityRows{raw: map[roster.Kind]bool{}}
			for _, k := range c.kinds {
				want.raw[k] = true
			}
			read(t, c.fsys, c.opts, want)
			raw := &rawRecorder{recorder: recorder{borrow: true}, raw: map[roster.Kind]bool{}}
			for _, k := range c.kinds {
				raw.raw[k] = true
			}
			read(t, c.fsys, c.opts, raw)
			if c.kinds == nil {
				if len(raw.offered) > 0 {
					t.Errorf("raw rows offered for %v", raw.offered)
				}
			} else if len(raw.offered) == 0 {
				t.Fatal("raw rows never offered")
			}
			if len(want.rows) == 0 && c.kinds != nil {
				t.Fatal("no rows of the kinds taken raw")
			}
			if !slices.Equal(raw.rows, want.rows) {
				t.Errorf("raw rows:\n%s", firstDiff(raw.rows, want.rows))
			}
			if !slices.Equal(raw.seen, want.seen) {
				t.Errorf("entities beside the raw rows:\n%s", firstDiff(raw.seen, want.seen))
			}
		})
	}
}

// entityRows is a recorder that writes the users and enrollments of the kinds in raw down as
// rawRecorder writes their rows.
type entityRows struct {
	recorder
	raw  map[roster.Kind]bool
	rows []string
}

func (r *entityRows) User(v *roster.User) error {
	if !r.raw[roster.UserKind] {
		return r.recorder.User(v)
	}
	r.rows = append(r.rows, fmt.Sprintf("user %s %v", v.SourcedID, v.Metadata))
	return nil
}

func (r *entityRows) Enrollment(v *roster.Enrollment) error {
	if !r.raw[roster.EnrollmentKind] {
		return r.recorder.Enrollment(v)
	}
	r.rows = append(r.rows, fmt.Sprintf("enrollment %s %v", v.SourcedID, v.Metadata))
	return nil
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, s...), 0o600); err != nil {
		t.Fatal(err)
	}
}

// addColumn appends a column to a CSV file without quoted newlines: the header gets name, the
// odd data rows value and the even ones a blank.
func addColumn(t *testing.T, path, name, value string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	line := 0
	for _, l := range splitLines(string(b)) {
		switch {
		case line == 0:
			l += "," + name
		case line%2 == 1:
			l += "," + value
		default:
			l += ","
		}
		out = append(out, l+"\n"...)
		line++
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		l := s[:i]
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		out = append(out, l)
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}
