package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// run runs rostersync with env and returns its exit code, stdout and stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	streams, _, out, errOut := iostreams.Test()
	deps := &Deps{IO: streams, Formats: formats.Registry(), Getenv: func(k string) string { return env[k] }}
	code := Run(context.Background(), deps, args)
	return code, out.String(), errOut.String()
}

// server is what the end-to-end tests need from an SFTP server.
type server struct {
	url        func(string) string
	path       func(string) string
	knownHosts string
	key        string
	hostport   string
	hostKey    ssh.PublicKey
}

func servers(t *testing.T) map[string]func(*testing.T) server {
	return map[string]func(*testing.T) server{
		"in-process": func(t *testing.T) server {
			s := sftptest.New(t)
			return server{url: s.URL, path: s.Path, knownHosts: s.KnownHostsPath(), key: s.ClientKeyPath(), hostport: s.Addr(), hostKey: s.HostKey()}
		},
		"openssh-sshd": func(t *testing.T) server {
			d := sftptest.NewSSHD(t) // skips without sshd, fails under ROSTERSYNC_TEST_SSHD=1
			return server{url: d.URL, path: d.Path, knownHosts: d.KnownHostsPath, key: d.ClientKeyPath, hostport: d.Addr(), hostKey: d.HostKey}
		},
	}
}

