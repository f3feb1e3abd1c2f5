package formats_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

var examples = filepath.Join("..", "examples")

// TestConformance runs the format conformance suite (formattest.Run) for every registered
// format: a new format is tested by adding it to the registry.
func TestConformance(t *testing.T) {
	reg := formats.Registry()
	// The canonical roster: the OneRoster example, the richest (orgs, sessions, courses,
	// classes, users of every role, demographics, enrollments).
	_, canon, probs := formattest.Read(t, oneroster.New(), os.DirFS(filepath.Join(examples, "oneroster")), format.Options{})
	for _, p := range probs {
		if p.Severity == roster.Error {
			t.Fatalf("the canonical example has an error: %+v", p)
		}
	}
	s := formattest.Suite{Registry: reg, Canonical: &canon.Roster, Examples: examples}
	for _, f := range reg.Formats() {
		t.Run(f.Name(), func(t *testing.T) { formattest.Run(t, s, f) })
	}
}

// FuzzReaders reads arbitrary bytes with every registered format's reader; the seeds are the
// example files (valid and invalid).
func FuzzReaders(f *testing.F) {
	formattest.Fuzz(f, formats.Registry(), examples)
}
