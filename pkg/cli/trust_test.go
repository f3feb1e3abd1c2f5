package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/iostreams"
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

// bigCapti writes a valid Capti roster of n students.
func bigCapti(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("email,password,first_name,last_name,person_number,unique_id\n")
	for i := range n {
		fmt.Fprintf(&b, "student%d@example.org,Pw%08dxyz,Ann,Lee,%d,stu%d\n", i, i, 1000000+i, i)
	}
	p := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPushInterruptedOverSFTP: an interrupted push (the context Ctrl-C, SIGTERM and SIGHUP
// cancel) exits 130 and leaves no .part on the server, though the upload was stuck.
func TestPushInterruptedOverSFTP(t *testing.T) {
	srv := sftptest.New(t)
	if err := os.MkdirAll(srv.Path("inbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	roster := bigCapti(t, 60000)
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	srv.StallAfter(256 << 10) // the upload hangs with a .part on the server
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan struct{})
	var code int
	var errOut string
	go func() {
		defer close(done)
		streams, _, _, eo := iostreams.Test()
		deps := &Deps{IO: streams, Formats: formats.Registry(), Getenv: func(k string) string { return env[k] }}
		code = Run(ctx, deps, []string{"push", "--to", srv.URL("inbox/"), "--known-hosts", srv.KnownHostsPath(),
			"--identity-file", srv.ClientKeyPath(), "--timeout", "20s", roster})
		errOut = eo.String()
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		entries, _ := os.ReadDir(srv.Path("inbox"))
		if len(entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no .part appeared on the server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.StallNew(-1) // new sessions work again (the cleanup's); the stalled upload stays hung
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("push did not stop after the interruption")
	}
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130: %s", code, errOut)
	}
	if entries, _ := os.ReadDir(srv.Path("inbox")); len(entries) != 0 {
		t.Errorf("the server holds %v after the interrupted push", entries[0].Name())
	}
}

// TestPushTimeoutBoundsHandshake: --timeout bounds the SSH handshake, not a fixed 30 s: a
// server that accepts the connection and never speaks fails the push (exit 4) in time.
func TestPushTimeoutBoundsHandshake(t *testing.T) {
	silent := sftptest.Silent(t)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Second)
	defer cancel()
	streams, _, _, eo := iostreams.Test()
	deps := &Deps{IO: streams, Formats: formats.Registry(), Getenv: func(k string) string { return env[k] }}
	code := Run(ctx, deps, []string{"push", "--to", "sftp://u@" + silent.Addr + "/in/", "--password-file", pw,
		"--known-hosts", filepath.Join(t.TempDir(), "kh"), "--timeout", "400ms", "--retries", "0", filepath.Join(examples, "capti", "roster.csv")})
	if code != ExitRemote || !strings.Contains(eo.String(), "within 400ms") {
		t.Fatalf("exit %d, want 4 with a handshake timeout of 400ms: %s", code, eo.String())
	}
}

// TestConfigURLPasswordNeverPrinted: a profile URL whose password holds a "/" (which a URL
// parser takes for a port and a path) is refused as a password at load, never echoed.
func TestConfigURLPasswordNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "rostersync.yaml")
	if err := os.WriteFile(cfg, []byte("profiles:\n  nightly:\n    source: "+filepath.Join(examples, "capti", "roster.csv")+
		"\n    destination: sftp://user:QzXpw/VbKty@host/in/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	for _, args := range [][]string{{"--config", cfg, "sync", "--log-format", "json"}, {"--config", cfg, "config", "show"}} {
		code, out, errOut := run(t, env, args...)
		if strings.Contains(out+errOut, "QzXpw") || strings.Contains(out+errOut, "VbKty") {
			t.Errorf("%v shows the password:\n%s%s", args, out, errOut)
		}
		if code != ExitUsage || !strings.Contains(errOut, "password") {
			t.Errorf("%v: exit %d, want 2 naming the password: %s", args, code, errOut)
		}
	}
}
