package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// goos is runtime.GOOS, a variable so tests can check the Windows behaviour.
var goos = runtime.GOOS

// This file is the one strict-mode checker (OpenSSH's StrictModes) for everything rostersync
// trusts: the config file (it names commands to run), the state folder and its lock files (the
// guard's memory), and the files that hold a password, a passphrase or a private key. Each must
// be owned by the user or root and not writable by group or others; a secret not readable by
// them either. The folder holding it is checked the same way, except that a sticky
// world-writable folder such as /tmp is fine (no one else can replace a file there). On Windows
// the mode bits mean nothing and nothing is checked.

// InsecureError is a file or folder others could change (or read, when it holds a secret),
// with the command that fixes it. It wraps ErrConfig: exit 2.
type InsecureError struct {
	File   string      // the file or folder refused
	What   string      // what it is, such as "password file" ("config file" when empty)
	Mode   fs.FileMode // its permission bits
	Reason string      // what is wrong
	Fix    string      // the command that fixes it ("" for chmod 600 File)
}

func (e *InsecureError) Error() string {
	what := e.What
	if what == "" {
		what = "config file"
	}
	return fmt.Sprintf("%s: refusing %s %s: %s (mode %04o)", ErrConfig, what, e.File, e.Reason, uint32(e.Mode.Perm()))
}

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *InsecureError) Unwrap() error { return ErrConfig }

// Hint is the command that fixes the file's mode or owner.
func (e *InsecureError) Hint() string {
	if e.Fix != "" {
		return e.Fix
	}
	return "chmod 600 " + shellQuote(e.File)
}

// Trust says what a checked file or folder is to rostersync.
type Trust struct {
	// What names it in messages: "config file", "password file", "state folder"…
	What string
	// Secret: it holds a password, a passphrase or a private key, so it must not be readable
	// by group or others either.
	Secret bool
	// Mine: it must be owned by the user running rostersync, root is not enough (the
	// ./rostersync.yaml found in the working directory, which may be anyone's folder).
	Mine bool
}

// CheckPath checks the file or folder at path (symbolic links followed) and the folder that
// holds it.
func CheckPath(path string, t Trust) error {
	if goos == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return CheckInfo(path, fi, t)
}

// CheckInfo checks fi, the status of the file or folder at path (of an open file, so what is
// checked is what was opened), and the folder that holds path.
func CheckInfo(path string, fi fs.FileInfo, t Trust) error {
	if goos == "windows" {
		return nil
	}
	if err := checkOne(path, fi, t); err != nil {
		return err
	}
	dirs := []string{filepath.Dir(path)}
	if real, err := filepath.EvalSymlinks(path); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real)) // where the file really is can be changed too
	}
	for _, d := range dirs {
		dfi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if err := checkFolder(d, dfi); err != nil {
			return err
		}
	}
	return nil
}

// checkOne checks the owner and mode of one file or folder.
func checkOne(path string, fi fs.FileInfo, t Trust) error {
	what := t.What
	if what == "" {
		what = "config file"
	}
	perm := fi.Mode().Perm()
	refuse := func(reason, fix string) error {
		return &InsecureError{File: path, What: what, Mode: perm, Reason: reason, Fix: fix}
	}
	if uid, ok := fileOwner(fi); ok {
		me := os.Geteuid()
		switch {
		case t.Mine && uid != me:
			return refuse(fmt.Sprintf("it is owned by uid %d, not by you (uid %d), and it names commands to run", uid, me),
				"someone else's file in the working directory is not read: give --config FILE, or read this one first and, if you trust it, chown "+me2()+" "+shellQuote(path))
		case uid != me && uid != 0:
			return refuse(fmt.Sprintf("it is owned by uid %d, not by you (uid %d) or root", uid, me), "chown "+me2()+" "+shellQuote(path))
		}
	}
	if fi.IsDir() {
		if perm&0o022 != 0 {
			return refuse("it is writable by group or others", "chmod 700 "+shellQuote(path))
		}
		return nil
	}
	reason := "it is writable by group or others"
	if what == "config file" {
		reason += ", and it names commands to run"
	}
	if _, err := checkMode(path, fi.Mode(), t.Secret); err != nil {
		ie := err.(*InsecureError)
		if perm&0o022 == 0 {
			reason = "it holds a password or passphrase and is readable by group or others"
			if what == "identity file" {
				reason = "it holds a private key and is readable by group or others"
			}
		}
		ie.What, ie.Reason = what, reason
		return ie
	}
	return nil
}

// checkFolder checks the folder that holds a trusted file: owned by the user or root, and not
// writable by others unless sticky (then only a file's owner may replace it).
func checkFolder(dir string, fi fs.FileInfo) error {
	perm := fi.Mode().Perm()
	refuse := func(reason, fix string) error {
		return &InsecureError{File: dir, What: "folder", Mode: perm, Reason: reason, Fix: fix}
	}
	if uid, ok := fileOwner(fi); ok {
		if me := os.Geteuid(); uid != me && uid != 0 {
			return refuse(fmt.Sprintf("it is owned by uid %d, not by you (uid %d) or root, and it holds a file rostersync trusts", uid, me),
				"chown "+me2()+" "+shellQuote(dir))
		}
	}
	if perm&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return refuse("it is writable by group or others, who could replace a file rostersync trusts in it", "chmod go-w "+shellQuote(dir))
	}
	return nil
}

// me2 is the user's name for a chown command (the uid when it has none).
func me2() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return shellQuote(u.Username)
	}
	return strconv.Itoa(os.Geteuid())
}

// ReadSecretFile reads a file holding a password or passphrase (what names it: "password
// file"), refusing it unless it is private. Every failure wraps ErrConfig: a secret that cannot
// be read is a set-up problem. The error never shows the content.
func ReadSecretFile(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, what, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s %s is not a regular file", ErrConfig, what, path)
	}
	if err := CheckInfo(path, fi, Trust{What: what, Secret: true}); err != nil {
		if _, ok := errors.AsType[*InsecureError](err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, what, err)
	}
	const maxSecret = 64 << 10
	b, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s %s: %w", ErrConfig, what, path, err)
	}
	if len(b) > maxSecret {
		return nil, fmt.Errorf("%w: %s %s is larger than 64 KiB", ErrConfig, what, path)
	}
	return b, nil
}

// checkMode refuses a file writable by group or others, or readable by them when it holds a
// secret. On Windows the bits mean nothing: the check is skipped with a warning.
func checkMode(file string, mode fs.FileMode, secret bool) (warning string, err error) {
	if goos == "windows" {
		return fmt.Sprintf("the permissions of %s are not checked on Windows: keep it private", file), nil
	}
	perm := mode.Perm()
	if perm&0o022 != 0 {
		return "", &InsecureError{File: file, Mode: perm, Reason: "it is writable by group or others, and it names commands to run"}
	}
	if secret && perm&0o044 != 0 {
		return "", &InsecureError{File: file, Mode: perm, Reason: "it holds a password or passphrase and is readable by group or others"}
	}
	return "", nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
