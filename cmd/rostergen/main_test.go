package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/pkg/rostergen"
)

// --night2 with separate rates writes the package and changes.json with the true counts.
func TestNight2Changes(t *testing.T) {
	dir := t.TempDir()
	one, two := filepath.Join(dir, "n1"), filepath.Join(dir, "n2")
	if code := run([]string{"--users", "5000", "--out", one}); code != 0 {
		t.Fatalf("night 1: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(one, "changes.json")); !os.IsNotExist(err) {
		t.Errorf("night 1 wrote changes.json (err %v)", err)
	}
	if code := run([]string{"--users", "5000", "--night2", "--added", "4", "--removed", "2", "--changed", "3", "--out", two}); code != 0 {
		t.Fatalf("night 2: exit %d", code)
	}
	b, err := os.ReadFile(filepath.Join(two, "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum rostergen.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(two, "changes.json"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("changes.json mode %v, want 0600", fi.Mode().Perm())
	}
	students := float64(sum.Students - sum.AddedUsers + sum.RemovedStudents) // night 1's
	if want := int(math.Round(students * 0.04)); sum.AddedUsers != want {
		t.Errorf("added %d users, want 4%% of %v = %d", sum.AddedUsers, students, want)
	}
	// Removed and changed are drawn per user: within a loose band around the rate.
	if r := float64(sum.RemovedStudents) / students; r < 0.01 || r > 0.03 {
		t.Errorf("removed %d of %v students (%.3f), want about 2%%", sum.RemovedStudents, students, r)
	}
	if c := float64(sum.ChangedUsers) / 5000; c < 0.015 || c > 0.045 {
		t.Errorf("changed %d of 5000 users (%.3f), want about 3%%", sum.ChangedUsers, c)
	}
}

// Night 1 written over a night-2 folder removes its changes.json, whose counts it would belie.
func TestNight1RemovesChanges(t *testing.T) {
	dir := t.TempDir()
	if code := run([]string{"--users", "100", "--night2", "--out", dir}); code != 0 {
		t.Fatalf("night 2: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "changes.json")); err != nil {
		t.Fatalf("night 2 wrote no changes.json: %v", err)
	}
	if code := run([]string{"--users", "100", "--out", dir}); code != 0 {
		t.Fatalf("night 1: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "changes.json")); !os.IsNotExist(err) {
		t.Errorf("changes.json still there after night 1 (err %v)", err)
	}
}
