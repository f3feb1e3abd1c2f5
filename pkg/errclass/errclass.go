// Package errclass says what kind of failure an error is, so that the package that meets a
// failure classes it and the command line maps every class to its exit status in one place
// (pkg/cli's exitCode). A package classes an error by returning a Sentinel, an Error from New,
// or a type of its own with an ErrorClass method; hints (what to do about it) travel the same
// way, by ErrorHints or a Hint method.
package errclass

import (
	"context"
	"slices"
)

// Class is a kind of failure. Each maps to one exit status.
type Class int

// The classes, with the exit status the command line gives them.
const (
	// Unclassed: no package said. The command line takes it for a local failure (exit 3).
	Unclassed Class = iota
	// Findings: the command printed what it found (validation errors, differences) or a
	// refusal it explained: exit 1, nothing more printed.
	Findings
	// Refused: a refusal whose message is the explanation (a zip refused before reading):
	// exit 1, with the message printed.
	Refused
	// Usage: a bad flag, argument or setting: exit 2.
	Usage
	// Setup: this machine's set-up (the config file, a file or folder others could change, a
	// key, password file or known_hosts that cannot be used, no login method, a malformed
	// URL): exit 2, whatever the step that met it, so it wins over the class of any error
	// that wraps it.
	Setup
	// Local: local input or output (a file that cannot be read or written): exit 3.
	Local
	// Remote: the remote side (connect, host key, login, transfer after retries): exit 4.
	Remote
	// Locked: another run holds the lock: exit 5.
	Locked
	// Interrupted: the run was cancelled (context.Canceled): exit 130.
	Interrupted
)

// Classed is an error that says its class. A class of Unclassed passes the question on to the
// errors it wraps.
type Classed interface {
	ErrorClass() Class
}

// Error is an error with a class and hints, for a package whose error has no type of its own.
type Error struct {
	Class Class
	Err   error
	Hints []string
}

// New returns err with class c and hints.
func New(c Class, err error, hints ...string) error {
	return &Error{Class: c, Err: err, Hints: hints}
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the error classed.
func (e *Error) Unwrap() error { return e.Err }

// ErrorClass returns e's class.
func (e *Error) ErrorClass() Class { return e.Class }

// ErrorHints returns e's hints.
func (e *Error) ErrorHints() []string { return e.Hints }

type sentinel struct {
	class Class
	text  string
}

func (s *sentinel) Error() string     { return s.text }
func (s *sentinel) ErrorClass() Class { return s.class }

// Sentinel returns an error for errors.Is, like errors.New(text), of class c.
func Sentinel(c Class, text string) error { return &sentinel{class: c, text: text} }

// Of returns the class of err: Setup when an error of class Setup is anywhere in its tree;
// else the class of the first error of its tree, in the order errors.As looks, that has one (a
// context.Canceled is Interrupted); else Unclassed. So the class closest to the surface wins:
// a package that wraps a failure it classed itself decides.
func Of(err error) Class {
	first := Unclassed
	setup := false
	walk(err, func(e error) bool {
		c := classOf(e)
		if c == Setup {
			setup = true
			return false
		}
		if first == Unclassed {
			first = c
		}
		return true
	})
	if setup {
		return Setup
	}
	return first
}

func classOf(e error) Class {
	if c, ok := e.(Classed); ok {
		if cl := c.ErrorClass(); cl != Unclassed {
			return cl
		}
	}
	if is, ok := e.(interface{ Is(error) bool }); e == context.Canceled || ok && is.Is(context.Canceled) {
		return Interrupted // a signal's cause (os/signal.NotifyContext) matches context.Canceled
	}
	return Unclassed
}

// Hints returns the hints of every error in err's tree (ErrorHints, or a Hint method's), in
// the order errors.As looks, each once.
func Hints(err error) []string {
	var out []string
	add := func(h string) {
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	walk(err, func(e error) bool {
		switch h := e.(type) {
		case interface{ ErrorHints() []string }:
			for _, s := range h.ErrorHints() {
				add(s)
			}
		case interface{ Hint() string }:
			add(h.Hint())
		}
		return true
	})
	return out
}

// walk calls visit on err and each error it wraps, depth first as errors.As looks, while visit
// returns true.
func walk(err error, visit func(error) bool) bool {
	if err == nil {
		return true
	}
	if !visit(err) {
		return false
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walk(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if !walk(e, visit) {
				return false
			}
		}
	}
	return true
}
