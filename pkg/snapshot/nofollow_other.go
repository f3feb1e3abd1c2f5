//go:build !unix

package snapshot

import "io/fs"

const noFollow = 0

// private: Windows keeps the file private by the state folder's ACL, not by mode bits.
func private(fs.FileMode) bool { return true }
