package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rostersync/rostersync/pkg/diff"
)

// TestHistoryDiffAgreesWithDiff: the guard's snapshots and diff are one comparison engine, so
// history --diff of a pushed input against another gives diff's counts on the same two inputs.
func TestHistoryDiffAgreesWithDiff(t *testing.T) {
	edited := editedPackage(t, map[string]string{
		"stu01,": "",                                                                                     // removed
		"stu02,": "stu02,,,true,sch0,student,x,{SSID:1},Ines,Ramos,,1000002,ines@example.org,,,,07,pw\n", // changed
	})
	capti := filepath.Join(t.TempDir(), "roster.csv")
	b, err := os.ReadFile(filepath.Join(examples, "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(capti, b[:len(b)*2/3], 0o600); err != nil { // a cut-off export
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"oneroster", filepath.Join(examples, "oneroster"), edited},
		{"capti", filepath.Join(examples, "capti", "roster.csv"), capti},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, stateDir := filepath.Join(dir, "out"), filepath.Join(dir, "state")
			as := []string{}
			if tc.name == "capti" {
				as = []string{"--as", "roster.csv"}
			}
			if code, _, stderr := runCLI(t, nil, false, append([]string{"push", "--to", out, "--state-dir", stateDir, tc.old}, as...)...); code != 0 {
				t.Fatalf("push: %d %s", code, stderr)
			}
			code, hist, stderr := runCLI(t, nil, false, "history", "--state-dir", stateDir, "-o", "json", out, "--diff", "last", tc.new)
			if code != 1 {
				t.Fatalf("history --diff: %d %s", code, stderr)
			}
			code, dif, stderr := runCLI(t, nil, false, "diff", "--summary", "-o", "json", tc.old, tc.new)
			if code != 1 {
				t.Fatalf("diff: %d %s", code, stderr)
			}
			var h, d struct {
				Summary map[string]diff.Counts `json:"summary"`
			}
			if err := json.Unmarshal([]byte(hist), &h); err != nil {
				t.Fatal(err, hist)
			}
			if err := json.Unmarshal([]byte(dif), &d); err != nil {
				t.Fatal(err, dif)
			}
			if len(d.Summary) == 0 || !reflect.DeepEqual(h.Summary, d.Summary) {
				t.Errorf("history --diff %+v\ndiff            %+v", h.Summary, d.Summary)
			}
			if u := d.Summary["users"]; u.Removed == 0 {
				t.Errorf("users %+v: nothing removed", u)
			}
		})
	}
}
