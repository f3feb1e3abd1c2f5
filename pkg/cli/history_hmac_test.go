package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/state"
)

// TestHistoryDiffHMACKeyed: history --diff compares a file with a run whose snapshot the
// rostersync before this one wrote (rows keyed with HMAC-SHA256) exactly: changed rows count.
func TestHistoryDiffHMACKeyed(t *testing.T) {
	dir := t.TempDir()
	st, out := filepath.Join(dir, "state"), filepath.Join(dir, "out")
	roster := filepath.Join(dir, "roster.csv")
	const head = "email,password,first_name,last_name,person_number,unique_id\n"
	if err := os.WriteFile(roster, []byte(head+"ana@x.org,pw1,Ana,Lee,1,u1\nbo@x.org,pw2,Bo,Kim,2,u2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, o, e := runCLI(t, nil, false, "push", "--quiet", "--to", out, "--state-dir", st, roster); code != 0 {
		t.Fatalf("push: %d\n%s%s", code, o, e)
	}
	// The run's snapshot as that rostersync wrote it.
	store := &state.Store{Dir: st}
	dests, err := store.Destinations()
	if err != nil || len(dests) != 1 {
		t.Fatal(dests, err)
	}
	runs, err := store.Runs(dests[0])
	if err != nil || len(runs) != 1 {
		t.Fatal(runs, err)
	}
	key, err := snapshot.LoadKey(st)
	if err != nil {
		t.Fatal(err)
	}
	built, err := snapshotOf(t.Context(), &Deps{Formats: formats.Registry(), IO: &iostreams.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}, roster, "", format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := built.KeyedHMAC(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.WriteRunFile(dests[0], runs[0].ID, runs[0].Files[0].Snapshot, before.Applied().Write); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(roster, []byte(head+"ana@x.org,pw1,Ana,Lee,1,u1\nbo@x.org,pw9,Bo,Kim,2,u2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, o, e := runCLI(t, nil, false, "history", "--state-dir", st, out, "--diff", "last", roster)
	if code != 1 || !strings.Contains(o, "changed 1") || strings.Contains(e, "IDs only") {
		t.Errorf("history --diff: exit %d\n%s%s", code, o, e)
	}
}
