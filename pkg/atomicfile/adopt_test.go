package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// A folder output adopts a finished file (moved, not copied): nothing appears at its final
// name before Commit, Abort removes it, and Commit publishes it whole, 0600.
func TestDirAdopt(t *testing.T) {
	for _, commit := range []bool{false, true} {
		work := t.TempDir()
		src := filepath.Join(work, "staged.csv")
		if err := os.WriteFile(src, []byte("a,b\n1,2\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(work, "out")
		o := NewDir(dir)
		a, ok := o.(interface{ Adopt(name, path string) error })
		if !ok {
			t.Fatal("a folder output cannot adopt a file")
		}
		if err := a.Adopt("users.csv", src); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(src); !os.IsNotExist(err) {
			t.Errorf("the adopted file is still at %s (copied, not moved)", src)
		}
		if _, err := os.Stat(filepath.Join(dir, "users.csv")); !os.IsNotExist(err) {
			t.Errorf("users.csv at its final name before Commit")
		}
		if _, err := o.Create("users.csv"); err == nil {
			t.Errorf("users.csv created after it was adopted")
		}
		if !commit {
			o.Abort()
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("left after Abort: %v", left)
			}
			continue
		}
		if err := o.Commit(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(dir, "users.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "users.csv")); string(b) != "a,b\n1,2\n" || fi.Mode().Perm() != 0o600 {
			t.Errorf("published %q, mode %v", b, fi.Mode().Perm())
		}
		if left, _ := os.ReadDir(dir); len(left) != 1 {
			t.Errorf("the folder holds %v", left)
		}
	}
}
