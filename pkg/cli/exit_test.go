package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/source"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// TestExitCodeOfEachPackage walks errors as each package returns them (most made by the
// package itself, not built here) through the one mapping, exitCode: the class the package
// gave decides, whatever wraps it, and a set-up error wins over any class around it.
func TestExitCodeOfEachPackage(t *testing.T) {
	dir := t.TempDir()
	reg := formats.Registry()

	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("profiles:\n  x:\n    gaurd: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, configErr := config.Load(config.LoadOptions{Path: badConfig, Formats: reg, Getenv: func(string) string { return "" }})
	insecure := filepath.Join(dir, "open.yaml")
	if err := os.WriteFile(insecure, []byte("profiles: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(insecure, 0o666) //nolint:errcheck
	_, insecureErr := config.Load(config.LoadOptions{Path: insecure, Formats: reg, Getenv: func(string) string { return "" }})
	_, urlErr := transport.ParseURL("sftp://user:secret@host/x")
	_, lookupErr := reg.Lookup("csv2")
	_, detectErr := reg.Detect(os.DirFS(dir))
	settingErr := &format.SettingError{Err: errors.New("unknown --capti-id x"), Hint: "use --capti-id email"}
	_, openErr := source.Open(t.Context(), filepath.Join(dir, "missing.csv"), nil)
	st := &state.Store{Dir: filepath.Join(dir, "state")}
	lock, err := st.Lock("dest")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	_, lockedErr := st.Lock("dest")
	keyDir := filepath.Join(dir, "keyed")
	if _, err := snapshot.LoadKey(keyDir); err != nil {
		t.Fatal(err)
	}
	keys, _ := filepath.Glob(filepath.Join(keyDir, "*"))
	for _, k := range keys {
		os.Chmod(k, 0o644) //nolint:errcheck
	}
	_, keyErr := snapshot.LoadKey(keyDir)
	remote := &transport.Error{Op: "connect", Addr: "host:22", Err: errors.New("connection refused")}
	hostKey := &transport.HostKeyError{Host: "host", Addr: "host:22", KeyType: "ssh-ed25519", Fingerprint: "SHA256:x", KnownHosts: "kh"}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()

	for _, tc := range []struct {
		name  string
		err   error
		code  int
		hints []string
	}{
		{"nil", nil, ExitOK, nil},
		{"findings", errFindings, ExitFindings, nil},
		{"refusal", refusal(errors.New("x.zip: refused")), ExitFindings, nil},
		{"usage", usageError(errors.New("bad flag"), "see --help"), ExitUsage, []string{"see --help"}},
		{"config file", configErr, ExitUsage, nil},
		{"insecure config file", insecureErr, ExitUsage, []string{"chmod 600 " + insecure}},
		{"config wrapped as local", fmt.Errorf("held run: %w", configErr), ExitUsage, nil},
		{"transport setting", urlErr, ExitUsage, nil},
		{"transport setting inside a remote error", &transport.Error{Op: "connect", Addr: "h:22", Err: urlErr}, ExitUsage, nil},
		{"unknown format", lookupErr, ExitUsage, nil},
		{"format setting", settingErr, ExitUsage, []string{"use --capti-id email"}},
		{"insecure snapshot key", keyErr, ExitUsage, nil},
		{"undetected", detectErr, ExitLocal, nil},
		{"unreadable input", openErr, ExitLocal, nil},
		{"unclassed", errors.New("disk full"), ExitLocal, nil},
		{"path error", &fs.PathError{Op: "write", Path: "out", Err: errors.New("no space")}, ExitLocal, nil},
		{"remote", remote, ExitRemote, nil},
		{"host key", fmt.Errorf("push: %w", hostKey), ExitRemote, []string{hostKey.Hint()}},
		{"download", &source.RemoteError{Err: errors.New("no files in sftp://h/x/")}, ExitRemote, nil},
		{"locked", lockedErr, ExitLocked, nil},
		{"publish remote", &publish.Error{Kind: publish.KindRemote, Err: errors.New("upload failed")}, ExitRemote, nil},
		{"publish locked", &publish.Error{Kind: publish.KindLocked, Err: lockedErr, Hints: []string{"try again"}}, ExitLocked, []string{"try again"}},
		{"publish refused", &publish.Error{Kind: publish.KindRefused, Err: publish.ErrRefused}, ExitFindings, nil},
		{"publish stale", &publish.Error{Kind: publish.KindStale, Err: errors.New("old")}, ExitFindings, nil},
		{"publish usage", &publish.Error{Kind: publish.KindUsage, Err: errors.New("two inputs")}, ExitUsage, nil},
		{"publish local", &publish.Error{Kind: publish.KindLocal, Err: errors.New("state")}, ExitLocal, nil},
		{"publish keeps the dialer's class", &publish.Error{Kind: publish.KindRemote, Err: usageError(errors.New("--retries 99"))}, ExitUsage, nil},
		{"publish keeps the checker's class", &publish.Error{Kind: publish.KindLocal, Err: errFindings}, ExitFindings, nil},
		{"interrupted", context.Canceled, ExitInterrupted, nil},
		{"interrupted by a signal", fmt.Errorf("connect h:22: %w", context.Cause(stopped)), ExitInterrupted, nil},
		{"interrupted inside a publish error", &publish.Error{Kind: publish.KindRemote, Err: fmt.Errorf("list: %w", context.Canceled)}, ExitInterrupted, nil},
	} {
		if tc.err == nil && tc.code != ExitOK {
			t.Fatalf("%s: the package returned no error", tc.name)
		}
		if got := exitCode(tc.err); got != tc.code {
			t.Errorf("%s: %v: exit %d, want %d", tc.name, tc.err, got, tc.code)
		}
		if got := hintsOf(tc.err); tc.hints != nil && !slices.Equal(got, tc.hints) {
			t.Errorf("%s: hints %q, want %q", tc.name, got, tc.hints)
		}
	}
}

// TestInterruptedConnect: an interrupt while the SSH connection is still being made ends the
// run as any interrupt does (exit 130, "interrupted"), not as a remote failure (exit 4), in
// every command that connects.
func TestInterruptedConnect(t *testing.T) {
	silent := sftptest.Silent(t) // takes the connection and never says a word
	url := "sftp://u@" + silent.Addr + "/in/"
	roster := filepath.Join(examples, "capti", "roster.csv")
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
	if err := os.WriteFile(cfg, []byte("profiles:\n  vendor:\n    password_env: PW\n    known_hosts: "+knownHosts+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	profile := []string{"--config", cfg, "--profile", "vendor"}
	for _, args := range [][]string{
		{"push", "--state-dir", t.TempDir(), "--known-hosts", knownHosts, "--password-env", "PW", "--to", url, roster},
		append([]string{"validate", url + "roster.csv"}, profile...),
		append([]string{"diff", roster, url + "roster.csv"}, profile...),
		{"known-hosts", "add", "--yes", "--known-hosts", knownHosts, silent.Addr},
	} {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(300*time.Millisecond, cancel)
		streams, _, _, errOut := iostreams.Test()
		env := map[string]string{"HOME": t.TempDir(), "PW": "secret"}
		deps := &Deps{IO: streams, Formats: formats.Registry(), Getenv: func(k string) string { return env[k] }}
		code := Run(ctx, deps, args)
		cancel()
		if code != ExitInterrupted || !strings.Contains(errOut.String(), "rostersync: interrupted") {
			t.Errorf("%s: exit %d, want %d: %s", args[0], code, ExitInterrupted, errOut)
		}
	}
}
