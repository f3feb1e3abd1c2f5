package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
)

// lineChecker is a Checker for tests: a file's data rows are its lines after the first.
func lineChecker(ctx context.Context, c *Copy) (*Set, error) {
	b, err := os.ReadFile(c.Path)
	if err != nil {
		return nil, err
	}
	rows := strings.Count(string(b), "\n") - 1
	name := filepath.Base(c.Path)
	if c.Input.As != "" {
		name = c.Input.As
	}
	return &Set{Source: c.Input.shown(), Format: "lines", Files: []transport.File{{Name: name, Path: c.Path}},
		FileRows: []int{rows}, Rows: rows, Snap: snapshot.NewBuilder().Snapshot()}, nil
}

func TestCopyRefusesLinksAndKeepsPrivateCopies(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "roster.csv")
	os.WriteFile(real, []byte("h\na\nb\n"), 0o644) //nolint:errcheck
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err := makeCopy(t.Context(), out, Input{Path: link})
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindLocal || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a link: err = %v, want a local error naming the link", err)
	}

	// A folder: its regular files copied 0600, a link in it left out with a note.
	pkg := filepath.Join(dir, "pkg")
	os.Mkdir(pkg, 0o755)                                                   //nolint:errcheck
	os.WriteFile(filepath.Join(pkg, "users.csv"), []byte("h\nu\n"), 0o644) //nolint:errcheck
	os.Symlink("/etc/passwd", filepath.Join(pkg, "orgs.csv"))              //nolint:errcheck
	c, err := makeCopy(t.Context(), out, Input{Path: pkg})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "orgs.csv is a symbolic link") {
		t.Errorf("notes %q", c.Notes)
	}
	if _, err := os.Lstat(filepath.Join(c.Path, "orgs.csv")); err == nil {
		t.Error("the link was copied")
	}
	fi, err := os.Stat(filepath.Join(c.Path, "users.csv"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copy of users.csv: %v %v, want 0600", fi, err)
	}
	if err := c.hash(t.Context())(); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("h\nu\n"))
	if got := c.sums[filepath.Join(c.Path, "users.csv")]; got.sha256 != hex.EncodeToString(want[:]) || got.size != 4 {
		t.Errorf("sum %+v", got)
	}
}

// TestPublishSendsTheCopy: the Publisher checks, guards and sends the copy, records its hash,
// holds a refusal with the checked bytes, and Approve sends exactly those.
func TestPublishSendsTheCopy(t *testing.T) {
	store := &state.Store{Dir: t.TempDir()}
	p := &Publisher{Store: store}
	dir := t.TempDir()
	src, out := filepath.Join(dir, "roster.csv"), filepath.Join(dir, "out")
	write := func(s string) {
		if err := os.WriteFile(src, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("h\na\nb\nc\n")
	check := func(ctx context.Context, c *Copy) (*Set, error) {
		set, err := lineChecker(ctx, c)
		write("h\nchanged after the check\n") // the source changes under us
		return set, err
	}
	rep, err := p.Publish(t.Context(), Request{Target: out, Inputs: []Input{{Path: src}}, Check: check, Policy: guard.Default()})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(out, "roster.csv"))
	if string(got) != "h\na\nb\nc\n" {
		t.Fatalf("sent %q, want the bytes checked", got)
	}
	sum := sha256.Sum256(got)
	if rep.Result != "pushed" || rep.Files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("report %+v", rep)
	}
	// An empty file is refused by the guard and held.
	write("h\n")
	rep, err = p.Publish(t.Context(), Request{Target: out, Inputs: []Input{{Path: src}}, Check: lineChecker, Policy: guard.Default()})
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindRefused || rep == nil || rep.Held == "" {
		t.Fatalf("empty file: %v %+v, want a held refusal", err, rep)
	}
	h, err := store.FindHold(rep.Held)
	if err != nil {
		t.Fatal(err)
	}
	write("h\nsomething else\n")
	if _, err := p.Approve(t.Context(), h, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "roster.csv")); string(got) != "h\n" {
		t.Errorf("approve sent %q, want the held bytes", got)
	}
	if _, err := store.FindHold(rep.Held); !errors.Is(err, state.ErrNoHold) {
		t.Errorf("the hold is still there: %v", err)
	}
}

