package transport_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// TestRealSSHD runs Dial, Publish, List and Fetch against OpenSSH's sshd with internal-sftp.
// Skipped without /usr/sbin/sshd unless ROSTERSYNC_TEST_SSHD=1.
func TestRealSSHD(t *testing.T) {
	d := sftptest.NewSSHD(t)
	u, err := transport.ParseURL(d.URL("Upload/"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := transport.Config{
		URL:           u,
		KnownHosts:    d.KnownHostsPath,
		IdentityFiles: []string{d.ClientKeyPath},
		DialTimeout:   10 * time.Second,
		IOTimeout:     10 * time.Second,
		Logf:          t.Logf,
	}
	c := dial(t, cfg)
	info := c.Server()
	if !strings.Contains(info.Version, "OpenSSH") || !info.PosixRename || !info.Fsync {
		t.Errorf("server %+v: want OpenSSH with posix-rename and fsync", info)
	}
	if err := os.Mkdir(d.Path("Upload"), 0o700); err != nil {
		t.Fatal(err)
	}

	// Control: on this server a plain SFTP rename onto an existing file fails, so the second
	// publish below only works because Publish does not rely on it.
	writeFile(t, d.Path("Upload/a"), []byte("a"))
	writeFile(t, d.Path("Upload/b"), []byte("b"))
	if err := plainRename(t, d, d.Path("Upload/a"), d.Path("Upload/b")); err == nil {
		t.Fatal("a plain SFTP rename replaced an existing file: the pitfall this test guards against is absent")
	} else {
		t.Logf("plain rename over an existing file: %v", err)
	}
	os.Remove(d.Path("Upload/a"))
	os.Remove(d.Path("Upload/b"))

	src := t.TempDir()
	first := randomBytes(t, 3<<20)
	second := randomBytes(t, 2<<20+17)
	writeFile(t, filepath.Join(src, "students.csv"), first)
	files := []transport.File{{Name: "students.csv", Path: filepath.Join(src, "students.csv")}}
	if _, err := c.Publish(t.Context(), u.Dir(), files, nil); err != nil {
		t.Fatalf("first Publish: %v", err)
	}
	assertContent(t, d.Path("Upload/students.csv"), first)
	writeFile(t, filepath.Join(src, "students.csv"), second)
	if _, err := c.Publish(t.Context(), u.Dir(), files, nil); err != nil {
		t.Fatalf("second Publish onto the existing name: %v", err)
	}
	assertContent(t, d.Path("Upload/students.csv"), second)

	// A set, then a cleanup that finds nothing to remove.
	writeFile(t, filepath.Join(src, "users.csv"), []byte("sourcedId\nu1\n"))
	writeFile(t, filepath.Join(src, "orgs.csv"), []byte("sourcedId\ns1\n"))
	set := []transport.File{{Name: "orgs.csv", Path: filepath.Join(src, "orgs.csv")}, {Name: "users.csv", Path: filepath.Join(src, "users.csv")}}
	if _, err := c.Publish(t.Context(), u.Dir(), set, nil); err != nil {
		t.Fatalf("Publish set: %v", err)
	}
	removed, err := c.CleanLeftovers(t.Context(), u.Dir())
	if err != nil || len(removed) != 0 {
		t.Errorf("CleanLeftovers = %v, %v; want nothing removed", removed, err)
	}
	if got := names(t, d.Path("Upload")); !slices.Equal(got, []string{"orgs.csv", "students.csv", "users.csv"}) {
		t.Errorf("Upload holds %v", got)
	}

	entries, err := c.List(t.Context(), u.Dir())
	if err != nil || len(entries) != 3 {
		t.Fatalf("List = %v, %v", entries, err)
	}
	dest := filepath.Join(t.TempDir(), "students.csv")
	if err := c.Fetch(t.Context(), u.Dir(), "students.csv", dest); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	assertContent(t, dest, second)
	if err := c.Fetch(t.Context(), u.Dir(), "../Upload/students.csv", dest); err == nil {
		t.Error("Fetch accepted a name with ..")
	}

	// The host key check holds against the real server too.
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	if _, err := transport.Dial(t.Context(), cfg); err == nil {
		t.Error("Dial with an empty known_hosts succeeded")
	}
	key, err := transport.FetchHostKey(t.Context(), d.Addr(), 5*time.Second)
	if err != nil || transport.Fingerprint(key) != ssh.FingerprintSHA256(d.HostKey) {
		t.Errorf("FetchHostKey = %v, %v", key, err)
	}
}

// plainRename renames with SSH_FXP_RENAME through pkg/sftp directly.
func plainRename(t *testing.T, d *sftptest.SSHD, from, to string) error {
	t.Helper()
	hk, err := knownhosts.New(d.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(d.ClientKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ssh.Dial("tcp", d.Addr(), &ssh.ClientConfig{
		User:              d.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   hk,
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		Timeout:           5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	return sc.Rename(from, to)
}
