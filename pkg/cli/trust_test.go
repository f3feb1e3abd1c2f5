package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// TestLocalSetupErrorsExit2: a key file others can read, no login method at all, a malformed
// known_hosts and a missing identity file are problems on this machine (exit 2, usage or
// configuration), not remote ones (exit 4), and no connection is needed to find them.
func TestLocalSetupErrorsExit2(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	roster := filepath.Join(examples, "capti", "roster.csv")
	dir := t.TempDir()
	key := filepath.Join(dir, "id")
	data, err := os.ReadFile(srv.ClientKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	badKH := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(badKH, []byte("[127.0.0.1]:22 ssh-ed25519 not-base64!!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	to := srv.URL("")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"key readable by others", []string{"--known-hosts", srv.KnownHostsPath(), "--identity-file", key}, "chmod 600"},
		{"missing key", []string{"--known-hosts", srv.KnownHostsPath(), "--identity-file", filepath.Join(dir, "nope")}, "identity file"},
		{"no login method", []string{"--known-hosts", srv.KnownHostsPath()}, "no login method"},
		{"malformed known_hosts", []string{"--known-hosts", badKH, "--identity-file", srv.ClientKeyPath()}, "known_hosts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
			args := append([]string{"push", "--retries", "0", "--to", to}, tt.args...)
			code, _, errOut := run(t, env, append(args, roster)...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, want 2 naming %q: %s", code, tt.want, errOut)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections for local set-up errors, want none", n)
	}
}

// TestURLPasswordNeverPrinted: a password in an sftp:// URL is refused without repeating any
// part of it, whatever characters it holds.
func TestURLPasswordNeverPrinted(t *testing.T) {
	roster := filepath.Join(examples, "capti", "roster.csv")
	for _, url := range []string{
		"sftp://user:pQ/xZ@host/in/",
		"sftp://user:sEcR%zz/eT9@host/in/",
		"sftp://user:4831/9927@host/",
		"sftp://user:s3cr3t@host/in/",
		"sftp://user:pQ[xZ9@host/in/",
	} {
		env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
		code, out, errOut := run(t, env, "push", "--to", url, roster)
		pw := url[len("sftp://user:"):strings.LastIndexByte(url, '@')]
		for _, frag := range fragments(pw) {
			if strings.Contains(out+errOut, frag) {
				t.Errorf("%s: the output shows %q:\n%s%s", url, frag, out, errOut)
			}
		}
		if code != ExitUsage {
			t.Errorf("%s: exit %d, want 2: %s", url, code, errOut)
		}
	}
}

// fragments are the pieces of a password worth not printing: each run of 2+ characters
// between separators.
func fragments(pw string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(pw, func(r rune) bool { return strings.ContainsRune("/%[", r) }) {
		if len(f) >= 2 {
			out = append(out, f)
		}
	}
	return out
}
