//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncLockRefusedLikePush: a job's lock file that is a symbolic link is refused as push
// refuses a destination's (exit 2 with the rm that fixes it), in the job's summary and in
// sync's exit: the state folder is part of this machine's set-up, whichever command meets it.
func TestSyncLockRefusedLikePush(t *testing.T) {
	stateDir := t.TempDir()
	out := filepath.Join(t.TempDir(), "outbox")
	hook := filepath.Join(t.TempDir(), "hook.json")
	cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
	roster, err := filepath.Abs(filepath.Join(examples, "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(`profiles:
  nightly:
    source: `+roster+`
    destination: `+out+`
    state_dir: `+stateDir+`
    on_failure: cat > `+hook+`
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": t.TempDir()}
	if code, _, errOut := run(t, env, "--config", cfg, "sync"); code != 0 {
		t.Fatalf("first sync: exit %d: %s", code, errOut)
	}
	before, _ := filepath.Glob(filepath.Join(stateDir, "locks", "*.lock"))
	if len(before) != 2 { // the profile's and the destination's
		t.Fatalf("locks: %v", before)
	}
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, l := range before {
		os.Remove(l) //nolint:errcheck
		if err := os.Symlink(target, l); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut := run(t, env, "--config", cfg, "sync")
	if code != ExitUsage || !strings.Contains(errOut, "symbolic link") || !strings.Contains(errOut, `hint="rm `) {
		t.Errorf("sync with its lock a link: exit %d, want 2 naming the link with the fix: %s", code, errOut)
	}
	if b, _ := os.ReadFile(hook); !strings.Contains(string(b), `"exit_code":2`) {
		t.Errorf("the job's summary: %s; want exit_code 2", b)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target holds %q", b)
	}
}
