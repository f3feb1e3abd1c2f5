package format

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Use is what a format's option changes. A command takes the options whose Use is among what
// it does (FlagSet), so validate has no --oneroster-version: it writes nothing.
type Use uint8

const (
	// Reading: how an input is read and checked (validate, push, history, diff, convert).
	Reading Use = 1 << iota
	// Writing: what convert writes.
	Writing
	// Matching: how diff pairs up the users of two inputs.
	Matching

	// AllUses is every use: a command that does it all (the settings of a profile).
	AllUses = Reading | Writing | Matching
)

// String says what u changes, for messages: "what convert writes and how diff pairs up users".
func (u Use) String() string {
	var parts []string
	if u&Reading != 0 {
		parts = append(parts, "how an input is read")
	}
	if u&Writing != 0 {
		parts = append(parts, "what convert writes")
	}
	if u&Matching != 0 {
		parts = append(parts, "how diff pairs up users")
	}
	return strings.Join(parts, " and ")
}

// FlagSet is where a format's settings declare their flags (Settings.AddFlags), each once with
// its Use. Only the flags whose Use is among what the command does are added to it; the others
// are kept, with their Use, in Skipped, to tell a user who gives one what it is for.
type FlagSet struct {
	fs      *pflag.FlagSet
	does    Use
	skipped map[string]Use
}

// NewFlagSet returns a FlagSet adding to fs the flags of the uses does.
func NewFlagSet(fs *pflag.FlagSet, does Use) *FlagSet {
	return &FlagSet{fs: fs, does: does, skipped: map[string]Use{}}
}

// StringVar declares a string flag bound to p, with its default the current *p.
func (f *FlagSet) StringVar(p *string, name string, use Use, usage string) {
	if f.take(name, use) {
		f.fs.StringVar(p, name, *p, usage)
	}
}

// BoolVar declares a bool flag bound to p, with its default the current *p.
func (f *FlagSet) BoolVar(p *bool, name string, use Use, usage string) {
	if f.take(name, use) {
		f.fs.BoolVar(p, name, *p, usage)
	}
}

// take reports whether the flag name of use goes on the command, and notes it when not.
func (f *FlagSet) take(name string, use Use) bool {
	if use == 0 || use&^AllUses != 0 {
		panic(fmt.Sprintf("format flag --%s declared without a use", name)) // a format's bug, met at start-up
	}
	if use&f.does != 0 {
		return true
	}
	f.skipped[name] = use
	return false
}

// Skipped returns the flags declared but not added, each with its Use.
func (f *FlagSet) Skipped() map[string]Use { return f.skipped }
