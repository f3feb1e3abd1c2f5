package csvio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type memDest struct {
	files  map[string]*bytes.Buffer
	closed int
	fail   error // returned by writes
}

type memFile struct {
	d *memDest
	b *bytes.Buffer
}

func (f memFile) Write(p []byte) (int, error) {
	if f.d.fail != nil {
		return 0, f.d.fail
	}
	return f.b.Write(p)
}
func (f memFile) Close() error { f.d.closed++; return nil }

func (d *memDest) Create(name string) (io.WriteCloser, error) {
	b := &bytes.Buffer{}
	d.files[name] = b
	return memFile{d, b}, nil
}

// WriteFile writes the header and the rows with RFC 4180 quoting and LF endings, names the
// file in a write error, passes an error of rows through as it is, and closes the file always.
func TestWriteFile(t *testing.T) {
	d := &memDest{files: map[string]*bytes.Buffer{}}
	err := WriteFile(d, "users.csv", []string{"id", "name"}, func(write func([]string) error) error {
		if err := write([]string{"1", "Ann, \"A\""}); err != nil {
			return err
		}
		return write([]string{"2", "line\nbreak"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.files["users.csv"].String(), "id,name\n1,\"Ann, \"\"A\"\"\"\n2,\"line\nbreak\"\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}

	stop := errors.New("interrupted")
	err = WriteFile(d, "orgs.csv", []string{"id"}, func(func([]string) error) error { return stop })
	if err != stop {
		t.Errorf("rows' own error came back as %v", err)
	}

	d.fail = errors.New("disk full")
	err = WriteFile(d, "big.csv", []string{"id"}, func(write func([]string) error) error {
		return write([]string{strings.Repeat("x", 300<<10)}) // past the buffer: the write fails
	})
	if err == nil || !errors.Is(err, d.fail) || !strings.HasPrefix(err.Error(), "write big.csv: ") {
		t.Errorf("err = %v, want a write error naming big.csv", err)
	}
	if d.closed != 3 {
		t.Errorf("%d files closed, want 3", d.closed)
	}
}
