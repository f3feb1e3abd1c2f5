package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// validate draws a progress bar on stderr for an input over progressMin when stderr is a
// terminal, and never otherwise.
func TestValidateProgress(t *testing.T) {
	defer func(m int64) { progressMin = m }(progressMin)
	progressMin = 1 // the example package is small
	run := func(tty bool, args ...string) string {
		var out, errOut bytes.Buffer
		deps := &Deps{
			IO:      &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, IsStderrTTY: tty},
			Formats: formats.Registry(),
			Getenv:  func(string) string { return "" },
		}
		if code := Run(t.Context(), deps, args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return errOut.String()
	}
	pkg := filepath.Join(examples, "oneroster")
	if got := run(true, "validate", pkg); !strings.Contains(got, "reading "+pkg) || !strings.Contains(got, "% |") {
		t.Errorf("terminal: no progress bar on stderr: %q", got)
	}
	if got := run(false, "validate", pkg); strings.Contains(got, "%") {
		t.Errorf("not a terminal: %q", got)
	}
	if got := run(true, "validate", "-q", pkg); got != "" {
		t.Errorf("--quiet: %q", got)
	}
	if got := run(true, "diff", pkg, pkg); !strings.Contains(got, "reading "+pkg+" and "+pkg) || !strings.Contains(got, "% |") {
		t.Errorf("diff on a terminal: no progress bar on stderr: %q", got)
	}
	if got := run(false, "diff", pkg, pkg); strings.Contains(got, "%") {
		t.Errorf("diff, not a terminal: %q", got)
	}
	progressMin = 50 << 20
	if got := run(true, "validate", pkg); strings.Contains(got, "%") {
		t.Errorf("a small input under the threshold: %q", got)
	}
	if got := run(true, "diff", pkg, pkg); strings.Contains(got, "%") {
		t.Errorf("diff, small inputs under the threshold: %q", got)
	}
}
