package state

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	l1, err := s.Lock("sftp://a@h/Upload/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock("sftp://a@h/Upload/"); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: err = %v, want ErrLocked", err)
	}
	l3, err := s.Lock("sftp://a@h/Other/")
	if err != nil {
		t.Fatalf("another destination must not be locked: %v", err)
	}
	l3.Unlock()
	if err := l1.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := s.Lock("sftp://a@h/Upload/")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
}

func TestRunsAndRetention(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	dest := "sftp://lincolnsd@sftp.example.org:2222/"
	base := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	for i := range Retention + 5 {
		run := &Run{ID: NewRunID(base.Add(time.Duration(i) * time.Hour)), Time: base, Destination: dest, Result: "pushed",
			Files: []RunFile{{Name: "roster.csv", Rows: 100 + i, SHA256: fmt.Sprint(i)}}}
		if err := s.WriteRunFile(dest, run.ID, "roster.csv.ids.gz", func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "id\t%d\n", i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if i == Retention+4 {
			run.Result = "refused"
		}
		if err := s.SaveRun(run); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs(dest)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != Retention {
		t.Fatalf("%d runs kept, want %d", len(runs), Retention)
	}
	if runs[0].Files[0].Rows != 100+Retention+4 {
		t.Errorf("newest first: got rows %d", runs[0].Files[0].Rows)
	}
	run, file, err := s.LastPushed(dest, "roster.csv")
	if err != nil || run == nil {
		t.Fatalf("LastPushed: %v %v", run, err)
	}
	if file.Rows != 100+Retention+3 {
		t.Errorf("LastPushed skipped the refused run? rows %d", file.Rows)
	}
	rc, err := s.OpenRunFile(dest, run.ID, "roster.csv.ids.gz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != fmt.Sprintf("id\t%d\n", Retention+3) {
		t.Errorf("run file = %q", b)
	}
	dests, _ := s.Destinations()
	if len(dests) != 1 || dests[0] != dest {
		t.Errorf("Destinations = %v", dests)
	}
	// Modes: files 0600, folders 0700.
	filepath.Walk(s.Dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if p != s.Dir && info.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
}

func TestKey(t *testing.T) {
	a, b := Key("sftp://a@h/Upload/"), Key("sftp://a@h/Upload")
	if a == b {
		t.Error("keys of different destinations collide")
	}
	if strings.ContainsAny(a, "/:@") {
		t.Errorf("key %q is not a plain name", a)
	}
}

func TestDefaultDir(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"}
	d, _ := DefaultDir(func(k string) string { return env[k] })
	if d != filepath.Join("/x", "rostersync") {
		t.Errorf("with XDG_STATE_HOME: %s", d)
	}
	delete(env, "XDG_STATE_HOME")
	d, _ = DefaultDir(func(k string) string { return env[k] })
	if d != filepath.Join("/h", ".local", "state", "rostersync") {
		t.Errorf("without: %s", d)
	}
}

// TestRetentionKeepsLastPushed: refused and failed nights never prune away the snapshot of the
// last successful push, which the guard compares with.
func TestRetentionKeepsLastPushed(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	dest := "/srv/outbox"
	base := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	save := func(i int, result string) *Run {
		at := base.Add(time.Duration(i) * time.Hour)
		run := &Run{ID: NewRunID(at), Time: at, Destination: dest, Result: result,
			Files: []RunFile{{Name: "roster.csv", Rows: 100, SHA256: fmt.Sprint(i)}}}
		if result == "pushed" {
			run.Files[0].Snapshot = "snapshot-1.bin.gz"
			if err := s.WriteRunFile(dest, run.ID, "snapshot-1.bin.gz", func(w io.Writer) error { _, err := io.WriteString(w, "snap"); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SaveRun(run); err != nil {
			t.Fatal(err)
		}
		return run
	}
	pushed := save(0, "pushed")
	for i := 1; i <= Retention+10; i++ {
		result := "refused"
		if i%7 == 0 {
			result = "failed"
		}
		save(i, result)
	}
	last, rf, err := s.LastPushed(dest, "roster.csv")
	if err != nil || last == nil || last.ID != pushed.ID {
		t.Fatalf("LastPushed = %v, %v; want the run %s kept through %d refusals", last, err, pushed.ID, Retention+10)
	}
	r, err := s.OpenRunFile(dest, last.ID, rf.Snapshot)
	if err != nil {
		t.Fatalf("the last pushed snapshot was pruned: %v", err)
	}
	r.Close()
	runs, _ := s.Runs(dest)
	if len(runs) != Retention+1 {
		t.Errorf("%d runs kept, want the last %d and the last pushed one", len(runs), Retention)
	}
}
