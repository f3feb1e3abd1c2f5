package source

import (
	"errors"
	"io"
	"io/fs"
	"time"
)

// FileFS is a file system holding one file, for a single path or stdin.
type FileFS struct {
	// Name is the file's base name, the one formats see.
	Name string
	// Open opens the file's contents.
	Open func() (io.ReadCloser, error)
	// Size, if known; -1 otherwise.
	Size int64
}

func (f *FileFS) open(name string) (fs.File, error) {
	switch name {
	case ".":
		return &fileFSDir{f: f}, nil
	case f.Name:
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		return &fileFSFile{rc: rc, f: f}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// AsFS returns f as an fs.FS.
func (f *FileFS) AsFS() fs.FS { return fileFS{f} }

type fileFS struct{ f *FileFS }

func (s fileFS) Open(name string) (fs.File, error) { return s.f.open(name) }

func (s fileFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return []fs.DirEntry{fs.FileInfoToDirEntry(fileInfo{s.f})}, nil
}

type fileInfo struct{ f *FileFS }

func (i fileInfo) Name() string       { return i.f.Name }
func (i fileInfo) Size() int64        { return i.f.Size }
func (i fileInfo) Mode() fs.FileMode  { return 0o400 }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }

type fileFSFile struct {
	rc io.ReadCloser
	f  *FileFS
}

func (f *fileFSFile) Stat() (fs.FileInfo, error) { return fileInfo{f.f}, nil }
func (f *fileFSFile) Read(p []byte) (int, error) { return f.rc.Read(p) }
func (f *fileFSFile) Close() error               { return f.rc.Close() }

type fileFSDir struct{ f *FileFS }

func (d *fileFSDir) Stat() (fs.FileInfo, error) { return dirInfo{}, nil }
func (d *fileFSDir) Read([]byte) (int, error)   { return 0, errors.New("is a directory") }
func (d *fileFSDir) Close() error               { return nil }

type dirInfo struct{}

func (dirInfo) Name() string       { return "." }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o500 }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }
