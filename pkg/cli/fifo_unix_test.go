//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fifo makes a named pipe at path and writes data into it from another goroutine.
func fifo(t *testing.T, path, data string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(data) //nolint:errcheck // the reader checks what it got
		f.Close()
	}()
}

func readExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examples, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A PATH that is a named pipe is read once into a private file, like stdin: validate and
// push (under --as) both work, and no spooled file is left.
func TestNamedPipePaths(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	roster := readExample(t, "capti/roster.csv")

	p := filepath.Join(dir, "export")
	fifo(t, p, roster)
	code, _, errOut := runCLI(t, nil, false, "validate", p)
	if code != 0 || !strings.Contains(errOut, "capti, 1 file, 38 rows") {
		t.Errorf("validate of a pipe: exit %d, %q", code, errOut)
	}

	q := filepath.Join(dir, "export2")
	fifo(t, q, roster)
	out := filepath.Join(dir, "outbox")
	code, _, errOut = runCLI(t, nil, false, "push", "--state-dir", filepath.Join(dir, "state"), "--to", out, "--as", "roster.csv", q)
	if b, err := os.ReadFile(filepath.Join(out, "roster.csv")); code != 0 || err != nil || string(b) != roster {
		t.Errorf("push of a pipe: exit %d, %q, sent %d bytes (%v)", code, errOut, len(b), err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "rostersync-stdin-*")); len(left) > 0 {
		t.Errorf("spooled files left: %v", left)
	}
}

// A named pipe inside a package folder is left out: the read does not wait for a writer.
func TestNamedPipeInAFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(readExample(t, "capti/roster.csv")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "README"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, nil, false, "validate", dir)
		done <- code
	}()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("validate waits on the named pipe")
	}
}
