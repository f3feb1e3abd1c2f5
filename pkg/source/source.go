// Package source opens what a command reads into an fs.FS: a file, a folder, a zip (checked
// against the zip limits first), stdin or a named pipe (copied privately first, so they can be
// read twice), and sftp:// URLs (downloaded into a private folder). Formats read the fs.FS; they
// never open the operating system's files themselves.
package source

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/transport"
)

// Input is one PATH opened as a file system.
type Input struct {
	Path   string // as given
	FS     fs.FS
	Single string // the base name of a single-file input; "" for a directory or zip
	Dir    string // a directory input: the folder read (PATH, or the one folder inside it)
	Pre    []roster.Problem
	// Refused is set for a zip refused before reading (its problems are in Pre): there is
	// nothing to detect or read.
	Refused bool
	// File is a single file's FS (renamed by a format's Namer); nil for a folder or zip.
	File  *FileFS
	close func() error
}

// Close releases what the input holds (an open zip, a private copy or download).
func (in *Input) Close() error {
	if in.close != nil {
		return in.close()
	}
	return nil
}

// onClose runs f after what Close did before.
func (in *Input) onClose(f func() error) {
	inner := in.close
	in.close = func() error {
		if inner != nil {
			inner() //nolint:errcheck // f removes what is left
		}
		return f()
	}
}

// Open opens a file, a directory, a .zip or "-" (stdin, read from stdin). Stdin and named pipes
// are copied into a private temporary file first, so they can be read twice and may be zips. A
// zip is known by its first bytes, so a zip saved under another name is read as one. An
// interrupt (ctx) stops the wait for stdin or a pipe's writer and returns ctx.Err().
func Open(ctx context.Context, path string, stdin io.Reader) (*Input, error) {
	tmp, err := spoolStream(ctx, path, stdin)
	if err != nil {
		return nil, err
	}
	if tmp == "" {
		return OpenLocal(path, path)
	}
	in, err := OpenLocal(tmp, path)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	in.onClose(func() error { return os.Remove(tmp) })
	return in, nil
}

// spoolStream copies a PATH that can be read only once, and maybe only when a writer comes,
// into a private temporary file and returns its path: "-" (stdin), or a named pipe or socket
// (<(zcat export.csv.gz)). It returns "" for any other PATH, which is read in place.
func spoolStream(ctx context.Context, path string, stdin io.Reader) (string, error) {
	switch {
	case path == "-":
		return spool(ctx, "stdin", func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil })
	case IsStream(path):
		return spool(ctx, path, func() (io.ReadCloser, error) { return os.Open(path) })
	}
	return "", nil
}

// IsStream reports whether PATH is read once, like stdin: "-", or a named pipe or socket. A
// device is not (/dev/zero never ends): Open refuses it.
func IsStream(path string) bool {
	const stream = fs.ModeNamedPipe | fs.ModeSocket
	st, err := os.Stat(path)
	return path == "-" || err == nil && st.Mode()&stream != 0
}

// OpenLocal opens the local file or folder at path, shown as shown (the PATH given: "-" for
// spooled stdin) in messages and problems.
func OpenLocal(path, shown string) (*Input, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", shown, UnwrapPath(err))
	}
	name := filepath.Base(shown)
	collect := func(in *Input) roster.Reporter {
		return roster.ReporterFunc(func(p roster.Problem) { in.Pre = append(in.Pre, p) })
	}
	if st.IsDir() {
		in := &Input{Path: shown}
		in.Dir, in.FS = OpenDir(path, name, collect(in))
		return in, nil
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a device, not a file (a device such as /dev/zero may never end): give a file, a folder, or - for stdin", shown)
	}
	// Read the start once: an unreadable file fails up front, and a zip shows itself.
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", shown, UnwrapPath(err))
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if strings.EqualFold(filepath.Ext(path), ".zip") || bytes.Equal(magic[:n], []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			f.Close()
			if errors.Is(err, zip.ErrFormat) {
				return nil, fmt.Errorf("read zip %s: it is not a zip that can be read: the directory a zip ends with is missing or damaged (a download or copy cut short, or a file renamed .zip?); export it again (%w)", shown, err)
			}
			return nil, fmt.Errorf("read zip %s: %w", shown, err)
		}
		in := &Input{Path: shown, close: f.Close}
		fsys, ok := OpenZip(zr, st.Size(), name, collect(in))
		in.FS, in.Refused = fsys, !ok
		if !ok {
			in.FS = emptyFS{}
		}
		return in, nil
	}
	f.Close()
	file := &FileFS{Name: name, Size: st.Size(), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
	return &Input{Path: shown, Single: name, FS: file.AsFS(), File: file}, nil
}

// MaxStream is the most rostersync copies from stdin or a named pipe (a variable for tests):
// 6 times a 1M-user OneRoster package. A file given by its path has no such limit.
var MaxStream int64 = 8 << 30

