package csvio

import (
	"archive/zip"
	"bufio"
	"crypto/rand"
	"encoding/hex"
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

// TempName returns a hidden temporary name next to path.
func TempName(path string) string {
	var b [6]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand never fails on supported platforms
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(b[:])+".tmp")
}

// WriteFileAtomic writes data to path through a temporary file and a rename, mode 0600.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	tmp := TempName(path)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// fileOutput writes one file: whatever name the writer asks for, it lands at path.
type fileOutput struct {
	path  string
	tmp   string
	f     *os.File
	bw    *bufio.Writer
	used  bool
	close error
}

// NewFileOutput returns an Output that publishes the single file a writer creates at path.
func NewFileOutput(path string) Output { return &fileOutput{path: path} }

func (o *fileOutput) Create(name string) (io.WriteCloser, error) {
	if o.used {
		return nil, fmt.Errorf("write %s: the format writes several files; give a directory or a .zip", o.path)
	}
	o.used = true
	o.tmp = TempName(o.path)
	f, err := os.OpenFile(o.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	o.f = f
	o.bw = bufio.NewWriterSize(f, 256<<10)
	return &closer{Writer: o.bw, close: func() error {
		if err := o.bw.Flush(); err != nil {
			return err
		}
		return o.f.Sync()
	}}, nil
}

func (o *fileOutput) Commit() error {
	if o.f == nil {
		return errors.New("nothing was written")
	}
	if err := o.f.Close(); err != nil {
		os.Remove(o.tmp)
		return err
	}
	if err := os.Rename(o.tmp, o.path); err != nil {
		os.Remove(o.tmp)
		return err
	}
	return nil
}

func (o *fileOutput) Abort() {
	if o.f != nil {
		o.f.Close()
		os.Remove(o.tmp)
	}
}

// dirOutput writes files into a directory, all published together.
type dirOutput struct {
	dir   string
	files []*os.File
	tmps  map[string]string // final name → temporary path
	order []string
}

// NewDirOutput returns an Output writing into dir (created 0700 if missing).
func NewDirOutput(dir string) Output { return &dirOutput{dir: dir, tmps: map[string]string{}} }

func (o *dirOutput) Create(name string) (io.WriteCloser, error) {
	if name != filepath.Base(name) || name == "." || name == ".." {
		return nil, fmt.Errorf("write %q: not a plain file name", name)
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return nil, err
	}
	final := filepath.Join(o.dir, name)
	tmp := TempName(final)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	o.files = append(o.files, f)
	o.tmps[name] = tmp
	o.order = append(o.order, name)
	bw := bufio.NewWriterSize(f, 256<<10)
	return &closer{Writer: bw, close: func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		return f.Close()
	}}, nil
}

func (o *dirOutput) Commit() error {
	for _, name := range o.order {
		if err := os.Rename(o.tmps[name], filepath.Join(o.dir, name)); err != nil {
			o.Abort()
			return err
		}
		delete(o.tmps, name)
	}
	return nil
}

func (o *dirOutput) Abort() {
	for _, f := range o.files {
		f.Close()
	}
	for _, tmp := range o.tmps {
		os.Remove(tmp)
	}
}

// zipOutput writes files as entries of one zip archive.
type zipOutput struct {
	path string
	tmp  string
	f    *os.File
	bw   *bufio.Writer
	zw   *zip.Writer
	w    io.Writer
}

// NewZipOutput returns an Output that writes every file into one zip at path.
func NewZipOutput(path string) Output { return &zipOutput{path: path} }

// NewZipWriterOutput returns an Output that writes a zip to w (stdout) on Commit: the archive
// is spooled to a private temporary file until then, so a refusal writes nothing to w.
func NewZipWriterOutput(w io.Writer) Output { return &zipOutput{w: w} }

func (o *zipOutput) Create(name string) (io.WriteCloser, error) {
	if o.zw == nil {
		if o.w != nil {
			f, err := spoolFile()
			if err != nil {
				return nil, err
			}
			o.f = f
			o.bw = bufio.NewWriterSize(f, 256<<10)
			o.zw = zip.NewWriter(o.bw)
		} else {
			o.tmp = TempName(o.path)
			f, err := os.OpenFile(o.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, err
			}
			o.f = f
			o.bw = bufio.NewWriterSize(f, 256<<10)
			o.zw = zip.NewWriter(o.bw)
		}
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
	if err := o.zw.Close(); err != nil {
		o.Abort()
		return err
	}
	if o.w != nil {
		err := o.bw.Flush()
		if err == nil {
			err = copySpool(o.f, o.w)
		}
		o.Abort()
		return err
	}
	err := o.bw.Flush()
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.path)
	}
	if err != nil {
		os.Remove(o.tmp)
	}
	return err
}

func (o *zipOutput) Abort() {
	if o.f != nil {
		o.f.Close()
		if o.w != nil {
			os.Remove(o.f.Name())
		} else {
			os.Remove(o.tmp)
		}
		o.f = nil
	}
}

// writerOutput writes a single file to a stream (stdout) on Commit. Until then the file is
// spooled to a private temporary file (0600, removed after), so a write that is refused or fails
// halfway leaves the stream empty, not holding a header or half a file.
type writerOutput struct {
	w    io.Writer
	f    *os.File
	used bool
}

// NewWriterOutput returns an Output for a single-file format writing to w.
func NewWriterOutput(w io.Writer) Output { return &writerOutput{w: w} }

func (o *writerOutput) Create(name string) (io.WriteCloser, error) {
	if o.used {
		return nil, errors.New("the format writes several files: give a directory or a .zip, or --zip for stdout")
	}
	o.used = true
	f, err := spoolFile()
	if err != nil {
		return nil, err
	}
	o.f = f
	bw := bufio.NewWriterSize(f, 64<<10)
	return &closer{Writer: bw, close: bw.Flush}, nil
}

func (o *writerOutput) Commit() error {
	if o.f == nil {
		return nil
	}
	err := copySpool(o.f, o.w)
	o.Abort()
	return err
}

func (o *writerOutput) Abort() {
	if o.f != nil {
		o.f.Close()
		os.Remove(o.f.Name())
		o.f = nil
	}
}

// spoolFile creates the private temporary file (0600) a stream output is spooled to.
func spoolFile() (*os.File, error) {
	return os.CreateTemp("", "rostersync-out-*")
}

// copySpool copies the spooled file f to w from its start.
func copySpool(f *os.File, w io.Writer) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, f)
	return err
}

type closer struct {
	io.Writer
	close func() error
}

func (c *closer) Close() error { return c.close() }
