package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/roster"
)

// An interrupt while stdin is still open stops the wait (exit 130), and leaves no spooled file.
func TestStdinInterrupted(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	pr, pw := io.Pipe() // a writer that never finishes: a cron job's producer that hangs
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		pw.Write([]byte("email,password\n")) //nolint:errcheck // the reader may be gone
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := openInput(ctx, "-", pr)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || exitCode(err) != ExitInterrupted {
			t.Errorf("err %v (exit %d), want context.Canceled, exit %d", err, exitCode(err), ExitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("openInput still waits for stdin after the interrupt")
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "rostersync-stdin-*")); len(left) > 0 {
		t.Errorf("spooled stdin left behind: %v", left)
	}
}

// Spooled stdin is private and removed when the input is closed.
func TestStdinSpoolPrivate(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	in, err := openInput(context.Background(), "-", strings.NewReader("a,b\n1,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "rostersync-stdin-*"))
	if len(left) != 1 {
		t.Fatalf("spooled files %v, want one", left)
	}
	if fi, err := os.Stat(left[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("spooled stdin mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if in.Single != "-" || in.Path != "-" {
		t.Errorf("stdin input named %q / %q, want -", in.Single, in.Path)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "rostersync-stdin-*")); len(left) > 0 {
		t.Errorf("spooled stdin left after Close: %v", left)
	}
}

// With several PATHs a problem names its input: a folder's (or the folder inside it that was
// read), a URL's (its "//" kept) or a lone file's folder's files joined to it, a zip's own
// problem by the zip's path; stdin's as they are.
func TestShownFile(t *testing.T) {
	dir := &ValidateResult{Path: "exports/night1", base: "exports/night1"}
	nested := &ValidateResult{Path: "unzipped", base: "unzipped/export"}
	url := &ValidateResult{Path: "sftp://sis.example.org/out/", base: "sftp://sis.example.org/out/"}
	zip := &ValidateResult{Path: "in/export.zip", base: "in/export.zip"}
	lone := &ValidateResult{Path: "in/users.csv", base: "in"}
	stdin := &ValidateResult{Path: "-"}
	results := []*ValidateResult{dir, nested, url, zip, lone, stdin}
	for _, c := range []struct {
		r    *ValidateResult
		file string
		want string
	}{
		{dir, "users.csv", "exports/night1/users.csv"},
		{url, "users.csv", "sftp://sis.example.org/out/users.csv"},
		{zip, "export.zip", "in/export.zip"},
		{zip, "users.csv", "in/export.zip/users.csv"},
		{nested, "users.csv", "unzipped/export/users.csv"},
		{lone, "in/users.csv", "in/users.csv"},
		{lone, "orgs.csv", "in/orgs.csv"},
		{stdin, "-", "-"},
		{stdin, "orgs.csv", "orgs.csv"},
	} {
		if got := shownFile(results, c.r, roster.Problem{File: c.file}); got != c.want {
			t.Errorf("%s in %s: %q, want %q", c.file, c.r.Path, got, c.want)
		}
	}
	if got := shownFile(results[:1], dir, roster.Problem{File: "users.csv"}); got != "users.csv" {
		t.Errorf("one PATH: %q, want the file alone", got)
	}
}

type closedPipe struct{}

func (closedPipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// A stdout reader that goes away (| head) ends the run with 141, as a shell reports it, and
// no error message.
func TestBrokenPipe(t *testing.T) {
	var errOut strings.Builder
	deps := &Deps{
		IO:      &iostreams.IOStreams{In: strings.NewReader(""), Out: &pipeWatch{w: closedPipe{}}, ErrOut: &errOut},
		Formats: formats.Registry(),
		Getenv:  func(string) string { return "" },
	}
	if code := Run(t.Context(), deps, []string{"convert", "--to", "capti", examples + "/oneroster"}); code != ExitBrokenPipe {
		t.Errorf("exit %d, want %d (stderr %q)", code, ExitBrokenPipe, errOut.String())
	}
	if strings.Contains(errOut.String(), "error") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// TestDeviceRefused: a device PATH (/dev/zero never ends) is refused at once with exit 3 by
// every command that reads one, instead of being copied until the disk is full.
func TestDeviceRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	for _, args := range [][]string{
		{"validate", "/dev/zero"},
		{"diff", "/dev/zero", "/dev/zero"},
		{"convert", "--to", "capti", "/dev/zero", filepath.Join(t.TempDir(), "out.csv")},
		{"push", "--to", t.TempDir(), "--state-dir", t.TempDir(), "--as", "roster.csv", "/dev/zero"},
	} {
		code, _, errOut := runCLI(t, nil, false, args...)
		if code != ExitLocal || !strings.Contains(errOut, "/dev/zero") || !strings.Contains(errOut, "not a") {
			t.Errorf("%v: exit %d, %q; want exit 3 saying /dev/zero is not a file", args, code, errOut)
		}
	}
}

// TestTimeoutAndRetriesBounded: a negative --timeout (no bound at all) and --retries outside
// 0–10 are usage errors, before anything is dialled.
func TestTimeoutAndRetriesBounded(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "capti", "roster.csv")
	for _, flag := range [][]string{{"--timeout", "-1s"}, {"--retries", "-1"}, {"--retries", "99999"}} {
		args := append([]string{"push", "--to", "sftp://u@127.0.0.1:1/in/", "--state-dir", t.TempDir()}, flag...)
		code, _, errOut := runCLI(t, nil, false, append(args, src)...)
		if code != ExitUsage || !strings.Contains(errOut, flag[0]) {
			t.Errorf("%v: exit %d, %q; want exit 2 naming %s", flag, code, errOut, flag[0])
		}
	}
}

// TestKnownHostsAddNoPassword: a user:password@host argument is a usage error that never
// repeats the password (it had been echoed in a DNS lookup error, exit 4).
func TestKnownHostsAddNoPassword(t *testing.T) {
	code, out, errOut := runCLI(t, nil, false, "known-hosts", "add", "--yes", "--known-hosts", filepath.Join(t.TempDir(), "kh"), "u:Hunter2@127.0.0.1:1")
	if code != ExitUsage || strings.Contains(out+errOut, "Hunter2") {
		t.Errorf("exit %d, %q %q; want exit 2 without the password", code, out, errOut)
	}
}

// TestHoldFlags: a refusal's hint names the --config and --state-dir the run was held under,
// quoted for a shell, so the hinted hold command finds it.
func TestHoldFlags(t *testing.T) {
	if got := holdFlags(&GlobalOptions{}, ""); got != "" {
		t.Errorf("no flags: %q", got)
	}
	got := holdFlags(&GlobalOptions{ConfigPath: "/etc/rs.yaml"}, "/var/lib/my state")
	if want := ` --config /etc/rs.yaml --state-dir '/var/lib/my state'`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRemoteNameControlCharacters: a remote name (--as) with a control character is refused
// (exit 2) before anything is sent; it would break the vendor's listing and our own output.
func TestRemoteNameControlCharacters(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "capti", "roster.csv")
	out := t.TempDir()
	code, _, errOut := runCLI(t, nil, false, "push", "--to", out, "--state-dir", t.TempDir(), "--as", "new\nline.csv", src)
	if code != ExitUsage || strings.Contains(errOut, "new\nline") {
		t.Errorf("exit %d, %q: want exit 2 with the name escaped", code, errOut)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("the destination holds %v", entries)
	}
}

// TestHistoryChecksStateFolder: history and hold trust the state folder as push does: one that
// others can write is refused with exit 2 and the chmod that fixes it.
func TestHistoryChecksStateFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"history", "--state-dir", dir}, {"hold", "list", "--state-dir", dir}} {
		code, _, errOut := runCLI(t, nil, false, args...)
		if code != ExitUsage || !strings.Contains(errOut, "chmod") {
			t.Errorf("%v: exit %d, %q; want exit 2 with a chmod hint", args, code, errOut)
		}
	}
}

// TestErrorMessageEscaped: an error that quotes a file name holding a terminal escape shows it
// escaped, like every text output (it had cleared the screen).
func TestErrorMessageEscaped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x\x1b[2Jy.csv")
	if err := os.WriteFile(path, []byte("no,format,here\n1,2,3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, nil, false, "validate", path)
	if code == 0 || strings.Contains(errOut, "\x1b") || !strings.Contains(errOut, `\x1b[2J`) {
		t.Errorf("exit %d, %q: want the escape shown as \\x1b", code, errOut)
	}
}
