package cli

import (
	"context"
	"errors"
	"io/fs"
	"slices"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/transport"
)

// Exit codes, the same for every command (SPEC §3).
const (
	ExitOK          = 0
	ExitFindings    = 1 // validation errors, differences, or a refusal
	ExitUsage       = 2 // usage or configuration error
	ExitLocal       = 3 // local input/output error
	ExitRemote      = 4 // remote error
	ExitLocked      = 5 // another run holds the lock
	ExitInterrupted = 130
	// ExitBrokenPipe is a shell's code for a process whose stdout reader went away (| head).
	ExitBrokenPipe = 141
)

// exitStatusHelp ends every command's long help.
const exitStatusHelp = `
EXIT STATUS
  0    success
  1    findings: validation errors, differences, or a refusal (invalid input, guard)
  2    usage or configuration error (bad flag, unknown --format, bad or insecure config)
  3    local input/output error (unreadable file, undetectable format, cannot write)
  4    remote error (connect, authentication, host key, transfer after retries)
  5    another run holds the lock
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP)
  141  stdout closed before the output ended (| head)`

// errFindings says the command printed its findings and exits 1.
var errFindings = errors.New("findings")

// exitError carries an exit code and hint lines with an error.
type exitError struct {
	code  int
	err   error
	hints []string
	// shown: printed like a usage or I/O error although its code is 1 (a refusal no problem
	// listing explains).
	shown bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withExit wraps err with an exit code and hints.
func withExit(code int, err error, hints ...string) error {
	return &exitError{code: code, err: err, hints: hints}
}

// refusal is an exit-1 refusal whose message is printed (nothing else says why).
func refusal(err error, hints ...string) error {
	return &exitError{code: ExitFindings, err: err, hints: hints, shown: true}
}

// usageError is a bad flag or argument: exit 2.
func usageError(err error, hints ...string) error { return withExit(ExitUsage, err, hints...) }

// extraErrorCodes lets packages wired in later map their sentinels to exit codes.
type codeMapper func(error) (int, bool)

// exitCode maps an error to the process exit code.
func exitCode(err error, mappers []codeMapper) int {
	if err == nil {
		return ExitOK
	}
	if setupError(err) {
		return ExitUsage
	}
	if ee, ok := errors.AsType[*exitError](err); ok {
		return ee.code
	}
	switch {
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, format.ErrUnknownFormat):
		return ExitUsage
	case isSettingError(err):
		return ExitUsage // a format refused one of its settings (--capti-id x)
	case errors.Is(err, format.ErrUndetected):
		return ExitLocal
	}
	for _, m := range mappers {
		if c, ok := m(err); ok {
			return c
		}
	}
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return ExitLocal
	}
	return ExitLocal
}

// setupError reports a problem of this machine's set-up, found before or without the remote
// side: the config file, a file or folder others could change or read (strict modes), a key or
// password file, known_hosts, no login method, a malformed URL. It is exit 2 whatever the step
// that met it (a connection error wrapper included).
func setupError(err error) bool {
	return errors.Is(err, config.ErrConfig) || errors.Is(err, transport.ErrConfig)
}

// hintsOf returns the hint lines carried by err, with the chmod or chown that fixes a file
// refused by the strict-mode checks.
func hintsOf(err error) []string {
	var hints []string
	if ee, ok := errors.AsType[*exitError](err); ok {
		hints = ee.hints
	}
	if ie, ok := errors.AsType[*config.InsecureError](err); ok && !slices.Contains(hints, ie.Hint()) {
		hints = append(slices.Clip(hints), ie.Hint())
	}
	if se, ok := errors.AsType[*format.SettingError](err); ok && se.Hint != "" && !slices.Contains(hints, se.Hint) {
		hints = append(slices.Clip(hints), se.Hint)
	}
	return hints
}

func isSettingError(err error) bool {
	_, ok := errors.AsType[*format.SettingError](err)
	return ok
}
