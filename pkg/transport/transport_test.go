package transport_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	rsconfig "github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// logs collects Logf output.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// config returns a key-auth configuration for srv, folder URL at p.
func config(t *testing.T, srv *sftptest.Server, p string) transport.Config {
	t.Helper()
	u, err := transport.ParseURL(srv.URL(p))
	if err != nil {
		t.Fatal(err)
	}
	return transport.Config{
		URL:           u,
		KnownHosts:    srv.KnownHostsPath(),
		IdentityFiles: []string{srv.ClientKeyPath()},
		DialTimeout:   10 * time.Second,
		IOTimeout:     10 * time.Second,
		RetryDelay:    10 * time.Millisecond,
		Logf:          t.Logf,
	}
}

func dial(t *testing.T, cfg transport.Config) *transport.Client {
	t.Helper()
	c, err := transport.Dial(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// backends runs f against OpenSSH's sftp-server (when installed) and pkg/sftp's server.
func backends(t *testing.T, f func(t *testing.T, opts ...sftptest.Option)) {
	t.Run("openssh", func(t *testing.T) {
		if sftptest.SFTPServerBinary() == "" {
			t.Skip("OpenSSH sftp-server is not installed")
		}
		f(t)
	})
	t.Run("go", func(t *testing.T) { f(t, sftptest.GoServer()) })
}

// localRoster writes data to a roster.csv of its own and returns its path: a file to publish.
func localRoster(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "roster.csv")
	writeFile(t, p, data)
	return p
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// names lists a folder.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func assertContent(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes (prefix %q), want %d bytes (prefix %q)", path, len(got), head(got), len(want), head(want))
	}
}

func head(b []byte) []byte { return b[:min(len(b), 12)] }

func TestPublishReplacesExistingFile(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		srv := sftptest.New(t, opts...)
		writeFile(t, srv.Path("out/roster.csv"), []byte("old,content\n"))
		c := dial(t, config(t, srv, "out/"))
		if !c.Server().PosixRename {
			t.Fatal("the server should offer posix-rename")
		}
		local := filepath.Join(t.TempDir(), "new.csv")
		newData := randomBytes(t, 300_000)
		writeFile(t, local, newData)
		var last int64
		_, err := c.Publish(t.Context(), srv.Path("out"), []transport.File{{Name: "roster.csv", Path: local}}, func(n int64) { last = n })
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		assertContent(t, srv.Path("out/roster.csv"), newData)
		if last != int64(len(newData)) {
			t.Errorf("progress ended at %d, want %d", last, len(newData))
		}
		if got := names(t, srv.Path("out")); !slices.Equal(got, []string{"roster.csv"}) {
			t.Errorf("folder holds %v, want only roster.csv", got)
		}
		// Publishing again over the new file works too (the rename replaces).
		writeFile(t, local, []byte("third\n"))
		if _, err := c.Publish(t.Context(), srv.Path("out"), []transport.File{{Name: "roster.csv", Path: local}}, nil); err != nil {
			t.Fatalf("second Publish: %v", err)
		}
		assertContent(t, srv.Path("out/roster.csv"), []byte("third\n"))
	})
}

func TestPublishSet(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		srv := sftptest.New(t, opts...)
		writeFile(t, srv.Path("users.csv"), []byte("old users"))
		c := dial(t, config(t, srv, ""))
		dir := t.TempDir()
		var files []transport.File
		want := map[string][]byte{}
		for i, n := range []string{"manifest.csv", "orgs.csv", "users.csv", "enrollments.csv"} {
			data := randomBytes(t, 1000*(i+1)*37)
			p := filepath.Join(dir, n)
			writeFile(t, p, data)
			files = append(files, transport.File{Name: n, Path: p})
			want[n] = data
		}
		// A relative folder is relative to the login folder (the server's root).
		if _, err := c.Publish(t.Context(), ".", files, nil); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		for n, data := range want {
			assertContent(t, srv.Path(n), data)
		}
		if got := names(t, srv.Root()); len(got) != 4 {
			t.Errorf("root holds %v, want the 4 files only", got)
		}
	})
}

