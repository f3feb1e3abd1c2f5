package transport_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// sftpTarget is a server the leftover tests publish to: the in-process one and a real sshd.
type sftpTarget struct {
	cfg  transport.Config
	path func(string) string
}

func sftpTargets(t *testing.T, f func(t *testing.T, tg sftpTarget)) {
	t.Run("in-process", func(t *testing.T) {
		srv := sftptest.New(t)
		f(t, sftpTarget{cfg: config(t, srv, "Upload/"), path: srv.Path})
	})
	t.Run("openssh-sshd", func(t *testing.T) {
		d := sftptest.NewSSHD(t)
		u, err := transport.ParseURL(d.URL("Upload/"))
		if err != nil {
			t.Fatal(err)
		}
		f(t, sftpTarget{cfg: transport.Config{URL: u, KnownHosts: d.KnownHostsPath, IdentityFiles: []string{d.ClientKeyPath},
			DialTimeout: 10 * time.Second, IOTimeout: 10 * time.Second, RetryDelay: 10 * time.Millisecond, Logf: t.Logf}, path: d.Path})
	})
}

// TestRemoteModes: the temporary file and the final one are 0600 on the server whatever its
// umask (OpenSSH's sftp-server creates 0644 by default: PII readable by every account there).
func TestRemoteModes(t *testing.T) {
	sftpTargets(t, func(t *testing.T, tg sftpTarget) {
		writeFile(t, tg.path("Upload/keep.txt"), []byte("x"))
		c := dial(t, tg.cfg)
		local := localRoster(t, randomBytes(t, 4<<20))
		var partModes []fs.FileMode
		progress := func(n int64) {
			if n < 1<<20 || len(partModes) > 0 {
				return
			}
			for _, e := range names(t, tg.path("Upload")) {
				if atomicfile.IsTempName(e) {
					fi, err := os.Stat(tg.path("Upload/" + e))
					if err == nil {
						partModes = append(partModes, fi.Mode().Perm())
					}
				}
			}
		}
		if _, err := c.Publish(t.Context(), tg.cfg.URL.Dir(), []transport.File{{Name: "roster.csv", Path: local}}, progress); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		fi, err := os.Stat(tg.path("Upload/roster.csv"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("final file: %v, mode %v, want 0600", err, fi.Mode().Perm())
		}
		if len(partModes) == 0 || partModes[0] != 0o600 {
			t.Errorf("temporary file modes seen mid-upload %v, want 0600", partModes)
		}
	})
}

// TestPublishInterruptedRemovesPart: a run interrupted mid-upload (Ctrl-C, SIGTERM, SIGHUP
// cancel the context) removes its .part over a fresh connection and keeps the old final file.
func TestPublishInterruptedRemovesPart(t *testing.T) {
	sftpTargets(t, func(t *testing.T, tg sftpTarget) {
		writeFile(t, tg.path("Upload/roster.csv"), []byte("old\n"))
		c := dial(t, tg.cfg)
		local := localRoster(t, randomBytes(t, 16<<20))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		sawPart := false
		progress := func(n int64) {
			if n < 2<<20 || sawPart {
				return
			}
			sawPart = slices.ContainsFunc(names(t, tg.path("Upload")), atomicfile.IsTempName)
			if sawPart {
				cancel()
			}
		}
		_, err := c.Publish(ctx, tg.cfg.URL.Dir(), []transport.File{{Name: "roster.csv", Path: local}}, progress)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Publish: %v, want context.Canceled", err)
		}
		if !sawPart {
			t.Fatal("the .part was never seen on the server: the test did not interrupt an upload")
		}
		if got := names(t, tg.path("Upload")); !slices.Equal(got, []string{"roster.csv"}) {
			t.Errorf("the server holds %v after the interrupt, want only the old roster.csv", got)
		}
		assertContent(t, tg.path("Upload/roster.csv"), []byte("old\n"))
	})
}

// TestLocalPublishInterrupted: a canceled context stops a local copy mid-file; nothing is
// renamed and the temporary file is removed.
func TestLocalPublishInterrupted(t *testing.T) {
	dest := t.TempDir()
	writeFile(t, filepath.Join(dest, "roster.csv"), []byte("old\n"))
	local := localRoster(t, randomBytes(t, 16<<20))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var at int64
	_, err := transport.LocalPublish(ctx, dest, []transport.File{{Name: "roster.csv", Path: local}}, func(n int64) {
		if n >= 1<<20 && at == 0 {
			at = n
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LocalPublish: %v, want context.Canceled", err)
	}
	assertContent(t, filepath.Join(dest, "roster.csv"), []byte("old\n"))
	if got := names(t, dest); !slices.Equal(got, []string{"roster.csv"}) {
		t.Errorf("dest holds %v", got)
	}
}

// TestLocalPublishRemovesLeftovers: the .part files a killed run (SIGKILL, power cut) left in a
// local destination are removed by the next run, and only those.
func TestLocalPublishRemovesLeftovers(t *testing.T) {
	dest := t.TempDir()
	left := ".rostersync-roster.csv.0123456789ab.part"
	writeFile(t, filepath.Join(dest, left), randomBytes(t, 1000))
	writeFile(t, filepath.Join(dest, ".rostersync-notes.txt"), []byte("keep"))
	writeFile(t, filepath.Join(dest, "x.part"), []byte("keep"))
	local := localRoster(t, []byte("new\n"))
	if _, err := transport.LocalPublish(t.Context(), dest, []transport.File{{Name: "roster.csv", Path: local}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dest); !slices.Equal(got, []string{".rostersync-notes.txt", "roster.csv", "x.part"}) {
		t.Errorf("dest holds %v", got)
	}
}

// TestTimeoutBoundsHandshake: the idle timeout (--timeout) also bounds the connect and the SSH
// handshake when no separate dial timeout is given, against a server that accepts TCP and never
// says a word.
func TestTimeoutBoundsHandshake(t *testing.T) {
	silent := sftptest.Silent(t)
	u, _ := transport.ParseURL("sftp://u@" + silent.Addr + "/")
	cfg := transport.Config{URL: u, KnownHosts: filepath.Join(t.TempDir(), "kh"), Password: "x",
		IOTimeout: 300 * time.Millisecond, Retries: -1}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := transport.Dial(ctx, cfg)
	if !errors.Is(err, transport.ErrTimeout) || !strings.Contains(err.Error(), "300ms") {
		t.Fatalf("Dial after %s: %v, want ErrTimeout within 300ms", time.Since(start).Round(time.Millisecond), err)
	}
}

// TestRemoteModeRefused: a server that refuses to set modes still gets the file, with one
// warning that its default mode applies.
func TestRemoteModeRefused(t *testing.T) {
	if sftptest.SFTPServerBinary() == "" {
		t.Skip("OpenSSH sftp-server is not installed")
	}
	srv := sftptest.New(t, sftptest.DenyRequests("fsetstat", "setstat"))
	var l logs
	cfg := config(t, srv, "")
	cfg.Logf = l.logf
	c := dial(t, cfg)
	local := localRoster(t, []byte("a,b\n"))
	files := []transport.File{{Name: "roster.csv", Path: local}}
	for range 2 {
		if _, err := c.Publish(t.Context(), srv.Root(), files, nil); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	assertContent(t, srv.Path("roster.csv"), []byte("a,b\n"))
	if n := strings.Count(l.String(), "refused to make"); n != 1 {
		t.Errorf("%d warnings about the mode, want 1: %q", n, l.String())
	}
}
