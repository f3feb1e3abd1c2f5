package oneroster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// examplePackage returns the example package with files replaced (a nil value removes one).
func examplePackage(t *testing.T, replace map[string]func(string) string) fstest.MapFS {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", "oneroster")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if f, ok := replace[e.Name()]; ok {
			s = f(s)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

// dropFirstColumn removes the first column of every line (the example files quote no commas in
// their first two columns).
func dropFirstColumn(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.IndexByte(l, ','); j >= 0 {
			lines[i] = l[j+1:]
		}
	}
	return strings.Join(lines, "\n")
}

// A file without its sourcedId column is a header problem, not a crash; the files that refer to
// it are not checked against it.
func TestMissingSourcedIdColumn(t *testing.T) {
	for _, file := range []string{"users.csv", "orgs.csv", "classes.csv", "enrollments.csv", "academicSessions.csv", "courses.csv", "demographics.csv"} {
		t.Run(file, func(t *testing.T) {
			fsys := examplePackage(t, map[string]func(string) string{file: dropFirstColumn})
			coll := &roster.Collector{}
			_, probs := read(t, fsys, format.Options{}, coll)
			var header int
			for _, p := range probs {
				if p.Code == roster.CodeHeader && p.File == file {
					header++
				}
				if p.Code == roster.CodeDanglingRef {
					t.Errorf("a reference reported against a file without IDs: %+v", p)
				}
			}
			if header != 1 {
				t.Errorf("%d header problems for %s, want 1 (the missing column): %v", header, file, keys(probs))
			}
		})
	}
}

// A package saved with semicolons gets one problem per file saying so, and its rows are not read
// (each would be one cell).
func TestSemicolonSeparated(t *testing.T) {
	semi := func(s string) string { return strings.ReplaceAll(s, ",", ";") }
	fsys := examplePackage(t, map[string]func(string) string{"users.csv": semi, "orgs.csv": semi})
	_, probs := read(t, fsys, format.Options{}, roster.Discard{})
	wantKeys(t, probs, "orgs.csv:1 error header []", "users.csv:1 error header []")
	for _, p := range probs {
		if !strings.Contains(p.Message, `splits on ";"`) || !strings.Contains(p.Message, "CSV UTF-8 (Comma delimited)") {
			t.Errorf("message %q does not name the separator and the fix", p.Message)
		}
	}
}

// A manifest saved with semicolons is one problem too; the version comes from the headers.
func TestSemicolonManifest(t *testing.T) {
	fsys := examplePackage(t, map[string]func(string) string{"manifest.csv": func(s string) string { return strings.ReplaceAll(s, ",", ";") }})
	info, probs := read(t, fsys, format.Options{}, roster.Discard{})
	wantKeys(t, probs, "manifest.csv:1 error header []")
	if info.Version != "1.1" {
		t.Errorf("version %q, want 1.1", info.Version)
	}
}

// A malformed dateLastModified in a bulk file is bad-date as well as filled-in-bulk; a valid one
// is only the latter.
func TestBadDateInBulkFile(t *testing.T) {
	stamp := func(date string) func(string) string {
		return func(s string) string { return strings.Replace(s, "\nstu01,,,", "\nstu01,active,"+date+",", 1) }
	}
	_, probs := read(t, examplePackage(t, map[string]func(string) string{"users.csv": stamp("1/05/2023")}), format.Options{}, roster.Discard{})
	wantKeys(t, probs, "users.csv:3 error bad-date [dateLastModified]", "users.csv:3 error manifest [dateLastModified]", "users.csv:3 error manifest [status]")
	_, probs = read(t, examplePackage(t, map[string]func(string) string{"users.csv": stamp("2023-10-02T00:00:00+00:00")}), format.Options{}, roster.Discard{})
	wantKeys(t, probs, "users.csv:3 error manifest [dateLastModified]", "users.csv:3 error manifest [status]")
}

// Every column is checked for formulas, a tab or CR first too; a password's problem shows
// nothing of it.
func TestFormulaEveryColumn(t *testing.T) {
	fsys := examplePackage(t, map[string]func(string) string{"users.csv": func(s string) string {
		s = strings.Replace(s, ",LxjrTLeVYi\n", ",=1+1secret\n", 1)
		return strings.Replace(s, ",Diego,Yamamoto,", ",\"\t=1+1\",Yamamoto,", 1)
	}})
	_, probs := read(t, fsys, format.Options{}, roster.Discard{})
	wantKeys(t, probs, "users.csv:3 warning formula [givenName]", "users.csv:3 warning formula [password]")
	for _, p := range probs {
		if p.Column == "password" && (strings.Contains(p.Message, "secret") || strings.Contains(p.Message, "=")) {
			t.Errorf("the password's problem shows some of it: %s", p.Message)
		}
	}
}

// IDs holding zero-width or bidi characters look like others but are not: bad-id, for the
// identifier too (sourcedIds allow only ASCII already).
func TestInvisibleCharactersInIDs(t *testing.T) {
	fsys := examplePackage(t, map[string]func(string) string{"users.csv": func(s string) string {
		s = strings.Replace(s, ",Yamamoto,,1000001,", ",Yamamoto,,1000\u200b001,", 1)
		return strings.Replace(s, "\nstu03,", "\nstu\u202e03,", 1)
	}})
	_, probs := read(t, fsys, format.Options{}, roster.Discard{})
	var got []string
	for _, p := range probs {
		if p.Code == roster.CodeBadID {
			got = append(got, key(p)+" "+p.Message)
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], "[identifier]") || !strings.Contains(got[0], "U+200B") ||
		!strings.Contains(got[1], "[sourcedId]") || !strings.Contains(got[1], "U+202E") {
		t.Errorf("bad-id problems:\n%s", strings.Join(got, "\n"))
	}
}
