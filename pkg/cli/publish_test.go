package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// TestPushSendsWhatWasChecked changes the file being pushed while the SSH connection is made
// (a proxy holds the connection until the change is done): the server must receive the bytes
// that were validated and guarded, and the run record their SHA-256, never the new file, nor
// the target of a symbolic link put in its place.
func TestPushSendsWhatWasChecked(t *testing.T) {
	original, err := os.ReadFile(filepath.Join(examples, "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(original)
	swaps := map[string]func(t *testing.T, path, secret string){
		"replaced": func(t *testing.T, path, _ string) {
			// A header and one row: what the guard would have refused.
			lines := strings.SplitAfter(string(original), "\n")
			tmp := path + ".new"
			if err := os.WriteFile(tmp, []byte(lines[0]+lines[1]), 0o600); err != nil {
				t.Error(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Error(err)
			}
		},
		"symlink": func(t *testing.T, path, secret string) {
			if err := os.Remove(path); err != nil {
				t.Error(err)
			}
			if err := os.Symlink(secret, path); err != nil {
				t.Error(err)
			}
		},
	}
	for name, start := range servers(t) {
		for swapName, swap := range swaps {
			t.Run(name+"/"+swapName, func(t *testing.T) {
				srv := start(t)
				if err := os.MkdirAll(srv.path("inbox"), 0o755); err != nil {
					t.Fatal(err)
				}
				proxy := sftptest.NewProxy(t, srv.hostport)
				kh := proxy.KnownHosts(t, srv.hostKey)
				url := strings.Replace(srv.url("inbox/"), srv.hostport, proxy.Addr(), 1)
				dir := t.TempDir()
				path := filepath.Join(dir, "roster.csv")
				secret := filepath.Join(dir, "shadow")
				if err := os.WriteFile(path, original, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(secret, []byte("root:$6$not-for-the-vendor:19000:0:99999:7:::\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
				var once sync.Once
				proxy.OnConnect(func() {
					once.Do(func() {
						// The connection waits until the file has been read (rostersync reads it
						// into its state folder while it connects; an older one read it before
						// connecting), then the file changes before anything is sent.
						waitForCopy(env["XDG_STATE_HOME"], len(original))
						swap(t, path, secret)
					})
				})
				code, _, errOut := run(t, env, "push", "--to", url, "--known-hosts", kh, "--identity-file", srv.key, path)
				if code != 0 {
					t.Fatalf("push: exit %d: %s", code, errOut)
				}
				got, err := os.ReadFile(srv.path("inbox/roster.csv"))
				if err != nil || !bytes.Equal(got, original) {
					t.Fatalf("the server holds %q (%v), want the %d bytes that were validated", firstLine(got), err, len(original))
				}
				code, out, errOut := run(t, env, "history", "-o", "json", url)
				if code != 0 {
					t.Fatalf("history: exit %d: %s", code, errOut)
				}
				var runs []struct {
					Result string `json:"result"`
					Files  []struct {
						SHA256 string `json:"sha256"`
					} `json:"files"`
				}
				if err := json.Unmarshal([]byte(out), &runs); err != nil || len(runs) != 1 || len(runs[0].Files) != 1 {
					t.Fatalf("history: %v: %s", err, out)
				}
				if runs[0].Result != "pushed" || runs[0].Files[0].SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("history records %s %s, want pushed with the SHA-256 of the bytes sent", runs[0].Result, runs[0].Files[0].SHA256)
				}
			})
		}
	}
}

// TestPushRefusesSymlink: a PATH that is a symbolic link is not followed.
func TestPushRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "roster.csv")
	if err := os.Symlink(filepath.Join(mustAbs(t, examples), "capti", "roster.csv"), link); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	out := filepath.Join(t.TempDir(), "outbox")
	code, _, errOut := run(t, env, "push", "--to", out, link)
	if code != 3 || !strings.Contains(errOut, "is a symbolic link") {
		t.Fatalf("push of a link: exit %d, want 3 with the reason: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "roster.csv")); err == nil {
		t.Error("the link's target was sent")
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// waitForCopy waits (5 s at most) until a file of size bytes sits in the state folder's
// private copies.
func waitForCopy(stateHome string, size int) {
	for range 500 {
		found := false
		filepath.WalkDir(filepath.Join(stateHome, "rostersync", "tmp"), func(p string, d fs.DirEntry, err error) error { //nolint:errcheck
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil && fi.Size() == int64(size) {
					found = true
				}
			}
			return nil
		})
		if found {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// guardedPush is a copy (src) of the example Capti roster pushed to a local folder (out) with
// a state folder of its own (env): the shrink guard's baseline for what a test pushes next.
type guardedPush struct {
	env      map[string]string
	src, out string
	full     []byte
}

func newGuardedPush(t *testing.T) *guardedPush {
	t.Helper()
	full, err := os.ReadFile(filepath.Join(examples, "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &guardedPush{env: map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()},
		src: filepath.Join(dir, "roster.csv"), out: filepath.Join(dir, "outbox"), full: full}
	p.write(t, full)
	if code, _, errOut := run(t, p.env, "push", "--to", p.out, p.src); code != 0 {
		t.Fatalf("first push: exit %d: %s", code, errOut)
	}
	return p
}

// write makes b the source.
func (p *guardedPush) write(t *testing.T, b []byte) {
	t.Helper()
	if err := os.WriteFile(p.src, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// cut makes the roster's first n lines (its header one of them) the source, and returns them.
func (p *guardedPush) cut(t *testing.T, n int) []byte {
	t.Helper()
	b := []byte(strings.Join(strings.SplitAfter(string(p.full), "\n")[:n], ""))
	p.write(t, b)
	return b
}

// TestHoldApprove: a refused push is held; approving it publishes the held bytes even though
// the source changed since, and the approved run is the guard's next baseline.
func TestHoldApprove(t *testing.T) {
	p := newGuardedPush(t)
	env, src, out, full := p.env, p.src, p.out, p.full
	write := func(b []byte) { p.write(t, b) }
	small := p.cut(t, 3)
	code, _, errOut := run(t, env, "push", "--to", out, src)
	if code != 1 || !strings.Contains(errOut, "held as run") {
		t.Fatalf("shrunk push: exit %d, want 1 and a held run: %s", code, errOut)
	}
	code, stdout, errOut := run(t, env, "hold", "list", "-o", "json")
	var held []map[string]string
	if code != 0 || json.Unmarshal([]byte(stdout), &held) != nil || len(held) != 1 {
		t.Fatalf("hold list: exit %d: %s%s", code, stdout, errOut)
	}
	h := held[0]
	if h["id"] == "" || h["destination"] != out || h["created"] == "" || !strings.Contains(h["reason"], "removed") || len(h) != 4 {
		t.Errorf("hold list -o json: %v", h)
	}
	code, stdout, _ = run(t, env, "hold", "show", h["id"])
	if code != 0 || !strings.Contains(stdout, "+0 -36") {
		t.Errorf("hold show: exit %d: %s", code, stdout)
	}
	if code, stdout, _ := run(t, env, "history", out); code != 0 || !strings.Contains(stdout, "held") {
		t.Errorf("history does not show the held run: %s", stdout)
	}
	// The source changes again; the approval sends what was held, not what is there now.
	write(full[:len(full)/2])
	code, _, errOut = run(t, env, "hold", "approve", h["id"])
	if code != 0 {
		t.Fatalf("hold approve: exit %d: %s", code, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "roster.csv")); !bytes.Equal(got, small) {
		t.Fatalf("approve published %q…, want the held file", firstLine(got))
	}
	if code, stdout, _ := run(t, env, "hold", "list", "-o", "json"); code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("the approved hold is still listed: %s", stdout)
	}
	if code, _, errOut := run(t, env, "hold", "approve", h["id"]); code != 2 {
		t.Errorf("approving it twice: exit %d, want 2: %s", code, errOut)
	}
	// The approved run is the baseline: the same small file passes the guard now.
	write(small)
	if code, _, errOut := run(t, env, "push", "--to", out, src); code != 0 {
		t.Errorf("push after the approval: exit %d: %s", code, errOut)
	}
}

// TestHoldDiscard: a discarded hold is gone with its files, and history says so.
func TestHoldDiscard(t *testing.T) {
	p := newGuardedPush(t)
	env, src, out, full := p.env, p.src, p.out, p.full
	p.cut(t, 3)
	for range state.MaxHeld + 2 {
		if code, _, _ := run(t, env, "push", "--to", out, src); code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
	}
	_, stdout, _ := run(t, env, "hold", "list", "-o", "json")
	var held []map[string]string
	json.Unmarshal([]byte(stdout), &held) //nolint:errcheck
	if len(held) != state.MaxHeld {
		t.Fatalf("%d held runs, want at most %d: %s", len(held), state.MaxHeld, stdout)
	}
	if code, _, errOut := run(t, env, "hold", "discard", held[0]["id"]); code != 0 {
		t.Fatalf("discard: exit %d: %s", code, errOut)
	}
	_, stdout, _ = run(t, env, "hold", "list", "-o", "json")
	if strings.Contains(stdout, held[0]["id"]) {
		t.Errorf("discarded run still listed: %s", stdout)
	}
	if _, stdout, _ := run(t, env, "history", out); !strings.Contains(stdout, "held, discarded") {
		t.Errorf("history: %s", stdout)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "roster.csv")); !bytes.Equal(got, full) {
		t.Error("a discarded hold changed the destination")
	}
}

// TestGuardBaselineSurvivesRefusals: more refused nights than the run retention, then a
// one-row file: still compared with the last push, still refused.
func TestGuardBaselineSurvivesRefusals(t *testing.T) {
	p := newGuardedPush(t)
	env, src, out := p.env, p.src, p.out
	p.cut(t, 4)
	for i := range state.Retention {
		if code, _, errOut := run(t, env, "push", "--to", out, src); code != 1 {
			t.Fatalf("refusal %d: exit %d: %s", i+1, code, errOut)
		}
	}
	p.cut(t, 2)
	code, _, errOut := run(t, env, "push", "--to", out, src)
	if code != 1 || !strings.Contains(errOut, "of users removed") {
		t.Fatalf("a 1-row push after %d refusals: exit %d, want 1 (compared with the last push): %s", state.Retention, code, errOut)
	}
}

// TestDestinationAliases: a symbolic link to a local destination, and another path to the
// same SFTP folder, share the destination's lock and guard history.
func TestDestinationAliases(t *testing.T) {
	full, _ := os.ReadFile(filepath.Join(examples, "capti", "roster.csv"))
	lines := strings.SplitAfter(string(full), "\n")
	dir := t.TempDir()
	src, small := filepath.Join(dir, "roster.csv"), filepath.Join(dir, "small", "roster.csv")
	os.WriteFile(src, full, 0o600)                                  //nolint:errcheck
	os.MkdirAll(filepath.Dir(small), 0o700)                         //nolint:errcheck
	os.WriteFile(small, []byte(strings.Join(lines[:3], "")), 0o600) //nolint:errcheck

	t.Run("local", func(t *testing.T) {
		stateDir := t.TempDir()
		env := map[string]string{"XDG_STATE_HOME": stateDir, "HOME": t.TempDir()}
		out := filepath.Join(t.TempDir(), "outbox")
		alias := filepath.Join(t.TempDir(), "alias")
		if code, _, errOut := run(t, env, "push", "--to", out, src); code != 0 {
			t.Fatal(errOut)
		}
		if err := os.Symlink(out, alias); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := run(t, env, "push", "--to", alias, small)
		if code != 1 || !strings.Contains(errOut, "of users removed") {
			t.Fatalf("push through a link to the destination: exit %d, want the guard's refusal: %s", code, errOut)
		}
		// The lock is the destination's, whatever name it is reached by.
		real, _ := filepath.EvalSymlinks(out)
		lock, err := (&state.Store{Dir: filepath.Join(stateDir, "rostersync")}).Lock(real)
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Unlock()
		if code, _, errOut := run(t, env, "push", "--to", alias, src); code != 5 {
			t.Errorf("push through a link while the destination is locked: exit %d, want 5: %s", code, errOut)
		}
	})

	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
			if err := os.MkdirAll(srv.path("inbox"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(srv.path("inbox"), srv.path("alias")); err != nil {
				t.Fatal(err)
			}
			conn := []string{"--known-hosts", srv.knownHosts, "--identity-file", srv.key}
			if code, _, errOut := run(t, env, append([]string{"push", "--to", srv.url("inbox/"), src}, conn...)...); code != 0 {
				t.Fatal(errOut)
			}
			for _, other := range []string{srv.url("alias/"), srv.url("inbox/./")} {
				code, _, errOut := run(t, env, append([]string{"push", "--to", other, small}, conn...)...)
				if code != 1 || !strings.Contains(errOut, "of users removed") {
					t.Errorf("push to %s: exit %d, want the guard's refusal: %s", other, code, errOut)
				}
			}
			if got, _ := os.ReadFile(srv.path("inbox/roster.csv")); !bytes.Equal(got, full) {
				t.Error("a refused push through an alias changed the file")
			}
			if code, stdout, _ := run(t, env, "history", srv.url("alias/")); code != 0 || !strings.Contains(stdout, "pushed") || !strings.Contains(stdout, "held") {
				t.Errorf("history by the alias: %s", stdout)
			}
		})
	}
}

// TestSyncPullsAFolderOfCSVs: an sftp:// source folder holding a OneRoster package as CSV
// files (no zip) is pulled by default: the format's file names, else *.zip.
func TestSyncPullsAFolderOfCSVs(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
			if err := os.MkdirAll(srv.path("export"), 0o755); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(filepath.Join(examples, "oneroster"))
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(examples, "oneroster", e.Name()))
				if err := os.WriteFile(srv.path("export/"+e.Name()), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			os.WriteFile(srv.path("export/notes.txt"), []byte("not a roster"), 0o644) //nolint:errcheck
			out := filepath.Join(t.TempDir(), "outbox")
			cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
			os.WriteFile(cfg, []byte(`profiles:
  nightly:
    source: `+srv.url("export/")+`
    from: oneroster
    to: students
    destination: `+out+`
    identity_file: `+srv.key+`
    known_hosts: `+srv.knownHosts+`
`), 0o600) //nolint:errcheck
			code, _, errOut := run(t, env, "--config", cfg, "sync")
			if code != 0 {
				t.Fatalf("sync: exit %d: %s", code, errOut)
			}
			got, err := os.ReadFile(filepath.Join(out, "students.csv"))
			want, _ := os.ReadFile(filepath.Join(examples, "students", "students.csv"))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("sync published %d bytes (%v), want the example students.csv", len(got), err)
			}
			if strings.Contains(errOut, "notes.txt") {
				t.Errorf("a file that is not the format's was pulled: %s", errOut)
			}
		})
	}
}

// TestHoldApproveOverSFTP: a run held by push over SFTP is approved with no flag but the
// state it was held under: the connection settings come from the hold.
func TestHoldApproveOverSFTP(t *testing.T) {
	full, _ := os.ReadFile(filepath.Join(examples, "capti", "roster.csv"))
	lines := strings.SplitAfter(string(full), "\n")
	small := []byte(strings.Join(lines[:3], ""))
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			os.MkdirAll(srv.path("inbox"), 0o755) //nolint:errcheck
			stateDir := filepath.Join(t.TempDir(), "state")
			env := map[string]string{"HOME": t.TempDir()}
			src := filepath.Join(t.TempDir(), "roster.csv")
			os.WriteFile(src, full, 0o600) //nolint:errcheck
			conn := []string{"--known-hosts", srv.knownHosts, "--identity-file", srv.key, "--state-dir", stateDir}
			if code, _, errOut := run(t, env, append([]string{"push", "--to", srv.url("inbox/"), src}, conn...)...); code != 0 {
				t.Fatal(errOut)
			}
			os.WriteFile(src, small, 0o600) //nolint:errcheck
			if code, _, errOut := run(t, env, append([]string{"push", "--to", srv.url("inbox/"), src}, conn...)...); code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errOut)
			}
			_, stdout, _ := run(t, env, "hold", "list", "-o", "json", "--state-dir", stateDir)
			var held []map[string]string
			if json.Unmarshal([]byte(stdout), &held) != nil || len(held) != 1 {
				t.Fatalf("hold list: %s", stdout)
			}
			os.WriteFile(src, full, 0o600) //nolint:errcheck
			if code, _, errOut := run(t, env, "hold", "approve", "--state-dir", stateDir, held[0]["id"]); code != 0 {
				t.Fatalf("approve: exit %d: %s", code, errOut)
			}
			if got, _ := os.ReadFile(srv.path("inbox/roster.csv")); !bytes.Equal(got, small) {
				t.Errorf("the server holds %q…, want the held file", firstLine(got))
			}
		})
	}
}

