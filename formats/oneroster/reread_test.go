package oneroster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// recorder is a Sink that writes each entity down as text when it is sent, so it keeps no
// string of the reader's: with borrow set it says so (roster.Borrower).
type recorder struct {
	borrow bool
	seen   []string
}

func (r *recorder) add(kind string, v any) error {
	r.seen = append(r.seen, fmt.Sprintf("%s %+v", kind, v))
	return nil
}

func (r *recorder) BorrowsStrings() bool                            { return r.borrow }
func (r *recorder) Org(v *roster.Org) error                         { return r.add("org", *v) }
func (r *recorder) AcademicSession(v *roster.AcademicSession) error { return r.add("session", *v) }
func (r *recorder) Course(v *roster.Course) error                   { return r.add("course", *v) }
func (r *recorder) Class(v *roster.Class) error                     { return r.add("class", *v) }
func (r *recorder) User(v *roster.User) error                       { return r.add("user", *v) }
func (r *recorder) Enrollment(v *roster.Enrollment) error           { return r.add("enrollment", *v) }
func (r *recorder) Demographics(v *roster.Demographics) error       { return r.add("demographics", *v) }

// A reread (diff's second pass) skips the checks but sends exactly the entities of a checked
// read, and a borrowing sink gets the same values as one the reader copies for. The inputs
// are clean, broken (the invalid example, the public 1.0 and 1.1 samples with their defects)
// and district-shaped (rostergen), each with and without --fix.
func TestRereadAndBorrowSendTheSame(t *testing.T) {
	gen := t.TempDir()
	if _, err := rostergen.Generate(context.Background(), gen, rostergen.Options{Users: 3000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]fs.FS{
		"example":  os.DirFS("../../examples/oneroster"),
		"invalid":  os.DirFS("../../pkg/testdata/several-defects"),
		"v1p0":     os.DirFS("testdata/lms-toolkit/v1p0-sample"),
		"v1p1":     os.DirFS("testdata/lms-toolkit/v1p1-sample"),
		"generate": os.DirFS(gen),
	}
	for name, fsys := range inputs {
		for _, fix := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/fix=%v", name, fix), func(t *testing.T) {
				checked := &recorder{}
				_, probs := read(t, fsys, format.Options{Fix: fix}, checked)
				if len(checked.seen) == 0 {
					t.Fatal("nothing read")
				}
				if name != "example" && name != "generate" && len(probs) == 0 {
					t.Fatal("a broken input read without problems: the checks did not run")
				}
				reread := &recorder{}
				read(t, fsys, format.Options{Fix: fix, Reread: true}, reread)
				if !slices.Equal(reread.seen, checked.seen) {
					t.Errorf("a reread sends other entities than a checked read:\n%s", firstDiff(reread.seen, checked.seen))
				}
				borrowed := &recorder{borrow: true}
				read(t, fsys, format.Options{Fix: fix, Reread: true}, borrowed)
				if !slices.Equal(borrowed.seen, checked.seen) {
					t.Errorf("a borrowing sink gets other values:\n%s", firstDiff(borrowed.seen, checked.seen))
				}
			})
		}
	}
}

