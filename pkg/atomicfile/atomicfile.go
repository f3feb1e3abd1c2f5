// Package atomicfile writes local files so that nothing half-written ever appears at a final
// name: each file is written at a unique hidden temporary name next to it (0600, created
// exclusively, so nothing already there is followed or truncated), synced, and renamed onto its
// final name; a failure removes the temporary. It also provides the outputs a format writer
// fills (one file, a folder, a zip, a stream) and the cleanup of the temporaries a killed run
// left behind.
package atomicfile

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// Prefix and Suffix frame every temporary name, ".rostersync-<name>.<random>.part": dot-prefixed
// and not *.csv, so vendor pollers skip them, and recognisable, so the next run removes
// leftovers and only those. The same names are used on SFTP servers.
const (
	Prefix = ".rostersync-"
	Suffix = ".part"
)

// leftoverPattern matches temporary names (path.Match syntax).
const leftoverPattern = Prefix + "*" + Suffix

// TempName returns a fresh temporary name (a base name, no folder) for the final name name.
func TempName(name string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return Prefix + name + "." + hex.EncodeToString(b[:]) + Suffix, nil
}

// IsTempName reports whether name has the form of a temporary name made by TempName.
func IsTempName(name string) bool {
	ok, _ := path.Match(leftoverPattern, name)
	return ok
}

// CleanLeftovers removes the temporary files a killed run left in the local folder dir (names
// made by TempName, regular files or links, and only those) and returns their names.
func CleanLeftovers(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if !IsTempName(e.Name()) || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove the leftover %s: %w", filepath.Join(dir, e.Name()), err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}

// File is a file being written at a temporary name next to its final path. Write to it, then
// Commit to publish it or Abort to remove it; Abort after Commit does nothing, so
// `defer f.Abort()` is the usual cleanup.
type File struct {
	*os.File
	final string
	done  bool
}

// Create starts a file that Commit will publish at path: a new temporary file, 0600, in path's
// folder.
func Create(path string) (*File, error) {
	name, err := TempName(filepath.Base(path))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(filepath.Dir(path), name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &File{File: f, final: path}, nil
}

// TempPath returns the temporary file's path.
func (f *File) TempPath() string { return f.Name() }

// Close flushes the file to disk and closes it, leaving it at its temporary name (for a read
// back before Commit). Closing twice is harmless.
func (f *File) Close() error {
	if err := f.File.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		f.File.Close()
		return err
	}
	if err := f.File.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// Commit syncs and closes the file, renames it onto its final path and syncs the folder. On
// failure the temporary is removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: committed twice")
	}
	err := f.Close()
	if err == nil {
		err = os.Rename(f.Name(), f.final)
	}
	if err != nil {
		f.Abort()
		return err
	}
	f.done = true
	SyncDir(filepath.Dir(f.final))
	return nil
}

// Abort closes and removes the temporary file, unless it was committed.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// WriteFile writes path through a temporary file and a rename, mode 0600: write gets a
// buffered writer; if it fails, nothing changes at path.
func WriteFile(path string, write func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Commit()
}

// SyncDir makes the renames in dir durable where the platform allows it.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