// TestInvalidInputDoesNotWaitForServer: the connection is made while the input is checked; an
// input refused by the check ends the run without waiting for a server that does not answer.
func TestInvalidInputDoesNotWaitForServer(t *testing.T) {
	silent := sftptest.Silent(t) // accepts, never answers
	bad := filepath.Join(t.TempDir(), "roster.csv")
	os.WriteFile(bad, []byte("email,password,first_name,last_name,person_number,unique_id\nnot-an-email,,,,,\n"), 0o600) //nolint:errcheck
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, nil, 0o600) //nolint:errcheck
	key := sftptest.New(t).ClientKeyPath()
	done := make(chan int, 1)
	go func() {
		code, _, _ := run(t, env, "push", "--to", "sftp://u@"+silent.Addr+"/in/", "--known-hosts", kh,
			"--identity-file", key, "--timeout", "10m", "--format", "capti", bad)
		done <- code
	}()
	select {
	case code := <-done:
		if code != 1 {
			t.Errorf("exit %d, want 1 (the input's errors)", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("push of an invalid input waited for the server's handshake")
	}
}

// TestCopiesRemoved: a run's private copy of its inputs is gone when the run ends, sent,
// refused by its check or by a failed connection; only a held run keeps its copy.
func TestCopiesRemoved(t *testing.T) {
	stateHome := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": stateHome, "HOME": t.TempDir()}
	out := filepath.Join(t.TempDir(), "outbox")
	bad := filepath.Join(t.TempDir(), "roster.csv")
	os.WriteFile(bad, []byte("email,password,first_name,last_name,person_number,unique_id\nnot-an-email,,,,,\n"), 0o600) //nolint:errcheck
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, nil, 0o600) //nolint:errcheck
	runs := [][]string{
		{"push", "--to", out, filepath.Join(examples, "capti", "roster.csv")},
		{"push", "--to", out, "--format", "capti", bad},
		{"push", "--to", "sftp://u@127.0.0.1:1/in/", "--known-hosts", kh, "--password-env", "PW", "--retries", "0", filepath.Join(examples, "capti", "roster.csv")},
	}
	env["PW"] = "x"
	for _, args := range runs {
		run(t, env, args...)
		entries, err := os.ReadDir(filepath.Join(stateHome, "rostersync", "tmp"))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Errorf("%v left %s in the state folder", args, entries[0].Name())
		}
	}
}

