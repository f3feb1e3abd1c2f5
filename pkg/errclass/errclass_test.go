package errclass

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

type hinted struct{ err error }

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }
func (h hinted) Hint() string  { return "chmod 600 f" }

type passOn struct{ err error }

func (p passOn) Error() string     { return p.err.Error() }
func (p passOn) Unwrap() error     { return p.err }
func (p passOn) ErrorClass() Class { return Unclassed }

func TestOf(t *testing.T) {
	setup := Sentinel(Setup, "configuration error")
	remote := Sentinel(Remote, "remote error")
	for _, tc := range []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, Unclassed},
		{"plain", errors.New("x"), Unclassed},
		{"sentinel", fmt.Errorf("a: %w", remote), Remote},
		{"outer class wins", New(Local, fmt.Errorf("a: %w", remote)), Local},
		{"set-up wins from inside", New(Remote, fmt.Errorf("connect: %w", setup)), Setup},
		{"set-up wins from a joined branch", errors.Join(New(Locked, errors.New("a")), fmt.Errorf("b: %w", setup)), Setup},
		{"first of a join", errors.Join(errors.New("a"), New(Usage, errors.New("b")), remote), Usage},
		{"unclassed passes the question on", passOn{New(Locked, errors.New("x"))}, Locked},
		{"canceled", fmt.Errorf("read: %w", context.Canceled), Interrupted},
		{"deadline is not an interrupt", context.DeadlineExceeded, Unclassed},
		{"a class outside a cancel", New(Findings, context.Canceled), Findings},
	} {
		if got := Of(tc.err); got != tc.want {
			t.Errorf("%s: Of(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestHints(t *testing.T) {
	err := New(Usage, fmt.Errorf("a: %w", errors.Join(
		New(Local, hinted{errors.New("b")}, "see --help"),
		hinted{errors.New("c")},
	)), "first")
	want := []string{"first", "see --help", "chmod 600 f"}
	if got := Hints(err); !slices.Equal(got, want) {
		t.Errorf("Hints = %q, want %q", got, want)
	}
	if got := Hints(errors.New("x")); got != nil {
		t.Errorf("no hints: %q", got)
	}
}

func TestSentinelAndNew(t *testing.T) {
	s := Sentinel(Locked, "held")
	if s.Error() != "held" || !errors.Is(fmt.Errorf("x: %w", s), s) || errors.Is(Sentinel(Locked, "held"), s) {
		t.Error("a sentinel is matched by identity, with its text")
	}
	inner := errors.New("disk full")
	e := New(Local, inner, "free some space")
	if e.Error() != "disk full" || !errors.Is(e, inner) {
		t.Errorf("New keeps the message and the cause: %q", e)
	}
}
