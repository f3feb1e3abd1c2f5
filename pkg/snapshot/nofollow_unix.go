//go:build unix

package snapshot

import (
	"io/fs"
	"syscall"
)

// noFollow opens the final path component without following a symlink.
const noFollow = syscall.O_NOFOLLOW

// private reports whether a file mode keeps the file from group and others.
func private(m fs.FileMode) bool { return m.Perm()&0o077 == 0 }
