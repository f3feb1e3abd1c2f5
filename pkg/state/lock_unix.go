//go:build unix

package state

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/rostersync/rostersync/pkg/config"
)

// openLock opens (creating it 0600) the lock file at path without following a symbolic link
// in its last component, and refuses a file others could write or that is not a regular file.
func openLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		mode := os.FileMode(0)
		if fi, lerr := os.Lstat(path); lerr == nil {
			mode = fi.Mode()
		}
		return nil, &config.InsecureError{File: path, What: "lock file", Mode: mode,
			Reason: "it is a symbolic link, which is not followed", Fix: "rm " + path}
	}
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &config.InsecureError{File: path, What: "lock file", Mode: fi.Mode(), Reason: "it is not a regular file", Fix: "rm " + path}
	}
	if err == nil {
		err = config.CheckInfo(path, fi, config.Trust{What: "lock file"})
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
