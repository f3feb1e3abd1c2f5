package source

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zeros is an endless stream of NUL bytes (/dev/zero piped in).
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// tmpLeft counts the spool files left in the temporary folder.
func tmpLeft(t *testing.T) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(os.TempDir(), "rostersync-stdin-*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// An endless stream of NUL bytes on stdin is refused at once, not copied until the disk is full.
func TestOpenStdinZerosRefused(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	in, err := Open(context.Background(), "-", zeros{})
	if err == nil {
		in.Close()
		t.Fatal("an endless stream of NUL bytes was opened")
	}
	if !strings.Contains(err.Error(), "NUL") {
		t.Errorf("error %q does not say why", err)
	}
	if n := tmpLeft(t); n != 0 {
		t.Errorf("%d spool files left", n)
	}
}

// A stream past MaxStream is refused with the limit and what to do; one within it is read.
func TestOpenStdinLimit(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	defer func(n int64) { MaxStream = n }(MaxStream)
	MaxStream = 1 << 20
	row := "a@example.org,pw,A,B,1,u1\n"
	big := io.MultiReader(strings.NewReader("email,password,first_name,last_name,person_number,unique_id\n"),
		strings.NewReader(strings.Repeat(row, (2<<20)/len(row))))
	_, err := Open(context.Background(), "-", big)
	if err == nil || !strings.Contains(err.Error(), "1 MiB") || !strings.Contains(err.Error(), "file") {
		t.Fatalf("a stream over the limit: error %v", err)
	}
	if n := tmpLeft(t); n != 0 {
		t.Errorf("%d spool files left", n)
	}
	in, err := Open(context.Background(), "-", strings.NewReader("email,password\n"+row))
	if err != nil {
		t.Fatalf("a small stream: %v", err)
	}
	in.Close()
}