// TestCopyRefusesDevices: a device (/dev/zero would fill the disk) is not a file to send; a
// named pipe is (read once, as stdin is).
func TestCopyRefusesDevices(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	_, err := makeCopy(t.Context(), t.TempDir(), Input{Path: "/dev/zero", As: "roster.csv"})
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindLocal || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("/dev/zero: err = %v, want a local error saying it is not a regular file", err)
	}
}

// TestOtherSchemeIsNoFolder: a destination written as another scheme's URL (ftp://, file://)
// is a usage error, not a local folder named "ftp:".
func TestOtherSchemeIsNoFolder(t *testing.T) {
	p := &Publisher{}
	for _, target := range []string{"ftp://x/y", "file:///tmp/out", "https://example.org/in/"} {
		_, err := p.connect(t.Context(), target)
		var pe *Error
		if !errors.As(err, &pe) || pe.Kind != KindUsage || !strings.Contains(err.Error(), "is not a destination") {
			t.Errorf("%s: err = %v, want a usage error: not a destination", target, err)
		}
	}
}

// userChecker is a Checker for tests: each line after the first is a user's sourcedId, and
// the snapshot holds those users.
func userChecker(ctx context.Context, c *Copy) (*Set, error) {
	set, err := lineChecker(ctx, c)
	if err != nil {
		return nil, err
	}
	b, _ := os.ReadFile(c.Path)
	sb := snapshot.NewBuilder()
	for _, id := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		if err := sb.User(&roster.User{SourcedID: id}); err != nil {
			return nil, err
		}
	}
	set.Snap = sb.Snapshot()
	return set, nil
}

func usersFile(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("sourcedId\n")
	for i := range n {
		fmt.Fprintf(&b, "u%d\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestGuardSeesAPushMadeDuringTheCheck: the last push's snapshot is read while an input is
// checked, but a push that another run finished in the meantime (before this run took the
// destination's lock) is what the guard compares with.
func TestGuardSeesAPushMadeDuringTheCheck(t *testing.T) {
	store := &state.Store{Dir: t.TempDir()}
	p := &Publisher{Store: store}
	dir := t.TempDir()
	small, big, out := filepath.Join(dir, "small", "roster.csv"), filepath.Join(dir, "big", "roster.csv"), filepath.Join(dir, "out")
	os.Mkdir(filepath.Dir(small), 0o700) //nolint:errcheck
	os.Mkdir(filepath.Dir(big), 0o700)   //nolint:errcheck
	usersFile(t, small, 50)
	usersFile(t, big, 1000)
	push := func(src string, check Checker) (*Report, error) {
		return p.Publish(t.Context(), Request{Target: out, Inputs: []Input{{Path: src}}, Check: check, Policy: guard.Default()})
	}
	for _, tc := range []struct {
		name  string
		first bool // a push of the small file before
	}{{"a first push", false}, {"a later push", true}} {
		t.Run(tc.name, func(t *testing.T) {
			os.RemoveAll(out)
			os.RemoveAll(filepath.Join(store.Dir, "destinations"))
			if tc.first {
				if _, err := push(small, userChecker); err != nil {
					t.Fatal(err)
				}
			}
			slow := func(ctx context.Context, c *Copy) (*Set, error) {
				// While this input is checked, another run pushes 1,000 users.
				if rep, err := push(big, userChecker); err != nil || rep.Result != "pushed" {
					t.Fatalf("the other run: %v %+v", err, rep)
				}
				return userChecker(ctx, c)
			}
			rep, err := push(small, slow)
			var pe *Error
			if !errors.As(err, &pe) || pe.Kind != KindRefused || rep == nil || rep.Guard[0].RemovedPercent["users"] != 95 {
				t.Fatalf("50 users after a push of 1,000: %v %+v, want a refusal with 95%% removed", err, rep)
			}
		})
	}
}