func TestPublishRefusesBadNames(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	c := dial(t, config(t, srv, ""))
	local := filepath.Join(t.TempDir(), "x.csv")
	writeFile(t, local, []byte("x"))
	for _, name := range []string{"", "..", "a/b.csv", "../x.csv", ".rostersync-x.csv.abc.part"} {
		_, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: name, Path: local}}, nil)
		if !errors.Is(err, transport.ErrConfig) {
			t.Errorf("Publish as %q: %v, want ErrConfig", name, err)
		}
	}
	_, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "a.csv", Path: local}, {Name: "a.csv", Path: local}}, nil)
	if !errors.Is(err, transport.ErrConfig) {
		t.Errorf("a name twice: %v, want ErrConfig", err)
	}
	_, err = c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "a.csv", Path: filepath.Join(t.TempDir(), "missing")}}, nil)
	if !transport.IsLocal(err) || errors.Is(err, transport.ErrRemote) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing local file: %v, want a local not-exist error", err)
	}
	if got := names(t, srv.Root()); len(got) != 0 {
		t.Errorf("root holds %v after refused publishes", got)
	}
}

// TestPublishCutMidUpload drops the connection at several points of an upload: the final name
// must always hold the complete old file, or (when the cut comes after the rename) the complete
// new one, never a prefix; CleanLeftovers then removes the temporary file.
func TestPublishCutMidUpload(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		const size = 4 << 20
		oldData := []byte("STUDENT_ID,FIRST_NAME\n1,Ann\n")
		newData := randomBytes(t, size)
		local := filepath.Join(t.TempDir(), "students.csv")
		writeFile(t, local, newData)
		for _, cut := range []int64{0, 200, size / 10, size / 2, size * 99 / 100} {
			t.Run(fmt.Sprint(cut), func(t *testing.T) {
				srv := sftptest.New(t, opts...)
				final := srv.Path("Upload/students.csv")
				writeFile(t, final, oldData)
				cfg := config(t, srv, "Upload/")
				cfg.Retries = -1
				c := dial(t, cfg)
				srv.CutAfter(cut)
				_, err := c.Publish(t.Context(), srv.Path("Upload"), []transport.File{{Name: "students.csv", Path: local}}, nil)
				if err == nil {
					t.Fatal("Publish succeeded through a cut connection")
				}
				if !errors.Is(err, transport.ErrRemote) {
					t.Errorf("error %v does not match ErrRemote", err)
				}
				assertContent(t, final, oldData)

				srv.CutAfter(-1)
				leftovers := slices.DeleteFunc(names(t, srv.Path("Upload")), func(n string) bool { return n == "students.csv" })
				for _, n := range leftovers {
					if !atomicfile.IsTempName(n) {
						t.Errorf("unexpected file %q after the cut", n)
					}
				}
				// A cut after the open request leaves the temporary file behind.
				if cut >= size/10 && len(leftovers) == 0 {
					t.Errorf("no temporary file left after a cut at %d bytes", cut)
				}
				// Something the cleanup must not touch.
				writeFile(t, srv.Path("Upload/.rostersync-notes.txt"), []byte("keep"))
				writeFile(t, srv.Path("Upload/x.part"), []byte("keep"))
				removed, err := c.CleanLeftovers(t.Context(), srv.Path("Upload"))
				if err != nil {
					t.Fatalf("CleanLeftovers: %v", err)
				}
				// (A cut before the open request was read may still let the server create the
				// temporary file a moment later, so only ask for what was seen before.)
				for _, n := range leftovers {
					if !slices.Contains(removed, n) {
						t.Errorf("CleanLeftovers removed %v, not the leftover %s", removed, n)
					}
				}
				for _, n := range removed {
					if !atomicfile.IsTempName(n) {
						t.Errorf("CleanLeftovers removed %q", n)
					}
				}
				// A temporary file the server created after the listing above (a cut before its
				// open request was read) is the next run's to clean; every one seen is gone.
				got := slices.DeleteFunc(names(t, srv.Path("Upload")), func(n string) bool {
					return atomicfile.IsTempName(n) && !slices.Contains(leftovers, n) && !slices.Contains(removed, n)
				})
				if !slices.Equal(got, []string{".rostersync-notes.txt", "students.csv", "x.part"}) {
					t.Errorf("folder holds %v after the cleanup", got)
				}
				assertContent(t, final, oldData)
			})
		}
	})
}