// A sink that keeps what it is sent (not a Borrower) gets copies: its entities still hold the
// values once the reader has reused its read buffers, which takes files of a few megabytes.
func TestKeepingSinkGetsCopies(t *testing.T) {
	dir := t.TempDir()
	if _, err := rostergen.Generate(context.Background(), dir, rostergen.Options{Users: 15_000, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	sent := &recorder{}
	read(t, os.DirFS(dir), format.Options{}, sent)
	coll := &roster.Collector{}
	read(t, os.DirFS(dir), format.Options{}, coll)
	kept := &recorder{}
	if err := coll.Roster.Emit(kept); err != nil {
		t.Fatal(err)
	}
	a, b := slices.Sorted(slices.Values(kept.seen)), slices.Sorted(slices.Values(sent.seen))
	if !slices.Equal(a, b) {
		t.Errorf("the entities a Collector kept changed after they were sent:\n%s", firstDiff(a, b))
	}
}

// A reread reports none of the row problems a checked read reports (it skips the checks; the
// manifest is still read), and counts the same rows.
func TestRereadSkipsChecks(t *testing.T) {
	fsys := os.DirFS("../../pkg/testdata/several-defects")
	info, probs := read(t, fsys, format.Options{}, roster.Discard{})
	rinfo, rprobs := read(t, fsys, format.Options{Reread: true}, roster.Discard{})
	var checks int
	for _, p := range probs {
		if p.Line > 0 && p.File != "manifest.csv" {
			checks++
		}
	}
	var rchecks int
	for _, p := range rprobs {
		if p.Line > 0 && p.File != "manifest.csv" {
			rchecks++
		}
	}
	if checks == 0 || rchecks != 0 {
		t.Errorf("row problems: %d on a checked read, %d on a reread (want some, then none)", checks, rchecks)
	}
	if fmt.Sprint(info.Files) != fmt.Sprint(rinfo.Files) {
		t.Errorf("files read: %v, reread %v", info.Files, rinfo.Files)
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("entity %d:\n got  %s\n want %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d entities, want %d", len(got), len(want))
}

// rostergen writes spec-clean packages, from the smallest size up and on either night (night 2
// written over night 1, down to no student left): no problem at all with the OneRoster rules,
// and none but infos (what Capti ignores) with --vendor capti.
func TestRostergenValidatesClean(t *testing.T) {
	for _, o := range []rostergen.Options{
		{Users: rostergen.MinUsers, Seed: 1}, {Users: 40, Seed: 1}, {Users: 999, Seed: 2}, {Users: 7_500, Seed: 3},
		{Users: 7_500, Seed: 3, Night: 2, Split: true, Added: 5, Removed: 5, Changed: 10},
		{Users: 100, Seed: 4, Night: 2, Split: true, Added: 0, Removed: 100, Changed: 100}, // no student left
		{Users: 13, Seed: 5, Night: 2, Split: true, Added: 100, Removed: 100, Changed: 0},
	} {
		t.Run(fmt.Sprintf("%d-night%d", o.Users, max(o.Night, 1)), func(t *testing.T) {
			dir := t.TempDir()
			if o.Night == 2 { // over night 1, as a nightly job rewrites its folder
				if _, err := rostergen.Generate(context.Background(), dir, rostergen.Options{Users: o.Users, Seed: o.Seed}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rostergen.Generate(context.Background(), dir, o); err != nil {
				t.Fatal(err)
			}
			for _, vendor := range []string{"", "capti"} {
				_, probs := read(t, os.DirFS(dir), format.Options{Vendor: vendor}, roster.Discard{})
				for _, p := range probs {
					stray := p.File == "changes.json" && p.Severity == roster.Info
					if !stray && (vendor == "" || p.Severity != roster.Info) {
						t.Errorf("vendor %q: %s %s", vendor, key(p), p.Message)
					}
				}
			}
		})
	}
}

// References are looked up a batch of rows at a time: a run of rows that refer to a missing
// user, across a batch boundary and between good references to the same class, is reported on
// every row of the run, in order, and nothing else is.
func TestDanglingRunAcrossBatches(t *testing.T) {
	dir := t.TempDir()
	if _, err := rostergen.Generate(context.Background(), dir, rostergen.Options{Users: 400, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "enrollments.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	user := slices.Index(strings.Split(lines[0], ","), "userSourcedId")
	if user < 0 || len(lines) < 1200 {
		t.Fatalf("unexpected enrollments.csv: %d lines, header %q", len(lines), lines[0])
	}
	var want []string
	for i := 1000; i < 1060; i++ { // file lines 1001-1060: the first batch ends at line 1025
		if i == 1030 {
			continue // one good reference inside the run
		}
		c := strings.Split(lines[i], ",")
		c[user] = "0badc0de-0000-4000-8000-000000000000"
		lines[i] = strings.Join(c, ",")
		want = append(want, fmt.Sprintf("enrollments.csv:%d error dangling-ref [userSourcedId]", i+1))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, probs := read(t, os.DirFS(dir), format.Options{}, roster.Discard{})
	var got []string
	for _, p := range probs {
		got = append(got, key(p))
		if p.Code == roster.CodeDanglingRef && p.Message != `user "0badc0de-0000-4000-8000-000000000000" is not in users.csv` {
			t.Errorf("message %q", p.Message)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d problems %q…, want %d %q…", len(got), got[:min(3, len(got))], len(want), want[:3])
	}
}
