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

// A misspelled manifest key is one problem that names the key meant, and is read as it.
func TestManifestKeyDidYouMean(t *testing.T) {
	fsys := examplePackage(t, map[string]func(string) string{
		"manifest.csv": func(s string) string { return strings.Replace(s, "file.demographics,", "fiel.demographics,", 1) },
	})
	_, probs := read(t, fsys, format.Options{}, roster.Discard{})
	wantKeys(t, probs, "manifest.csv:10 error manifest [propertyName]")
	if len(probs) == 1 && !strings.Contains(probs[0].Message, `did you mean "file.demographics"?`) {
		t.Errorf("message %q", probs[0].Message)
	}
}

// Headers of another OneRoster version than the manifest's are said to be so, once.
func TestHeadersOfAnotherVersion(t *testing.T) {
	dir := filepath.Join("testdata", "lms-toolkit", "v1p0-sample")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	manifest := "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
	present := map[string]bool{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: b}
		present[e.Name()] = true
	}
	for _, f := range manifestFiles("1.1") {
		mode := "absent"
		if present[f+".csv"] {
			mode = "bulk"
		}
		manifest += "file." + f + "," + mode + "\n"
	}
	fsys["manifest.csv"] = &fstest.MapFile{Data: []byte(manifest)}
	_, probs := read(t, fsys, format.Options{}, roster.Discard{})
	n := 0
	for _, p := range probs {
		if strings.Contains(p.Message, "look like OneRoster 1.0") {
			n++
			if p.File != "manifest.csv" || p.Column != "value" {
				t.Errorf("the hint is on %s", key(p))
			}
		}
	}
	if n != 1 {
		t.Errorf("%d problems say the headers look like OneRoster 1.0, want 1", n)
	}
}

// Fixes says which bad-grade problems --fix repairs: a grade it writes zero-padded or as
// CEDS spells it, not one CEDS has no code for.
func TestFixesGrades(t *testing.T) {
	for _, tc := range []struct {
		grade string
		fixes bool
	}{{"9", true}, {"K", true}, {"ps1", false}, {"Grade 4", false}} {
		fsys := examplePackage(t, map[string]func(string) string{
			"users.csv": func(s string) string { return strings.Replace(s, ",KG,", ","+tc.grade+",", 1) },
		})
		_, probs := read(t, fsys, format.Options{}, roster.Discard{})
		if len(probs) != 1 || probs[0].Code != roster.CodeBadGrade {
			t.Fatalf("grade %q: %v", tc.grade, probs)
		}
		if got := New().Fixes(probs[0]); got != tc.fixes {
			t.Errorf("grade %q (%s): Fixes %v, want %v", tc.grade, probs[0].Message, got, tc.fixes)
		}
	}
}
