package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync/atomic"
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
	// diff --entity users reads users.csv and orgs.csv only: the bar is still given every byte
	// of both inputs, so that it ends full.
	bar := readBar
	var given, want int64
	readBar = func(deps *Deps, what string, total int64) (func(int64), func()) {
		want = total
		return func(n int64) { atomic.AddInt64(&given, n) }, func() {}
	}
	run(true, "diff", "--entity", "users", pkg, pkg)
	readBar = bar
	if want == 0 || atomic.LoadInt64(&given) != want {
		t.Errorf("diff --entity users: the bar was given %d bytes of %d", given, want)
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