// TestPublishCutDuringRenames cuts the connection late in a multi-file set, around the renames:
// every final name holds its complete old or complete new content.
func TestPublishCutDuringRenames(t *testing.T) {
	if sftptest.SFTPServerBinary() == "" {
		t.Skip("OpenSSH sftp-server is not installed")
	}
	dir := t.TempDir()
	var files []transport.File
	newData := map[string][]byte{}
	var total int64
	for _, n := range []string{"a.csv", "b.csv", "c.csv"} {
		data := randomBytes(t, 50_000)
		writeFile(t, filepath.Join(dir, n), data)
		files = append(files, transport.File{Name: n, Path: filepath.Join(dir, n)})
		newData[n] = data
		total += int64(len(data))
	}
	// The data, then opens, stats, closes and renames of ~100 bytes each: cut among them.
	for extra := int64(0); extra <= 2000; extra += 250 {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			srv := sftptest.New(t)
			for _, f := range files {
				writeFile(t, srv.Path(f.Name), []byte("old "+f.Name))
			}
			cfg := config(t, srv, "")
			cfg.Retries = -1
			c := dial(t, cfg)
			srv.CutAfter(total + extra)
			_, err := c.Publish(t.Context(), srv.Root(), files, nil)
			replaced := 0
			for _, f := range files {
				got, rerr := os.ReadFile(srv.Path(f.Name))
				if rerr != nil {
					t.Fatalf("%s: %v", f.Name, rerr)
				}
				switch {
				case bytes.Equal(got, newData[f.Name]):
					replaced++
				case string(got) != "old "+f.Name:
					t.Errorf("%s holds %d bytes, neither the old nor the new content", f.Name, len(got))
				}
			}
			if err == nil && replaced != len(files) {
				t.Errorf("Publish succeeded but only %d files were replaced", replaced)
			}
			if err != nil && replaced > 0 && !strings.Contains(err.Error(), "were replaced") {
				t.Errorf("error %q does not say that %d files were replaced", err, replaced)
			}
		})
	}
}

func TestPublishRetriesAfterCut(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		srv := sftptest.New(t, opts...)
		writeFile(t, srv.Path("roster.csv"), []byte("old"))
		logs := &logs{}
		cfg := config(t, srv, "")
		cfg.Logf = logs.logf
		c := dial(t, cfg)
		newData := randomBytes(t, 2<<20)
		local := localRoster(t, newData)
		srv.CutOnceAfter(1 << 20)
		if _, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local}}, nil); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		assertContent(t, srv.Path("roster.csv"), newData)
		if got := names(t, srv.Root()); !slices.Equal(got, []string{"roster.csv"}) {
			t.Errorf("root holds %v: the first attempt's temporary file should be gone", got)
		}
		if n := srv.Connections(); n != 2 {
			t.Errorf("%d connections, want 2 (one retry)", n)
		}
		if !strings.Contains(logs.String(), "retry 1 of 3") {
			t.Errorf("no retry notice in the log: %q", logs)
		}
	})
}

func TestPublishWithoutPosixRename(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		srv := sftptest.New(t, append(opts, sftptest.NoPosixRename())...)
		writeFile(t, srv.Path("roster.csv"), []byte("old"))
		logs := &logs{}
		cfg := config(t, srv, "")
		cfg.Logf = logs.logf
		c := dial(t, cfg)
		if c.Server().PosixRename {
			t.Fatal("the server still offers posix-rename")
		}
		local := localRoster(t, []byte("new"))
		if _, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local}}, nil); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		assertContent(t, srv.Path("roster.csv"), []byte("new"))
		if !strings.Contains(logs.String(), "posix-rename") {
			t.Errorf("no warning about the missing posix-rename: %q", logs)
		}
		if got := names(t, srv.Root()); !slices.Equal(got, []string{"roster.csv"}) {
			t.Errorf("root holds %v", got)
		}
	})
}

func TestPublishCanceled(t *testing.T) {
	srv := sftptest.New(t)
	writeFile(t, srv.Path("roster.csv"), []byte("old"))
	c := dial(t, config(t, srv, ""))
	local := localRoster(t, randomBytes(t, 1<<20))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Publish(ctx, srv.Root(), []transport.File{{Name: "roster.csv", Path: local}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish with a canceled context: %v", err)
	}
	assertContent(t, srv.Path("roster.csv"), []byte("old"))
	// The client connects afresh for the next call.
	if _, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local}}, nil); err != nil {
		t.Fatalf("Publish after the cancel: %v", err)
	}
}

