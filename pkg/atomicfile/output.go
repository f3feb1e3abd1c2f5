package atomicfile

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Output is a destination for a writer's files that is published atomically: nothing appears
// at a final name until Commit, and Abort leaves nothing behind. Files are created 0600.
type Output interface {
	// Create opens the named file of the output.
	Create(name string) (io.WriteCloser, error)
	// Commit publishes every file written.
	Commit() error
	// Abort removes every temporary file.
	Abort()
}

// bufSize is the write buffer of a file output.
const bufSize = 256 << 10

// fileOutput writes one file: whatever name the writer asks for, it lands at path.
type fileOutput struct {
	path string
	f    *File
}

// NewFile returns an Output that publishes the single file a writer creates at path.
func NewFile(path string) Output { return &fileOutput{path: path} }

func (o *fileOutput) Create(name string) (io.WriteCloser, error) {
	if o.f != nil {
		return nil, fmt.Errorf("write %s: the format writes several files; give a directory or a .zip", o.path)
	}
	f, err := Create(o.path)
	if err != nil {
		return nil, err
	}
	o.f = f
	return bufferedCloser(f, f.Close), nil
}

func (o *fileOutput) Commit() error {
	if o.f == nil {
		return errors.New("nothing was written")
	}
	return o.f.Commit()
}

func (o *fileOutput) Abort() {
	if o.f != nil {
		o.f.Abort()
	}
}

// dirOutput writes files into a directory, all published together.
type dirOutput struct {
	dir   string
	files []*File
	names map[string]bool
}

// NewDir returns an Output writing into dir (created 0700 if missing).
func NewDir(dir string) Output { return &dirOutput{dir: dir, names: map[string]bool{}} }

// Folder is the directory the Output writes into.
func (o *dirOutput) Folder() string { return o.dir }

func (o *dirOutput) Create(name string) (io.WriteCloser, error) {
	if name != filepath.Base(name) || name == "." || name == ".." {
		return nil, fmt.Errorf("write %q: not a plain file name", name)
	}
	if o.names[name] {
		return nil, fmt.Errorf("write %q: written twice", name)
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return nil, err
	}
	f, err := Create(filepath.Join(o.dir, name))
	if err != nil {
		return nil, err
	}
	o.files = append(o.files, f)
	o.names[name] = true
	return bufferedCloser(f, f.Close), nil
}

// Adopt publishes the finished file at path (in a folder on the same file system) as name at
// Commit: it is moved next to its final name, under a temporary one, instead of copied. Until
// Commit nothing is at the final name; Abort removes it. A file that cannot be moved (another
// file system) is left where it is, with the error.
func (o *dirOutput) Adopt(name, path string) error {
	if name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("write %q: not a plain file name", name)
	}
	if o.names[name] {
		return fmt.Errorf("write %q: written twice", name)
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	tmp, err := TempName(name)
	if err != nil {
		return err
	}
	at := filepath.Join(o.dir, tmp)
	if err := os.Rename(path, at); err != nil {
		return err
	}
	f, err := os.OpenFile(at, os.O_WRONLY, 0) // for Commit's sync
	if err != nil {
		if os.Rename(at, path) != nil {
			os.Remove(at)
		}
		return err
	}
	o.files = append(o.files, &File{File: f, final: filepath.Join(o.dir, name)})
	o.names[name] = true
	return nil
}

func (o *dirOutput) Commit() error {
	for _, f := range o.files {
		if err := f.Commit(); err != nil {
			o.Abort()
			return err
		}
	}
	return nil
}

func (o *dirOutput) Abort() {
	for _, f := range o.files {
		f.Abort()
	}
}

// zipOutput writes files as entries of one zip archive, at path or, spooled, to a stream.
type zipOutput struct {
	path  string
	f     *File    // the archive at its temporary name (path set)
	spool *os.File // the private spool (w set)
	bw    *bufio.Writer
	zw    *zip.Writer
	w     io.Writer
}

// NewZip returns an Output that writes every file into one zip at path.
func NewZip(path string) Output { return &zipOutput{path: path} }

// NewZipStream returns an Output that writes a zip to w (stdout) on Commit: the archive is
// spooled to a private temporary file until then, so a refusal writes nothing to w.
func NewZipStream(w io.Writer) Output { return &zipOutput{w: w} }

func (o *zipOutput) Create(name string) (io.WriteCloser, error) {
	if o.zw == nil {
		var dst io.Writer
		if o.w != nil {
			f, err := spoolFile()
			if err != nil {
				return nil, err
			}
			o.spool, dst = f, f
		} else {
			f, err := Create(o.path)
			if err != nil {
				return nil, err
			}
			o.f, dst = f, f
		}
		o.bw = bufio.NewWriterSize(dst, bufSize)
		o.zw = zip.NewWriter(o.bw)
	}
	// A fixed time keeps the archive reproducible.
	w, err := o.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return nil, err
	}
	return &closer{Writer: w, close: func() error { return nil }}, nil
}

func (o *zipOutput) Commit() error {
	if o.zw == nil {
		return errors.New("nothing was written")
	}
	err := o.zw.Close()
	if err == nil {
		err = o.bw.Flush()
	}
	if err != nil {
		o.Abort()
		return err
	}
	if o.w != nil {
		err = copySpool(o.spool, o.w)
		o.Abort()
		return err
	}
	return o.f.Commit()
}

func (o *zipOutput) Abort() {
	if o.f != nil {
		o.f.Abort()
	}
	removeSpool(&o.spool)
}

// streamOutput writes a single file to a stream (stdout) on Commit. Until then the file is
// spooled to a private temporary file (0600, removed after), so a write that is refused or fails
// halfway leaves the stream empty, not holding a header or half a file.
type streamOutput struct {
	w     io.Writer
	spool *os.File
	used  bool
}

// NewStream returns an Output for a single-file format writing to w.
func NewStream(w io.Writer) Output { return &streamOutput{w: w} }

func (o *streamOutput) Create(name string) (io.WriteCloser, error) {
	if o.used {
		return nil, errors.New("the format writes several files: give a directory or a .zip, or --zip for stdout")
	}
	o.used = true
	f, err := spoolFile()
	if err != nil {
		return nil, err
	}
	o.spool = f
	bw := bufio.NewWriterSize(f, 64<<10)
	return &closer{Writer: bw, close: bw.Flush}, nil
}

func (o *streamOutput) Commit() error {
	if o.spool == nil {
		return nil
	}
	err := copySpool(o.spool, o.w)
	o.Abort()
	return err
}

func (o *streamOutput) Abort() { removeSpool(&o.spool) }

// spoolFile creates the private temporary file (0600) a stream output is spooled to.
func spoolFile() (*os.File, error) {
	return os.CreateTemp("", "rostersync-out-*")
}

// removeSpool closes and removes *f, if any, and clears it.
func removeSpool(f **os.File) {
	if *f != nil {
		(*f).Close()
		os.Remove((*f).Name())
		*f = nil
	}
}

// copySpool copies the spooled file f to w from its start.
func copySpool(f *os.File, w io.Writer) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, f)
	return err
}

// bufferedCloser buffers writes to w; Close flushes, then calls done.
func bufferedCloser(w io.Writer, done func() error) io.WriteCloser {
	bw := bufio.NewWriterSize(w, bufSize)
	return &closer{Writer: bw, close: func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return done()
	}}
}

type closer struct {
	io.Writer
	close func() error
}

func (c *closer) Close() error { return c.close() }
