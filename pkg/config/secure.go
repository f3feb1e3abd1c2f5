package config

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
)

// goos is runtime.GOOS, a variable so tests can check the Windows behaviour.
var goos = runtime.GOOS

// InsecureError is a config file others could read (while it holds a secret) or change (it
// names commands to run). It wraps ErrConfig.
type InsecureError struct {
	File   string      // the config file
	Mode   fs.FileMode // its permission bits
	Reason string      // what is wrong
}

func (e *InsecureError) Error() string {
	return fmt.Sprintf("%s: refusing config file %s: %s (mode %04o)", ErrConfig, e.File, e.Reason, uint32(e.Mode.Perm()))
}

// Unwrap makes errors.Is(err, ErrConfig) true.
func (e *InsecureError) Unwrap() error { return ErrConfig }

// Hint is the command that fixes the file's mode.
func (e *InsecureError) Hint() string {
	return "chmod 600 " + shellQuote(e.File)
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