// TestSyncMaxAgeOfPulledSource: a pulled file older than the job's max_age stops the job
// (exit 1) with the reason, before anything is fetched or sent.
func TestSyncMaxAgeOfPulledSource(t *testing.T) {
	srv := sftptest.New(t)
	os.MkdirAll(srv.Path("drop"), 0o755) //nolint:errcheck
	b, _ := os.ReadFile(filepath.Join(examples, "students", "students.csv"))
	old := srv.Path("drop/students.csv")
	os.WriteFile(old, b, 0o644) //nolint:errcheck
	stale := time.Now().Add(-48 * time.Hour)
	os.Chtimes(old, stale, stale) //nolint:errcheck
	out := filepath.Join(t.TempDir(), "outbox")
	cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
	os.WriteFile(cfg, []byte(`profiles:
  nightly:
    source: `+srv.URL("drop/")+`
    from: students
    max_age: 24h
    destination: `+out+`
    identity_file: `+srv.ClientKeyPath()+`
    known_hosts: `+srv.KnownHostsPath()+`
`), 0o600) //nolint:errcheck
	env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
	code, _, errOut := run(t, env, "--config", cfg, "sync")
	if code != 1 || !strings.Contains(errOut, "is the export stuck?") {
		t.Fatalf("sync of a stale source: exit %d, want 1 with the reason: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "students.csv")); err == nil {
		t.Error("a stale source was sent")
	}
	now := time.Now()
	os.Chtimes(old, now, now) //nolint:errcheck
	if code, _, errOut := run(t, env, "--config", cfg, "sync"); code != 0 {
		t.Fatalf("sync of a fresh source: exit %d: %s", code, errOut)
	}
}