func TestHostKeyUnknownOrChanged(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewSignerFromKey(otherPriv)
	port22, _ := ssh.NewSignerFromKey(otherPriv)
	tests := []struct {
		name      string
		knownHost string // file content; "-" for no file
		known     bool
	}{
		{"no file", "-", false},
		{"empty file", "", false},
		{"other host only", knownhosts.Line([]string{"example.org:" + fmt.Sprint(srv.Port())}, srv.HostKey()) + "\n", false},
		{"same host on port 22", knownhosts.Line([]string{"127.0.0.1"}, port22.PublicKey()) + "\n", false},
		{"changed key", srv.KnownHostsLine(other.PublicKey()), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.AuthAttempts())
			conns := srv.Connections()
			cfg := config(t, srv, "")
			cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
			if tc.knownHost != "-" {
				writeFile(t, cfg.KnownHosts, []byte(tc.knownHost))
			}
			cfg.Password = srv.Password()
			_, err := transport.Dial(t.Context(), cfg)
			var he *transport.HostKeyError
			if !errors.As(err, &he) {
				t.Fatalf("Dial: %v, want a HostKeyError", err)
			}
			if !errors.Is(err, transport.ErrRemote) {
				t.Error("HostKeyError does not match ErrRemote")
			}
			if he.Known != tc.known {
				t.Errorf("Known = %v, want %v", he.Known, tc.known)
			}
			if he.Fingerprint != ssh.FingerprintSHA256(srv.HostKey()) {
				t.Errorf("fingerprint %s, want the server's %s", he.Fingerprint, ssh.FingerprintSHA256(srv.HostKey()))
			}
			if he.Host != "[127.0.0.1]:"+fmt.Sprint(srv.Port()) {
				t.Errorf("Host = %q", he.Host)
			}
			if want := "rostersync known-hosts add " + srv.Addr(); !strings.Contains(he.Hint(), want) {
				t.Errorf("hint %q does not name %q", he.Hint(), want)
			}
			if got := srv.AuthAttempts()[before:]; len(got) != 0 {
				t.Errorf("the client tried to log in (%v) with an unverified host key", got)
			}
			if n := srv.Connections() - conns; n != 1 {
				t.Errorf("%d connections, want 1: a host key failure is not retried", n)
			}
		})
	}
}

func TestHostKeyHashedEntry(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	cfg := config(t, srv, "")
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.HashHostname(knownhosts.Normalize(srv.Addr())) + " " + string(ssh.MarshalAuthorizedKey(srv.HostKey()))
	writeFile(t, cfg.KnownHosts, []byte("# comment\n"+line))
	dial(t, cfg)
}

// TestHostKeyAlgorithmsFromKnownHosts: the server has an ECDSA and an ed25519 key; x/crypto
// would ask for ECDSA first. Whichever one known_hosts holds must be the one checked.
func TestHostKeyAlgorithmsFromKnownHosts(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer(), sftptest.ExtraECDSAHostKey())
	for name, key := range map[string]ssh.PublicKey{"ed25519": srv.HostKey(), "ecdsa": srv.ECDSAHostKey()} {
		t.Run(name, func(t *testing.T) {
			cfg := config(t, srv, "")
			cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
			writeFile(t, cfg.KnownHosts, []byte(srv.KnownHostsLine(key)))
			dial(t, cfg)
		})
	}
}

func TestAuthMethods(t *testing.T) {
	tests := []struct {
		name    string
		methods []string
		set     func(*transport.Config, *sftptest.Server)
	}{
		{"key", []string{"publickey"}, func(*transport.Config, *sftptest.Server) {}},
		{"password", []string{"password"}, func(c *transport.Config, s *sftptest.Server) {
			c.IdentityFiles, c.Password = nil, s.Password()
		}},
		{"keyboard-interactive only", []string{"keyboard-interactive"}, func(c *transport.Config, s *sftptest.Server) {
			c.IdentityFiles, c.Password = nil, s.Password()
		}},
		{"encrypted key", []string{"publickey"}, func(c *transport.Config, s *sftptest.Server) {
			c.IdentityFiles = []string{s.EncryptedClientKeyPath([]byte("correct horse"))}
			c.Passphrase = []byte("correct horse")
		}},
		{"key refused then password", []string{"password"}, func(c *transport.Config, s *sftptest.Server) {
			c.Password = s.Password()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := sftptest.New(t, sftptest.GoServer(), sftptest.AuthMethods(tc.methods...))
			cfg := config(t, srv, "")
			tc.set(&cfg, srv)
			c := dial(t, cfg)
			if _, err := c.List(t.Context(), "."); err != nil {
				t.Fatalf("List: %v", err)
			}
			attempts := srv.AuthAttempts()
			if last := attempts[len(attempts)-1]; last != tc.methods[0] {
				t.Errorf("logged in with %q, want %q (attempts %v)", last, tc.methods[0], attempts)
			}
		})
	}
}

