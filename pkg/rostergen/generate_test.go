package rostergen

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func TestGenerateDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b := t.TempDir(), t.TempDir()
	o := Options{Users: 500, Seed: 7}
	if _, err := Generate(ctx, a, o); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, b, o); err != nil {
		t.Fatal(err)
	}
	for _, n := range Files {
		x, _ := os.ReadFile(filepath.Join(a, n))
		y, _ := os.ReadFile(filepath.Join(b, n))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same options (or is empty)", n)
		}
		if fi, err := os.Stat(filepath.Join(a, n)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600 (%v)", n, fi.Mode().Perm(), err)
		}
	}
	c := t.TempDir()
	if _, err := Generate(ctx, c, Options{Users: 500, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, "users.csv"))
	y, _ := os.ReadFile(filepath.Join(c, "users.csv"))
	if bytes.Equal(x, y) {
		t.Error("another seed gave the same users")
	}
}

// TestNightTwoCounts checks the summary of night 2 against the files themselves.
func TestNightTwoCounts(t *testing.T) {
	ctx := context.Background()
	d1, d2 := t.TempDir(), t.TempDir()
	s1, err := Generate(ctx, d1, Options{Users: 5000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Generate(ctx, d2, Options{Users: 5000, Seed: 3, Night: 2, ChangePercent: 10})
	if err != nil {
		t.Fatal(err)
	}
	index := func(dir, file string) map[string][]string {
		recs := readCSV(t, filepath.Join(dir, file))
		m := map[string][]string{}
		for _, r := range recs[1:] {
			m[r[0]] = r
		}
		return m
	}
	u1, u2 := index(d1, "users.csv"), index(d2, "users.csv")
	if len(u1) != s1.Users || len(u2) != s2.Users {
		t.Fatalf("users: files %d/%d, summaries %d/%d", len(u1), len(u2), s1.Users, s2.Users)
	}
	var added, removed, changed int
	for id, r := range u2 {
		old, ok := u1[id]
		switch {
		case !ok:
			added++
		case !slices.Equal(old, r):
			changed++
		}
	}
	for id := range u1 {
		if _, ok := u2[id]; !ok {
			removed++
		}
	}
	if added != s2.AddedUsers || removed != s2.RemovedUsers || changed != s2.ChangedUsers {
		t.Errorf("users: files say +%d -%d ~%d, summary says +%d -%d ~%d", added, removed, changed, s2.AddedUsers, s2.RemovedUsers, s2.ChangedUsers)
	}
	if added == 0 || removed == 0 || changed == 0 {
		t.Errorf("a 10%% night 2 should add, remove and change users: +%d -%d ~%d", added, removed, changed)
	}
	e1, e2 := index(d1, "enrollments.csv"), index(d2, "enrollments.csv")
	added, removed = 0, 0
	for id := range e2 {
		if _, ok := e1[id]; !ok {
			added++
		}
	}
	for id := range e1 {
		if _, ok := e2[id]; !ok {
			removed++
		}
	}
	if added != s2.AddedEnrollments || removed != s2.RemovedEnrollments || len(e2) != s2.Enrollments {
		t.Errorf("enrollments: files say +%d -%d (%d), summary +%d -%d (%d)", added, removed, len(e2), s2.AddedEnrollments, s2.RemovedEnrollments, s2.Enrollments)
	}
	if s2.MovedStudents == 0 {
		t.Error("no student moved class")
	}
}

func TestOptionsRejected(t *testing.T) {
	for _, o := range []Options{{Users: 3}, {Users: 100, Night: 3}, {Users: 100, ChangePercent: 101}, {Users: 100, Format: "capti"}} {
		if _, err := Generate(context.Background(), t.TempDir(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(context.Background(), dir, Options{Users: 20000}); err != nil {
			b.Fatal(err)
		}
	}
}
