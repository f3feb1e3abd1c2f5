package format

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Zip intake limits: an archive with more entries, or that claims to expand past this ratio of
// its own size, is refused rather than read.
const (
	MaxZipEntries = 1000
	MaxZipRatio   = 200
	zipSlack      = 64 << 20
)

// OpenZip checks a zip archive and returns the file system to read from it. Entries with ".."
// or absolute names, too many entries or an uncompressed size far past the archive's size refuse
// the whole archive (an error problem, ok false). Files inside one top folder are read from that
// folder with a warning.
func OpenZip(zr *zip.Reader, size int64, name string, rep roster.Reporter) (fsys fs.FS, ok bool) {
	refuse := func(msg string) (fs.FS, bool) {
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeParse, File: name, Message: msg})
		return nil, false
	}
	if len(zr.File) > MaxZipEntries {
		return refuse(fmt.Sprintf("zip has %d entries, more than the %d rostersync reads: not a roster package?", len(zr.File), MaxZipEntries))
	}
	var total uint64
	tops := map[string]bool{}
	seen := map[string]string{} // folded name → the name as written
	rootFiles := 0
	for _, f := range zr.File {
		n := f.Name
		if strings.HasPrefix(n, "/") || strings.HasPrefix(n, `\`) || strings.Contains(n, `\`) || (len(n) > 1 && n[1] == ':') {
			return refuse(fmt.Sprintf("zip entry %q has an absolute or Windows path: refused", n))
		}
		for _, part := range strings.Split(n, "/") {
			if part == ".." {
				return refuse(fmt.Sprintf("zip entry %q climbs out of the archive (\"..\"): refused", n))
			}
		}
		total += f.UncompressedSize64
		if f.FileInfo().IsDir() {
			continue
		}
		// Two entries with one name (as the zip package cleans it): which one a reader would
		// get is up to the archive's order, so neither is read.
		// Names that differ only in case count as one: they are one file on Windows and macOS,
		// and to an importer that ignores case.
		clean := path.Clean(n)
		folded := strings.ToLower(clean)
		if prev, dup := seen[folded]; dup {
			named := fmt.Sprintf("%q", clean)
			if prev != clean {
				named = fmt.Sprintf("%q and %q", clean, prev)
			}
			return refuse(fmt.Sprintf("zip has two entries named %s: refused, as either could be read; make the zip again from the folder", named))
		}
		seen[folded] = clean
		if strings.HasPrefix(path.Base(n), ".") || strings.HasPrefix(n, "__MACOSX/") {
			continue
		}
		if i := strings.IndexByte(n, '/'); i >= 0 {
			tops[n[:i]] = true
		} else {
			rootFiles++
		}
	}
	if total > uint64(size)*MaxZipRatio+zipSlack {
		return refuse(fmt.Sprintf("zip would expand to %d bytes from %d: refused as a likely zip bomb", total, size))
	}
	if rootFiles == 0 && len(tops) == 1 {
		var top string
		for t := range tops {
			top = t
		}
		sub, err := fs.Sub(zr, top)
		if err == nil {
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: name,
				Message: fmt.Sprintf("the files sit in the folder %q inside the zip; OneRoster wants them at the root of the archive (read from the folder)", top)})
			return sub, true
		}
	}
	return zr, true
}

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

// OpenDir returns the file system to read a folder from: the folder itself, or, when it holds
// no files but one folder (an unpacked zip whose files sat in a top folder), that folder, with
// a warning, as OpenZip does. name is how problems name the folder. It returns the folder read
// and its file system.
func OpenDir(dir, name string, rep roster.Reporter) (string, fs.FS) {
	fsys := os.DirFS(dir)
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return dir, fsys
	}
	var folders []string
	for _, e := range entries {
		switch n := e.Name(); {
		case strings.HasPrefix(n, ".") || n == "__MACOSX":
		case !e.IsDir():
			return dir, fsys
		default:
			folders = append(folders, n)
		}
	}
	if len(folders) != 1 {
		return dir, fsys
	}
	rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: name,
		Message: fmt.Sprintf("the files sit in the folder %q inside %s; a package has them at its top (read from the folder)", folders[0], name)})
	sub := filepath.Join(dir, folders[0])
	return sub, os.DirFS(sub)
}

// Files lists the plain file names at the top of fsys, sorted: files and links to files.
// Folders, named pipes, sockets and devices are left out (opening a pipe could wait forever);
// Windows files the system reports as irregular (cloud-synced folders) are kept.
func Files(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	const special = fs.ModeDir | fs.ModeNamedPipe | fs.ModeSocket | fs.ModeDevice | fs.ModeCharDevice
	var out []string
	for _, e := range entries {
		t := e.Type()
		if t&fs.ModeSymlink != 0 {
			fi, err := fs.Stat(fsys, e.Name())
			if err != nil {
				continue
			}
			t = fi.Mode().Type()
		}
		if t&special == 0 {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// HeaderLine reads the first line of the named file (a BOM dropped), for detection. It returns
// "" when the file cannot be read.
func HeaderLine(fsys fs.FS, name string) string {
	f, err := fsys.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(f, buf)
	b := buf[:n]
	b = []byte(strings.TrimPrefix(string(b), "\uFEFF"))
	if i := strings.IndexAny(string(b), "\r\n"); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
