package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		if !errors.Is(err, context.Canceled) || exitCode(err, nil) != ExitInterrupted {
			t.Errorf("err %v (exit %d), want context.Canceled, exit %d", err, exitCode(err, nil), ExitInterrupted)
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
