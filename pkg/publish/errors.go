package publish

import (
	"errors"
	"fmt"

	"github.com/rostersync/rostersync/pkg/errclass"
)

// Kind classes an Error for the caller's exit codes.
type Kind int

// Kinds of Error.
const (
	// KindUsage: a request that cannot be carried out as given (two inputs sent under one
	// name, --as with a folder, an unparsable URL).
	KindUsage Kind = iota + 1
	// KindLocal: the local side failed (an input that cannot be read, the state folder).
	KindLocal
	// KindRemote: the destination failed (connection, host key, login, upload).
	KindRemote
	// KindLocked: another run holds the destination's lock.
	KindLocked
	// KindRefused: the shrink guard refused the run; nothing was sent.
	KindRefused
	// KindStale: a source older than the job's max_age (exit 1, with the message).
	KindStale
)

// Error is what Publisher returns for its own failures. Errors of the Checker and context
// cancellations are returned as they are.
type Error struct {
	Kind  Kind
	Err   error
	Hints []string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrorClass is the class of the error e wraps when it has one (the Checker's and the dialer's
// errors keep theirs), else its Kind's.
func (e *Error) ErrorClass() errclass.Class {
	if c := errclass.Of(e.Err); c != errclass.Unclassed {
		return c
	}
	return kindClass[e.Kind]
}

// ErrorHints returns e's hints.
func (e *Error) ErrorHints() []string { return e.Hints }

var kindClass = map[Kind]errclass.Class{
	KindUsage:   errclass.Usage,
	KindLocal:   errclass.Local,
	KindRemote:  errclass.Remote,
	KindLocked:  errclass.Locked,
	KindRefused: errclass.Findings,
	KindStale:   errclass.Findings,
}

// ErrRefused is the error of a refused run (KindRefused).
var ErrRefused = errors.New("refused by the shrink guard: nothing was sent")

func fail(k Kind, err error, hints ...string) error { return &Error{Kind: k, Err: err, Hints: hints} }

func failf(k Kind, format string, args ...any) error { return fail(k, fmt.Errorf(format, args...)) }
