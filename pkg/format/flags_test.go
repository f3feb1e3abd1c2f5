package format

import (
	"testing"

	"github.com/spf13/pflag"
)

// A FlagSet adds the flags whose use is among what the command does, and keeps the others
// with their use; a flag declared without a use is a format's bug, met at start-up.
func TestFlagSetUses(t *testing.T) {
	fs := pflag.NewFlagSet("validate", pflag.ContinueOnError)
	f := NewFlagSet(fs, Reading)
	var read, written, keyed string
	var both bool
	f.StringVar(&read, "read", Reading, "")
	f.BoolVar(&both, "both", Reading|Writing, "")
	f.StringVar(&written, "written", Writing, "")
	f.StringVar(&keyed, "keyed", Writing|Matching, "")
	for _, name := range []string{"read", "both"} {
		if fs.Lookup(name) == nil {
			t.Errorf("--%s was not added", name)
		}
	}
	for name, use := range map[string]Use{"written": Writing, "keyed": Writing | Matching} {
		if fs.Lookup(name) != nil {
			t.Errorf("--%s was added to a command that only reads", name)
		}
		if got := f.Skipped()[name]; got != use {
			t.Errorf("--%s skipped with use %v, want %v", name, got, use)
		}
	}
	if got := (Writing | Matching).String(); got != "what convert writes and how diff pairs up users" {
		t.Errorf("Use.String: %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a flag without a use was accepted")
		}
	}()
	f.StringVar(&read, "nouse", 0, "")
}