func TestPushSyncOverSFTP(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			state := t.TempDir()
			env := map[string]string{"XDG_STATE_HOME": state, "HOME": t.TempDir()}
			if err := os.MkdirAll(srv.path("inbox"), 0o755); err != nil {
				t.Fatal(err)
			}
			conn := []string{"--known-hosts", srv.knownHosts, "--identity-file", srv.key}
			// push: validated, published atomically, recorded.
			code, _, errOut := run(t, env, append([]string{"push", "--to", srv.url("inbox/"), filepath.Join(examples, "capti", "roster.csv")}, conn...)...)
			if code != 0 {
				t.Fatalf("push: exit %d: %s", code, errOut)
			}
			want, _ := os.ReadFile(filepath.Join(examples, "capti", "roster.csv"))
			got, err := os.ReadFile(srv.path("inbox/roster.csv"))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("the server holds %d bytes (%v), want the %d sent", len(got), err, len(want))
			}
			// A second push replaces the file (plain SFTP rename fails over a file on OpenSSH).
			if code, _, errOut := run(t, env, append([]string{"push", "--to", srv.url("inbox/"), filepath.Join(examples, "capti", "roster.csv")}, conn...)...); code != 0 {
				t.Fatalf("second push: exit %d: %s", code, errOut)
			}
			// The guard refuses a truncated file and the server keeps the old one.
			small := filepath.Join(t.TempDir(), "roster.csv")
			lines := strings.SplitAfter(string(want), "\n")
			os.WriteFile(small, []byte(strings.Join(lines[:4], "")), 0o600) //nolint:errcheck
			code, _, errOut = run(t, env, append([]string{"push", "--to", srv.url("inbox/"), small}, conn...)...)
			if code != 1 || !strings.Contains(errOut, "error guard") {
				t.Fatalf("truncated push: exit %d, want 1 with a guard refusal: %s", code, errOut)
			}
			if got, _ := os.ReadFile(srv.path("inbox/roster.csv")); !bytes.Equal(got, want) {
				t.Fatal("a refused push changed the server's file")
			}
			entries, _ := os.ReadDir(srv.path("inbox"))
			for _, e := range entries {
				if e.Name() != "roster.csv" {
					t.Errorf("left on the server: %s", e.Name())
				}
			}
			// An unknown host key: exit 4 before any login, with the known-hosts hint.
			empty := filepath.Join(t.TempDir(), "known_hosts")
			code, _, errOut = run(t, env, "push", "--to", srv.url("inbox/"), "--known-hosts", empty, "--identity-file", srv.key, filepath.Join(examples, "capti", "roster.csv"))
			if code != 4 || !strings.Contains(errOut, "known-hosts add") {
				t.Fatalf("unknown host: exit %d, want 4 with a hint: %s", code, errOut)
			}
			// known-hosts add --yes writes the key; then the push is accepted by the host check.
			code, _, errOut = run(t, env, "known-hosts", "add", "--yes", "--known-hosts", empty, srv.hostport)
			if code != 0 || !strings.Contains(errOut, "SHA256:") {
				t.Fatalf("known-hosts add: exit %d: %s", code, errOut)
			}
			if code, _, errOut := run(t, env, "push", "--to", srv.url("inbox/"), "--known-hosts", empty, "--identity-file", srv.key, "--dry-run", filepath.Join(examples, "capti", "roster.csv")); code != 0 {
				t.Fatalf("dry-run after known-hosts add: exit %d: %s", code, errOut)
			}

			// sync: pull a OneRoster zip from the server, convert to students.csv, publish back.
			zip := filepath.Join(t.TempDir(), "export-2026-11-23.zip")
			if code, _, errOut := run(t, env, "convert", "--to", "oneroster", filepath.Join(examples, "oneroster"), zip); code != 0 {
				t.Fatalf("convert: %s", errOut)
			}
			os.MkdirAll(srv.path("drop"), 0o755)   //nolint:errcheck
			os.MkdirAll(srv.path("upload"), 0o755) //nolint:errcheck
			data, _ := os.ReadFile(zip)
			os.WriteFile(srv.path("drop/old.txt"), []byte("not a roster"), 0o644) //nolint:errcheck
			os.WriteFile(srv.path("drop/export-2026-11-23.zip"), data, 0o644)     //nolint:errcheck
			cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
			os.WriteFile(cfg, []byte(`profiles:
  nightly:
    source: `+srv.url("drop/")+`
    files: ["*.zip"]
    newest: true
    to: students
    destination: `+srv.url("upload/")+`
    identity_file: `+srv.key+`
    known_hosts: `+srv.knownHosts+`
`), 0o600) //nolint:errcheck
			code, _, errOut = run(t, env, "--config", cfg, "sync", "--log-format", "json")
			if code != 0 {
				t.Fatalf("sync: exit %d: %s", code, errOut)
			}
			got, err = os.ReadFile(srv.path("upload/students.csv"))
			want, _ = os.ReadFile(filepath.Join(examples, "students", "students.csv"))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("sync published %d bytes (%v), want the example students.csv", len(got), err)
			}
			if strings.Contains(errOut, "Nadia") || !strings.Contains(errOut, `"step":"pull"`) {
				t.Errorf("JSON log: %s", errOut)
			}

			// validate and diff take sftp:// inputs, with the --profile's connection settings.
			code, out, errOut := run(t, env, "--config", cfg, "--profile", "nightly", "validate", "-o", "text", srv.url("upload/students.csv"))
			if code != 0 || !strings.Contains(errOut, srv.url("upload/students.csv")+": students, 1 file, 37 rows: 0 errors") {
				t.Errorf("validate sftp://: exit %d: %s%s", code, out, errOut)
			}
			code, out, errOut = run(t, env, "--config", cfg, "--profile", "nightly", "validate", srv.url("drop/export-2026-11-23.zip"))
			if code != 0 || !strings.Contains(errOut, "export-2026-11-23.zip: oneroster 1.1, 7 files, 251 rows: 0 errors") {
				t.Errorf("validate a remote zip: exit %d: %s%s", code, out, errOut)
			}
			code, out, errOut = run(t, env, "--config", cfg, "--profile", "nightly", "diff", "--summary", srv.url("upload/students.csv"), filepath.Join(examples, "students", "students.csv"))
			if code != 0 {
				t.Errorf("diff sftp:// against the same file: exit %d: %s%s", code, out, errOut)
			}
		})
	}
}