// zeroProbe is how much of a stream's start is looked at for NUL bytes only.
const zeroProbe = 64 << 10

// StreamReader limits what is copied from stdin or a named pipe, so an endless stream
// (/dev/zero piped in, a runaway command) cannot fill the disk: a start of only NUL bytes is
// refused at once, and more than MaxStream bytes with the limit and what to do instead.
func StreamReader(r io.Reader) io.Reader {
	return &streamReader{r: r, max: MaxStream}
}

type streamReader struct {
	r      io.Reader
	n, max int64
	zeros  bool // the stream held NUL bytes only so far
}

func (s *streamReader) Read(p []byte) (int, error) {
	if s.n >= s.max {
		// one more byte says whether the stream ends exactly at the limit
		var one [1]byte
		if k, _ := io.ReadFull(s.r, one[:]); k == 0 {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("more than %s, the most rostersync copies from stdin or a pipe: save it to a file and give its path", sizeText(s.max))
	}
	p = p[:min(int64(len(p)), s.max-s.n)]
	k, err := s.r.Read(p)
	if s.n < zeroProbe {
		if s.n == 0 {
			s.zeros = true
		}
		s.zeros = s.zeros && k > 0 && !slices.ContainsFunc(p[:k], func(b byte) bool { return b != 0 })
		if s.zeros && s.n+int64(k) >= zeroProbe {
			return 0, fmt.Errorf("only NUL bytes in its first %s: not a roster (is /dev/zero piped in?)", sizeText(zeroProbe))
		}
	}
	s.n += int64(k)
	return k, err
}

// sizeText is n in KiB, MiB or GiB, whichever is whole.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// spool copies what open gives (stdin, a named pipe) into a private temporary file (0600) and
// returns its path. Opening and reading happen on another goroutine, so an interrupt stops
// the wait for a writer or for more input.
func spool(ctx context.Context, what string, open func() (io.ReadCloser, error)) (string, error) {
	f, err := os.CreateTemp("", "rostersync-stdin-*")
	if err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() {
		r, err := open()
		if err == nil {
			_, err = io.Copy(f, StreamReader(r))
			r.Close()
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err() // the copy blocks until the process ends
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var errno syscall.Errno
		if errors.As(err, &errno) {
			err = errno // not the temporary file's name: "is a directory", "permission denied"
		}
		return "", fmt.Errorf("read %s: %w", what, err)
	}
	return f.Name(), nil
}

// UnwrapPath returns the reason of a *fs.PathError (its path is said otherwise), else err.
func UnwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Remote is what OpenURL needs of an SFTP connection (a *transport.Client).
type Remote interface {
	List(ctx context.Context, dir string) ([]transport.Entry, error)
	Fetch(ctx context.Context, remoteDir, name, localPath string) error
}

// RemoteError is a failure of the server or the connection while an sftp:// input was
// downloaded (or a folder URL that holds no files): errclass.Remote. Other errors of OpenURL
// are local.
type RemoteError struct{ Err error }

func (e *RemoteError) Error() string { return e.Err.Error() }
func (e *RemoteError) Unwrap() error { return e.Err }

// ErrorClass is errclass.Remote.
func (e *RemoteError) ErrorClass() errclass.Class { return errclass.Remote }

// OpenURL downloads the sftp:// input u (a file, or every regular file of a folder URL ending in
// /) into a private temporary folder (0700, files 0600, removed by Close) and opens it like a
// local PATH, shown as raw.
func OpenURL(ctx context.Context, cl Remote, u *transport.URL, raw string) (*Input, error) {
	dir, err := os.MkdirTemp("", "rostersync-in-*")
	if err != nil {
		return nil, err
	}
	cleanup := func() error { return os.RemoveAll(dir) }
	in, err := download(ctx, cl, u, dir)
	if err != nil {
		cleanup()
		return nil, err
	}
	in.onClose(cleanup)
	in.Path = raw
	return in, nil
}

func download(ctx context.Context, cl Remote, u *transport.URL, dir string) (*Input, error) {
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	local := dir
	if u.IsDir() {
		entries, err := cl.List(ctx, u.Dir())
		if err != nil {
			return nil, &RemoteError{err}
		}
		if len(entries) == 0 {
			return nil, &RemoteError{fmt.Errorf("%s holds no files", u.String())}
		}
		for _, e := range entries {
			if err := cl.Fetch(ctx, u.Dir(), e.Name, filepath.Join(dir, e.Name)); err != nil {
				return nil, &RemoteError{err}
			}
		}
	} else {
		local = filepath.Join(dir, u.Name())
		if err := cl.Fetch(ctx, u.Dir(), u.Name(), local); err != nil {
			return nil, &RemoteError{err}
		}
	}
	return Open(ctx, local, nil)
}