func TestAuthFailureIsNotRetried(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	cfg := config(t, srv, "")
	cfg.IdentityFiles = nil
	cfg.Password = "wrong password"
	cfg.Retries = 3
	_, err := transport.Dial(t.Context(), cfg)
	var ae *transport.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("Dial: %v, want an AuthError", err)
	}
	if !errors.Is(err, transport.ErrRemote) {
		t.Error("AuthError does not match ErrRemote")
	}
	if strings.Contains(err.Error(), "wrong password") {
		t.Errorf("the error repeats the password: %v", err)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1: a refused login is not retried", n)
	}
}

func TestKeyConfigErrors(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	t.Run("encrypted key without passphrase", func(t *testing.T) {
		cfg := config(t, srv, "")
		cfg.IdentityFiles = []string{srv.EncryptedClientKeyPath([]byte("pw"))}
		_, err := transport.Dial(t.Context(), cfg)
		if !errors.Is(err, transport.ErrConfig) || !strings.Contains(err.Error(), "passphrase") {
			t.Fatalf("Dial: %v, want ErrConfig naming the passphrase", err)
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		cfg := config(t, srv, "")
		cfg.IdentityFiles = []string{srv.EncryptedClientKeyPath([]byte("pw"))}
		cfg.Passphrase = []byte("not it")
		_, err := transport.Dial(t.Context(), cfg)
		if !errors.Is(err, transport.ErrConfig) {
			t.Fatalf("Dial: %v, want ErrConfig", err)
		}
	})
	t.Run("key readable by others", func(t *testing.T) {
		cfg := config(t, srv, "")
		p := filepath.Join(t.TempDir(), "id")
		data, _ := os.ReadFile(srv.ClientKeyPath())
		writeFile(t, p, data)
		os.Chmod(p, 0o644)
		cfg.IdentityFiles = []string{p}
		_, err := transport.Dial(t.Context(), cfg)
		ie, ok := errors.AsType[*rsconfig.InsecureError](err)
		if !errors.Is(err, transport.ErrConfig) || !ok || ie.Hint() != "chmod 600 "+p {
			t.Fatalf("Dial: %v, want ErrConfig with a chmod hint", err)
		}
	})
	t.Run("no login method", func(t *testing.T) {
		cfg := config(t, srv, "")
		cfg.IdentityFiles = nil
		t.Setenv("HOME", t.TempDir())
		_, err := transport.Dial(t.Context(), cfg)
		if !errors.Is(err, transport.ErrConfig) {
			t.Fatalf("Dial: %v, want ErrConfig", err)
		}
	})
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections for configuration errors, want none", n)
	}
}

func TestDialTimeoutOnSilentServer(t *testing.T) {
	// A server that accepts TCP and never says a word.
	silent := sftptest.Silent(t)
	u, _ := transport.ParseURL("sftp://u@" + silent.Addr + "/")
	cfg := transport.Config{URL: u, KnownHosts: filepath.Join(t.TempDir(), "kh"), Password: "x",
		DialTimeout: 300 * time.Millisecond, Retries: 1, RetryDelay: 10 * time.Millisecond}
	start := time.Now()
	_, err := transport.Dial(t.Context(), cfg)
	if !errors.Is(err, transport.ErrTimeout) || !errors.Is(err, transport.ErrRemote) {
		t.Fatalf("Dial: %v, want ErrTimeout and ErrRemote", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Dial took %s with a 300ms timeout and one retry", d)
	}
	if n := silent.Accepted(); n != 2 {
		t.Errorf("%d connections, want 2 (a timeout is retried once)", n)
	}
}

// TestStalledServer: the SSH connection stays up and answers keepalives, but the SFTP side
// stops reading mid-upload. The upload must fail with ErrTimeout, not hang.
func TestStalledServer(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	writeFile(t, srv.Path("roster.csv"), []byte("old"))
	cfg := config(t, srv, "")
	cfg.IOTimeout = 600 * time.Millisecond
	cfg.Retries = -1
	c := dial(t, cfg)
	local := localRoster(t, randomBytes(t, 8<<20))
	srv.StallAfter(1 << 20)
	done := make(chan error, 1)
	go func() {
		_, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local}}, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, transport.ErrTimeout) {
			t.Fatalf("Publish: %v, want ErrTimeout", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Publish hangs on a stalled server")
	}
	assertContent(t, srv.Path("roster.csv"), []byte("old"))
}