// A destination URL without the trailing / names the remote file (SPEC §5): the one input is
// sent under that name into the folder above, with the folder's lock and guard history (a push
// to the folder URL with the same name is compared with it). Two inputs, or a folder of files,
// are refused (exit 2), and so is a name the server holds as a folder; nothing is sent then.
func TestPushDestinationURLNamesAFile(t *testing.T) {
	srv := servers(t)["in-process"](t)
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	if err := os.MkdirAll(srv.path("inbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	conn := []string{"--known-hosts", srv.knownHosts, "--identity-file", srv.key}
	roster, err := filepath.Abs(filepath.Join(examples, "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, env, append([]string{"push", "--to", srv.url("inbox/nightly.csv"), roster}, conn...)...)
	if code != 0 {
		t.Fatalf("push --to …/inbox/nightly.csv: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(srv.path("inbox/nightly.csv")); err != nil {
		t.Fatalf("the roster is not at inbox/nightly.csv: %v", err)
	}
	if _, err := os.Stat(srv.path("inbox/roster.csv")); err == nil {
		t.Error("the roster was also sent under its own name")
	}
	code, out, errOut := run(t, env, "history", srv.url("inbox/"))
	if code != 0 || !strings.Contains(out, "nightly.csv") {
		t.Errorf("history …/inbox/: exit %d, want the push of nightly.csv: %s%s", code, out, errOut)
	}
	// The same destination and name by the folder URL: the guard compares with that push.
	one := filepath.Join(t.TempDir(), "one.csv")
	b, _ := os.ReadFile(roster)
	lines := strings.SplitAfterN(string(b), "\n", 3)
	os.WriteFile(one, []byte(lines[0]+lines[1]), 0o600) //nolint:errcheck
	code, _, errOut = run(t, env, append([]string{"push", "--to", srv.url("inbox/"), "--as", "nightly.csv", one}, conn...)...)
	if code != 1 || !strings.Contains(errOut, "guard") {
		t.Errorf("a 1-row push to …/inbox/ as nightly.csv: exit %d, want the guard's refusal: %s", code, errOut)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"two inputs", []string{srv.url("inbox/two.csv"), roster, roster}},
		{"a folder of files", []string{srv.url("inbox/pkg.csv"), filepath.Join(examples, "oneroster")}},
		{"a name and --as", []string{srv.url("inbox/a.csv"), "--as", "b.csv", roster}},
	} {
		code, _, errOut = run(t, env, append(append([]string{"push", "--to"}, tc.args...), conn...)...)
		if code != 2 || !strings.Contains(errOut, "hint:") {
			t.Errorf("%s: exit %d, want 2 with a hint: %s", tc.name, code, errOut)
		}
	}
	code, _, errOut = run(t, env, append([]string{"push", "--to", srv.url("inbox"), roster}, conn...)...)
	if code != 4 || !strings.Contains(errOut, "is a folder on the server") {
		t.Errorf("push --to …/inbox, a folder on the server: exit %d, want 4 saying so: %s", code, errOut)
	}
	if st, err := os.Stat(srv.path("inbox")); err != nil || !st.IsDir() {
		t.Errorf("inbox is no longer a folder: %v", err)
	}
	entries, _ := os.ReadDir(srv.path("inbox"))
	for _, e := range entries {
		if e.Name() != "nightly.csv" {
			t.Errorf("inbox holds %s", e.Name())
		}
	}
	// stdin takes its name from the URL, without --as.
	streams, in, _, errBuf := iostreams.Test()
	in.Write(b) //nolint:errcheck
	deps := &Deps{IO: streams, Formats: formats.Registry(), Getenv: func(k string) string { return env[k] }}
	if code := Run(context.Background(), deps, append([]string{"push", "--to", srv.url("inbox/piped.csv"), "--format", "capti", "-"}, conn...)); code != 0 {
		t.Errorf("push - --to …/inbox/piped.csv: exit %d: %s", code, errBuf)
	}
	if got, err := os.ReadFile(srv.path("inbox/piped.csv")); err != nil || string(got) != string(b) {
		t.Errorf("inbox/piped.csv is not stdin's bytes: %v", err)
	}
	// A profile whose destination names the file is loaded and sent the same way.
	cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  nightly:\n    source: "+roster+"\n    destination: "+srv.url("inbox/nightly.csv")+ //nolint:errcheck
		"\n    identity_file: "+srv.key+"\n    known_hosts: "+srv.knownHosts+"\n"), 0o600)
	code, _, errOut = run(t, env, "--config", cfg, "sync")
	if code != 0 {
		t.Errorf("sync of a profile whose destination is …/inbox/nightly.csv: exit %d: %s", code, errOut)
	}
}

// A destination folder missing on the server is named as such, with what to do (exit 4), not
// as a failed "realpath".
func TestPushDestinationFolderMissing(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
			code, _, errOut := run(t, env, "push", "--to", srv.url("missing/"), "--known-hosts", srv.knownHosts,
				"--identity-file", srv.key, filepath.Join(examples, "capti", "roster.csv"))
			if code != 4 || !strings.Contains(errOut, "does not exist on the server") || !strings.Contains(errOut, "hint: create it") {
				t.Errorf("exit %d, want 4 naming the missing folder with a hint: %s", code, errOut)
			}
		})
	}
}
