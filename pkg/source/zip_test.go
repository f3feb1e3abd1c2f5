package source

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

type entry struct {
	name string
	data string
}

func makeZip(t *testing.T, entries []entry) (*zip.Reader, int64) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return zr, int64(buf.Len())
}

func TestOpenZip(t *testing.T) {
	many := make([]entry, MaxZipEntries+1)
	for i := range many {
		many[i] = entry{name: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ".csv", data: "a"}
	}
	tests := []struct {
		name     string
		entries  []entry
		ok       bool
		code     string
		severity roster.Severity
		msg      string
		files    []string // what the returned fs lists at its root
	}{
		{name: "flat", entries: []entry{{"users.csv", "x"}, {"orgs.csv", "y"}}, ok: true, files: []string{"orgs.csv", "users.csv"}},
		{name: "dotdot", entries: []entry{{"../etc/users.csv", "x"}}, code: roster.CodeParse, severity: roster.Error, msg: "climbs out"},
		{name: "absolute", entries: []entry{{"/etc/users.csv", "x"}}, code: roster.CodeParse, severity: roster.Error, msg: "absolute"},
		{name: "windows", entries: []entry{{`C:\users.csv`, "x"}}, code: roster.CodeParse, severity: roster.Error, msg: "absolute"},
		{name: "too many", entries: many, code: roster.CodeParse, severity: roster.Error, msg: "entries"},
		{name: "bomb", entries: []entry{{"users.csv", strings.Repeat("0", 80<<20)}}, code: roster.CodeParse, severity: roster.Error, msg: "zip bomb"},
		{name: "duplicate entry", entries: []entry{{"users.csv", "x"}, {"orgs.csv", "y"}, {"users.csv", "z"}},
			code: roster.CodeParse, severity: roster.Error, msg: `two entries named "users.csv"`},
		// Names that differ only in case are one file on Windows and macOS, and to an importer
		// that ignores case: which one it reads is as unknown.
		{name: "duplicate in another case", entries: []entry{{"users.csv", "x"}, {"Users.csv", "z"}},
			code: roster.CodeParse, severity: roster.Error, msg: `two entries named "Users.csv" and "users.csv"`},
		{name: "duplicate in top folder", entries: []entry{{"export/users.csv", "x"}, {"export/./users.csv", "z"}},
			code: roster.CodeParse, severity: roster.Error, msg: `two entries named "export/users.csv"`},
		{name: "top folder", entries: []entry{{"export/users.csv", "x"}, {"export/orgs.csv", "y"}, {"__MACOSX/export/._users.csv", "z"}},
			ok: true, code: roster.CodeMissingFile, severity: roster.Warning, msg: `folder "export"`, files: []string{"orgs.csv", "users.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zr, size := makeZip(t, tt.entries)
			var probs roster.Problems
			fsys, ok := OpenZip(zr, size, "in.zip", &probs)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (problems %v)", ok, tt.ok, probs.List())
			}
			list := probs.List()
			if tt.code == "" {
				if len(list) != 0 {
					t.Fatalf("unexpected problems %v", list)
				}
			} else {
				if len(list) != 1 || list[0].Code != tt.code || list[0].Severity != tt.severity || !strings.Contains(list[0].Message, tt.msg) {
					t.Fatalf("problems %v, want one %s %s containing %q", list, tt.severity, tt.code, tt.msg)
				}
			}
			if tt.files != nil {
				got, err := format.Files(fsys)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, ",") != strings.Join(tt.files, ",") {
					t.Errorf("files %v, want %v", got, tt.files)
				}
			}
		})
	}
}

// The package opening inputs knows no format: the warning for files in a top folder names
// none (any format's package may be zipped that way).
func TestTopFolderWarningNamesNoFormat(t *testing.T) {
	zr, size := makeZip(t, []entry{{"export/users.csv", "x"}, {"export/orgs.csv", "y"}})
	var probs roster.Problems
	if _, ok := OpenZip(zr, size, "in.zip", &probs); !ok {
		t.Fatal("refused")
	}
	for _, p := range probs.List() {
		for _, name := range []string{"OneRoster", "Capti", "students.csv"} {
			if strings.Contains(p.Message, name) {
				t.Errorf("%q names the format %s", p.Message, name)
			}
		}
	}
}

// A .zip that is not one a reader can open (a download cut short: no central directory at its
// end) is refused with what that means and what to do, not Go's bare "zip: not a valid zip file".
func TestOpenLocalDamagedZip(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("users.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(strings.Repeat("sourcedId,status\n", 1000))); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(path, b.Bytes()[:b.Len()/2], 0o600); err != nil { // cut short
		t.Fatal(err)
	}
	_, err = OpenLocal(path, "export.zip")
	if err == nil {
		t.Fatal("a zip cut short was opened")
	}
	for _, want := range []string{"export.zip", "cut short", "export it again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