// TestIdleConnectionStaysUp: keepalives keep an idle connection open past the idle timeout.
func TestIdleConnectionStaysUp(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	cfg := config(t, srv, "")
	cfg.IOTimeout = 300 * time.Millisecond
	cfg.Retries = -1
	c := dial(t, cfg)
	time.Sleep(1200 * time.Millisecond)
	if _, err := c.List(t.Context(), "."); err != nil {
		t.Fatalf("List after an idle second: %v", err)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestFetch(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		srv := sftptest.New(t, opts...)
		data := randomBytes(t, 700_000)
		writeFile(t, srv.Path("log/report.csv"), data)
		writeFile(t, srv.Path("secret.txt"), []byte("outside"))
		if err := os.Symlink(srv.Path("secret.txt"), srv.Path("log/link.csv")); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(srv.Path("log/sub"), 0o700); err != nil {
			t.Fatal(err)
		}
		c := dial(t, config(t, srv, "log/"))
		entries, err := c.List(t.Context(), srv.Path("log"))
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(entries) != 1 || entries[0].Name != "report.csv" || entries[0].Size != int64(len(data)) {
			t.Errorf("List = %+v, want report.csv only (no symlink, no folder)", entries)
		}

		out := t.TempDir()
		dest := filepath.Join(out, "report.csv")
		if err := c.Fetch(t.Context(), srv.Path("log"), "report.csv", dest); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		assertContent(t, dest, data)
		if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
			t.Errorf("fetched file mode %v, want 0600", fi.Mode().Perm())
		}

		for _, name := range []string{"../secret.txt", "..", "a/b", "/etc/passwd", "", "link.csv", "sub"} {
			before := srv.Connections()
			err := c.Fetch(t.Context(), srv.Path("log"), name, filepath.Join(out, "x"))
			if err == nil {
				t.Errorf("Fetch %q succeeded", name)
				continue
			}
			if !errors.Is(err, transport.ErrRemote) {
				t.Errorf("Fetch %q: %v does not match ErrRemote", name, err)
			}
			if srv.Connections() != before {
				t.Errorf("Fetch %q was retried", name)
			}
		}
		if got := names(t, out); !slices.Equal(got, []string{"report.csv"}) {
			t.Errorf("local folder holds %v", got)
		}
	})
}

