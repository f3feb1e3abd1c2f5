//go:build unix

package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/config"
)

// TestLockRefusesSymlink: a lock file replaced by a symbolic link is not followed (the link's
// target, any file root can write, is neither created, truncated nor written).
func TestLockRefusesSymlink(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	l, err := s.Lock("dest")
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	lock := filepath.Join(s.Dir, "locks", Key("dest")+".lock")
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock("dest")
	if !errors.Is(err, config.ErrConfig) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Lock through a symlink: %v, want a strict-mode refusal", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Errorf("the link's target now holds %q", b)
	}
	// A link to a file that does not exist yet is not created either.
	os.Remove(lock) //nolint:errcheck
	ghost := filepath.Join(t.TempDir(), "ghost")
	if err := os.Symlink(ghost, lock); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock("dest"); err == nil {
		t.Fatal("Lock followed a dangling link")
	}
	if _, err := os.Lstat(ghost); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dangling link's target was created: %v", err)
	}
}

// TestStateDirModes: a state folder (or its locks folder) others can write is refused with the
// chmod that fixes it; a lock file others can write too.
func TestStateDirModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s := &Store{Dir: dir}
	l, err := s.Lock("dest")
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("state folder created %v, want 0700", fi.Mode().Perm())
	}
	for _, tt := range []struct {
		path string
		mode os.FileMode
		hint string
	}{
		{dir, 0o777, "chmod 700 " + dir},
		{filepath.Join(dir, "locks"), 0o770, "chmod 700 " + filepath.Join(dir, "locks")},
		{filepath.Join(dir, "locks", Key("dest")+".lock"), 0o666, "chmod 600 "},
	} {
		if err := os.Chmod(tt.path, tt.mode); err != nil {
			t.Fatal(err)
		}
		l, err := s.Lock("dest")
		if err == nil {
			l.Unlock()
		}
		var ie *config.InsecureError
		if !errors.As(err, &ie) || !strings.Contains(ie.Hint(), tt.hint) {
			t.Errorf("%s %04o: Lock = %v, want a refusal with hint %q", tt.path, tt.mode, err, tt.hint)
		}
		restore := os.FileMode(0o700)
		if strings.HasSuffix(tt.path, ".lock") {
			restore = 0o600
		}
		os.Chmod(tt.path, restore) //nolint:errcheck
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		_, err := s.Lock("dest")
		if !errors.Is(err, config.ErrConfig) || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("state folder owned by another user: Lock = %v", err)
		}
	}
}
