package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// A process killed halfway through a write leaves nothing at the final name (an old file there
// is untouched), only a temporary that CleanLeftovers recognises and removes.
func TestCrashLeavesNothingAtTheFinalName(t *testing.T) {
	if dir := os.Getenv("ATOMICFILE_CRASH_DIR"); dir != "" {
		f, err := Create(filepath.Join(dir, "roster.csv"))
		if err != nil {
			os.Exit(3)
		}
		f.WriteString("id,name\n1,half") //nolint:errcheck // the process dies next
		os.Exit(2)                       // no Commit, no Abort: as if killed
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.csv"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLeavesNothingAtTheFinalName$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_CRASH_DIR="+dir)
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("the writing process: %v, want exit 2", err)
	}
	got := names(t, dir)
	if slices.Contains(got, "roster.csv") {
		t.Fatalf("roster.csv exists after a crash: %v", got)
	}
	if len(got) != 2 || !IsTempName(got[0]) {
		t.Fatalf("the folder holds %v, want one temporary and old.csv", got)
	}
	removed, err := CleanLeftovers(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || !slices.Equal(names(t, dir), []string{"old.csv"}) {
		t.Errorf("CleanLeftovers removed %v and left %v, want the temporary removed and old.csv kept", removed, names(t, dir))
	}
}

// A failing write leaves the old file untouched and no temporary.
func TestWriteFileFailureKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFile(path, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("x", 1<<20)) //nolint:errcheck // fails next
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("run.json holds %q after a failed write", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"run.json"}) {
		t.Errorf("the folder holds %v after a failed write", got)
	}
}

// Temporary names are unique: two writers of one final name never share a temporary, and each
// name has the recognisable leftover form.
func TestTempNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n, err := TempName("roster.csv")
		if err != nil {
			t.Fatal(err)
		}
		if seen[n] {
			t.Fatalf("%s made twice", n)
		}
		seen[n] = true
		if !IsTempName(n) || !strings.HasPrefix(n, ".rostersync-roster.csv.") {
			t.Fatalf("%s is not of the leftover form", n)
		}
	}
	dir := t.TempDir()
	a, err := Create(filepath.Join(dir, "x.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Abort()
	b, err := Create(filepath.Join(dir, "x.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	if a.TempPath() == b.TempPath() {
		t.Fatalf("two writers share %s", a.TempPath())
	}
	for _, name := range []string{"x.part", ".rostersync-notes.txt", "roster.csv"} {
		if IsTempName(name) {
			t.Errorf("%s taken for a temporary", name)
		}
	}
}

// Every output publishes its files 0600, replacing a more open file at the final name, and a
// link at the final name is replaced, not written through.
func TestOutputsWrite0600(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "one.csv"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "out.zip")); err != nil {
		t.Fatal(err)
	}
	outs := map[string]Output{
		"one.csv": NewFile(filepath.Join(dir, "one.csv")),
		"folder":  NewDir(filepath.Join(dir, "folder")),
		"out.zip": NewZip(filepath.Join(dir, "out.zip")),
	}
	for name, o := range outs {
		for _, f := range []string{"users.csv", "orgs.csv"} {
			if name == "one.csv" && f == "orgs.csv" {
				if _, err := o.Create(f); err == nil {
					t.Errorf("a file output took a second file")
				}
				continue
			}
			w, err := o.Create(f)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, "sourcedId\n") //nolint:errcheck // checked by Close
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if err := o.Commit(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, p := range []string{"one.csv", "out.zip", "folder/users.csv", "folder/orgs.csv"} {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want a regular file 0600", p, fi.Mode())
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "folder")); fi.Mode().Perm() != 0o700 {
		t.Errorf("the folder is %v, want 0700", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"folder", "one.csv", "out.zip"}) {
		t.Errorf("the folder holds %v", got)
	}
}

// Abort removes every temporary and publishes nothing.
func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Output{NewFile(filepath.Join(dir, "a.csv")), NewDir(dir), NewZip(filepath.Join(dir, "b.zip"))} {
		w, err := o.Create("users.csv")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "sourcedId\n") //nolint:errcheck // aborted
		w.Close()
		o.Abort()
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("the folder holds %v after Abort", got)
	}
}
