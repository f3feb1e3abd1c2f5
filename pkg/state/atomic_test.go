package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run record is written at a fresh, unique temporary name: a file or link left at any
// predictable name next to it (here "run.json.tmp", pointing elsewhere) is neither followed nor
// truncated, and nothing but run.json is left in the run folder.
func TestSaveRunUsesAUniqueTemporaryName(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	dest := "sftp://a@h/Upload/"
	run := &Run{ID: NewRunID(time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)), Destination: dest, Result: "pushed"}
	dir, err := s.RunDir(dest, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "run.json.tmp")); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRun(run); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link at run.json.tmp was written through: the file it points to holds %q", b)
	}
	fi, err := os.Stat(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("run.json is %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "run.json" && e.Name() != "run.json.tmp" && !strings.HasSuffix(e.Name(), ".gz") {
			t.Errorf("the run folder holds %s after the write", e.Name())
		}
	}
}
