package format

import (
	"io"
	"io/fs"
	"strings"
)

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