func TestGlobNewest(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	entries := []transport.Entry{
		{Name: "roster-0901.zip", ModTime: t0},
		{Name: "roster-0903.zip", ModTime: t0.Add(48 * time.Hour)},
		{Name: "roster-0902.zip", ModTime: t0.Add(24 * time.Hour)},
		{Name: "notes.txt", ModTime: t0.Add(72 * time.Hour)},
	}
	got, err := transport.Glob(entries, "*.zip")
	if err != nil || len(got) != 3 {
		t.Fatalf("Glob = %v, %v", got, err)
	}
	n, ok := transport.Newest(got)
	if !ok || n.Name != "roster-0903.zip" {
		t.Errorf("Newest = %v, %v", n, ok)
	}
	if _, ok := transport.Newest(nil); ok {
		t.Error("Newest of nothing is ok")
	}
	tie := []transport.Entry{{Name: "b", ModTime: t0}, {Name: "a", ModTime: t0}}
	if n, _ := transport.Newest(tie); n.Name != "b" {
		t.Errorf("Newest of a tie = %q, want the greatest name", n.Name)
	}
	if _, err := transport.Glob(entries, "[x"); !errors.Is(err, transport.ErrConfig) {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestLocalPublish(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "outbox")
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "a.csv"), []byte("new a"))
	writeFile(t, filepath.Join(src, "b.csv"), []byte("new b"))
	files := []transport.File{{Name: "a.csv", Path: filepath.Join(src, "a.csv")}, {Name: "b.csv", Path: filepath.Join(src, "b.csv")}}
	if _, err := transport.LocalPublish(t.Context(), dest, files, nil); err != nil {
		t.Fatalf("LocalPublish: %v", err)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", fi.Mode().Perm())
	}
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dest, f.Name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v, want 0600", f.Name, err, fi.Mode().Perm())
		}
	}
	// A second set with one missing source: nothing is replaced, no temporaries remain.
	writeFile(t, filepath.Join(src, "a.csv"), []byte("newer a"))
	bad := []transport.File{files[0], {Name: "b.csv", Path: filepath.Join(src, "gone.csv")}}
	if _, err := transport.LocalPublish(t.Context(), dest, bad, nil); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LocalPublish with a missing source: %v", err)
	}
	assertContent(t, filepath.Join(dest, "a.csv"), []byte("new a"))
	if got := names(t, dest); !slices.Equal(got, []string{"a.csv", "b.csv"}) {
		t.Errorf("outbox holds %v", got)
	}
	if _, err := transport.LocalPublish(t.Context(), dest, files, nil); err != nil {
		t.Fatal(err)
	}
	assertContent(t, filepath.Join(dest, "a.csv"), []byte("newer a"))
}

func TestFetchHostKeyAndAppend(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer(), sftptest.ExtraECDSAHostKey())
	key, err := transport.FetchHostKey(t.Context(), srv.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("FetchHostKey: %v", err)
	}
	if !bytes.Equal(key.Marshal(), srv.HostKey().Marshal()) {
		t.Fatalf("fetched a %s key, want the server's ed25519 key", key.Type())
	}
	if fp := transport.Fingerprint(key); !strings.HasPrefix(fp, "SHA256:") || fp != ssh.FingerprintSHA256(srv.HostKey()) {
		t.Errorf("Fingerprint = %q", fp)
	}
	if len(srv.AuthAttempts()) != 0 {
		t.Errorf("FetchHostKey tried to log in: %v", srv.AuthAttempts())
	}

	home := t.TempDir()
	kh := filepath.Join(home, ".ssh", "known_hosts")
	for range 2 {
		if err := transport.AppendKnownHost(kh, srv.Addr(), key); err != nil {
			t.Fatalf("AppendKnownHost: %v", err)
		}
	}
	if err := transport.AppendKnownHost(kh, "sftp.example.org", key); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(kh)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("known_hosts holds %d lines, want 2 (no duplicate):\n%s", len(lines), data)
	}
	if want := fmt.Sprintf("[127.0.0.1]:%d ssh-ed25519 ", srv.Port()); !strings.HasPrefix(lines[0], want) {
		t.Errorf("line %q does not start with %q", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "sftp.example.org ssh-ed25519 ") {
		t.Errorf("port-22 line %q is not in the bare form", lines[1])
	}
	if fi, _ := os.Stat(filepath.Dir(kh)); fi.Mode().Perm() != 0o700 {
		t.Errorf(".ssh mode %v, want 0700", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(kh); fi.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode %v, want 0600", fi.Mode().Perm())
	}
	keys, err := transport.KnownHostKeys(kh, "sftp.example.org:22")
	if err != nil || len(keys) != 1 {
		t.Errorf("KnownHostKeys = %v, %v", keys, err)
	}
	// The enrolled key lets Dial in.
	cfg := config(t, srv, "")
	cfg.KnownHosts = kh
	dial(t, cfg)
}

func TestAgentAuth(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer(), sftptest.AuthMethods("publickey"))
	pemBytes, err := os.ReadFile(srv.ClientKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	cfg := config(t, srv, "")
	cfg.IdentityFiles = nil
	cfg.UseAgent = true
	c := dial(t, cfg)
	if _, err := c.List(t.Context(), "."); err != nil {
		t.Fatalf("List: %v", err)
	}

	t.Setenv("SSH_AUTH_SOCK", "")
	if _, err := transport.Dial(t.Context(), cfg); !errors.Is(err, transport.ErrConfig) {
		t.Errorf("agent without SSH_AUTH_SOCK: %v, want ErrConfig", err)
	}
}
