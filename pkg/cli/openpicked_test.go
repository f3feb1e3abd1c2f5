package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusedZipStopsDiffAndHistory: diff and history compare what they read, so a zip the zip
// checks refuse is a refusal (exit 1) naming the reason, with or without --format, and the
// comparison never runs on the nothing that was read; validate lists the same zip as a problem.
func TestRefusedZipStopsDiffAndHistory(t *testing.T) {
	slip := filepath.Join(examples, "invalid", "oneroster", "parse-zip-slip.zip")
	dir := t.TempDir()
	out, stateDir := filepath.Join(dir, "out"), filepath.Join(dir, "state")
	if code, _, stderr := runCLI(t, nil, false, "push", "--to", out, "--state-dir", stateDir, filepath.Join(examples, "oneroster")); code != 0 {
		t.Fatalf("push: %d %s", code, stderr)
	}
	const why = `zip entry "../users.csv" climbs out of the archive`
	for _, args := range [][]string{
		{"diff", filepath.Join(examples, "oneroster"), slip},
		{"diff", "--format", "oneroster", slip, filepath.Join(examples, "oneroster")},
		{"history", "--state-dir", stateDir, out, "--diff", "last", slip},
		{"history", "--state-dir", stateDir, "--format", "oneroster", out, "--diff", "last", slip},
	} {
		code, stdout, stderr := runCLI(t, nil, false, args...)
		if code != ExitFindings || !strings.Contains(stderr, "rostersync: error: "+slip+": "+why) || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1, nothing on stdout, the zip's reason", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	code, stdout, _ := runCLI(t, nil, false, "validate", slip)
	if code != ExitFindings || !strings.Contains(stdout, why) {
		t.Errorf("validate: exit %d, stdout %q", code, stdout)
	}
}
