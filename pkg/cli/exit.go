package cli

import (
	"github.com/rostersync/rostersync/pkg/errclass"
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
var errFindings = errclass.Sentinel(errclass.Findings, "findings")

// exitCode maps an error to the process exit code: the one place where a class of failure
// (errclass, given by the package that met it) becomes an exit status. An error no package
// classed is a local failure.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	switch errclass.Of(err) {
	case errclass.Findings, errclass.Refused:
		return ExitFindings
	case errclass.Usage, errclass.Setup:
		return ExitUsage
	case errclass.Remote:
		return ExitRemote
	case errclass.Locked:
		return ExitLocked
	case errclass.Interrupted:
		return ExitInterrupted
	}
	return ExitLocal
}

// printed reports whether Run prints err's message: a usage, local or remote error (exit 2 and
// more), or a refusal that no problem listing explains.
func printed(err error, code int) bool {
	return code >= ExitUsage || errclass.Of(err) == errclass.Refused
}

// refusal is an exit-1 refusal whose message is printed (nothing else says why).
func refusal(err error, hints ...string) error { return errclass.New(errclass.Refused, err, hints...) }

// usageError is a bad flag or argument: exit 2.
func usageError(err error, hints ...string) error {
	return errclass.New(errclass.Usage, err, hints...)
}

// findings is an exit-1 error whose message is not printed (it goes to sync's log).
func findings(err error) error { return errclass.New(errclass.Findings, err) }

// hintsOf returns the hint lines err carries: each classed error's, the chmod or chown that
// fixes a file refused by the strict-mode checks, how to trust a host key.
func hintsOf(err error) []string { return errclass.Hints(err) }
