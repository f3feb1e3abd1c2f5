package format

import (
	"context"
	"io/fs"
	"slices"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// bare is a format with none of the optional abilities.
type bare struct{}

func (bare) Name() string       { return "bare" }
func (bare) Detect(fs.FS) Match { return NoMatch }
func (bare) Read(context.Context, fs.FS, Options, roster.Sink, roster.Reporter) (Info, error) {
	return Info{}, nil
}
func (bare) Write(context.Context, Dest, *roster.Roster, Options, roster.Reporter) error { return nil }

// TestAbilityDefaults: a format without an ability gets the defaults the commands assume.
func TestAbilityDefaults(t *testing.T) {
	var f Format = bare{}
	if got := Title(f); got != "bare" {
		t.Errorf("Title = %q, want the name", got)
	}
	p := PackagingOf(f)
	if p.Multi || p.FileName != "bare.csv" || !slices.Equal(p.Files, []string{"bare.csv"}) {
		t.Errorf("PackagingOf = %+v, want one file named bare.csv", p)
	}
	if HoldsDeltas(f) || OrgUseOf(f) != OrgsIgnored {
		t.Error("a format holds deltas or needs orgs without saying so")
	}
}

// TestOptionsSettings: settings are per format name, WithSettings leaves the options it was
// called on alone (one Options may feed several reads), and a format given none gets its zero
// settings.
func TestOptionsSettings(t *testing.T) {
	type set struct{ Domain string }
	base := Options{Org: "Lincoln"}.WithSettings("a", set{Domain: "a.example"})
	other := base.WithSettings("b", set{Domain: "b.example"})
	if base.Settings("b") != nil {
		t.Error("WithSettings changed the options it was called on")
	}
	if got := SettingsOf[set](other, "a"); got.Domain != "a.example" {
		t.Errorf("a: %+v", got)
	}
	if got := SettingsOf[set](other, "b"); got.Domain != "b.example" || other.Org != "Lincoln" {
		t.Errorf("b: %+v (org %q)", got, other.Org)
	}
	if got := SettingsOf[set](Options{}, "a"); got != (set{}) {
		t.Errorf("no settings: %+v, want the zero value", got)
	}
}
