//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nobody is a user id that is neither the test's nor root.
const nobody = 65534

// asOther gives path to another user, which needs root (the tests run as root in CI).
func asOther(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	if err := os.Chown(path, nobody, nobody); err != nil {
		t.Fatal(err)
	}
}

func wantInsecure(t *testing.T, err error, reason, hint string) {
	t.Helper()
	var ie *InsecureError
	if !errors.As(err, &ie) || !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v, want an InsecureError", err)
	}
	if !strings.Contains(err.Error(), reason) || !strings.Contains(ie.Hint(), hint) {
		t.Fatalf("err %q hint %q, want %q and a hint with %q", err, ie.Hint(), reason, hint)
	}
}

// TestConfigOwnedByAnother: a config file someone else owns names commands that would run as
// the caller: refused, whether named by --config or found in the working directory.
func TestConfigOwnedByAnother(t *testing.T) {
	f := newFolders(t)
	p := writeFile(t, filepath.Join(f.root, "other.yaml"), "profiles:\n  p: {on_success: touch pwned}\n")
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	asOther(t, p)
	_, err := Load(f.opts(p, env()))
	wantInsecure(t, err, "owned by uid 65534", "chown ")

	// The implicit ./rostersync.yaml, 0644 and owned by another user in a sticky, world-writable
	// folder (/tmp): not loaded.
	tmp := filepath.Join(f.root, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	planted := writeFile(t, filepath.Join(tmp, "rostersync.yaml"), "profiles:\n  p: {on_success: touch pwned}\n")
	os.Chmod(planted, 0o644) //nolint:errcheck
	asOther(t, planted)
	opts := f.opts("", env())
	opts.WorkDir = tmp
	c, err := Load(opts)
	if err == nil {
		t.Fatalf("loaded %s with profiles %v", c.File, c.ProfileNames())
	}
	wantInsecure(t, err, "not by you", "chown ")
}

// TestConfigFolder: the folder holding the config file is checked too. A sticky
// world-writable folder is fine for a file the user owns; a plain world-writable one is not.
func TestConfigFolder(t *testing.T) {
	f := newFolders(t)
	dir := filepath.Join(f.root, "shared")
	p := writeFile(t, filepath.Join(dir, "rostersync.yaml"), profileOnly("p"))
	if err := os.Chmod(dir, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f.opts(p, env())); err != nil {
		t.Fatalf("a file of mine in a sticky folder: %v", err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := Load(f.opts(p, env()))
	wantInsecure(t, err, "folder", "chmod go-w "+dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	asOther(t, dir)
	_, err = Load(f.opts(p, env()))
	wantInsecure(t, err, "owned by uid 65534", "chown ")
}

// TestReadSecretFile: a password or passphrase file must be private, its folder too.
func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, filepath.Join(dir, "pw"), "hunter2\n")
	got, err := ReadSecretFile(p, "password file")
	if err != nil || string(got) != "hunter2\n" {
		t.Fatalf("ReadSecretFile = %q, %v", got, err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadSecretFile(p, "password file")
	wantInsecure(t, err, "readable by group or others", "chmod 600 "+p)
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	asOther(t, p)
	_, err = ReadSecretFile(p, "password file")
	wantInsecure(t, err, "owned by uid 65534", "chown ")
	_, err = ReadSecretFile(filepath.Join(dir, "missing"), "password file")
	if !errors.Is(err, ErrConfig) {
		t.Errorf("missing file: %v, want ErrConfig", err)
	}
}
