//go:build !unix

package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// openNoFollow opens path for reading, refusing a symbolic link (checked before the open:
// the platform has no O_NOFOLLOW).
func openNoFollow(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("is a symbolic link")}
	}
	return os.Open(path)
}

func openAtNoFollow(dir *os.File, name string) (*os.File, error) {
	return openNoFollow(filepath.Join(dir.Name(), name))
}
