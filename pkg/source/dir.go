package source

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

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
