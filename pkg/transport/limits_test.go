package transport_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// openSSHMaxIO is the most an OpenSSH SFTP server (sftp-server, internal-sftp) reads or writes
// in one request, as its limits@openssh.com reply says: 256 KiB less 1 KiB.
const openSSHMaxIO = 256<<10 - 1024

// TestRequestSizeFromServerLimits: reads and writes go in requests as large as the server's
// limits@openssh.com allow (OpenSSH: 255 KiB, not the 32 KiB every server must accept), and in
// 32 KiB requests to a server that states no limits; a file published either way is complete
// and verified.
func TestRequestSizeFromServerLimits(t *testing.T) {
	backends(t, func(t *testing.T, opts ...sftptest.Option) {
		srv := sftptest.New(t, opts...)
		c := dial(t, config(t, srv, ""))
		want := 32 << 10
		if srv.Backend() == sftptest.BackendOpenSSH {
			want = openSSHMaxIO
		}
		if got := c.Server().MaxIO; got != want {
			t.Errorf("%s: requests of %d bytes, want %d", srv.Backend(), got, want)
		}
		publishChecked(t, c, srv.Root(), srv.Path("roster.csv"), 5<<20+123)
	})
	t.Run("sshd", func(t *testing.T) {
		d := sftptest.NewSSHD(t)
		u, err := transport.ParseURL(d.URL(""))
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, transport.Config{URL: u, KnownHosts: d.KnownHostsPath, IdentityFiles: []string{d.ClientKeyPath}, Logf: t.Logf})
		if got := c.Server().MaxIO; got != openSSHMaxIO {
			t.Errorf("sshd: requests of %d bytes, want %d", got, openSSHMaxIO)
		}
		publishChecked(t, c, d.Root, d.Path("roster.csv"), 5<<20+123)
	})
}

// publishChecked publishes n random bytes, with the SHA-256 of what was checked, into dir and
// checks that path then holds them, verified by reading them back.
func publishChecked(t *testing.T, c *transport.Client, dir, path string, n int) {
	t.Helper()
	data := randomBytes(t, n)
	local := localRoster(t, data)
	sum := sha256.Sum256(data)
	sent, err := c.Publish(t.Context(), dir, []transport.File{{Name: "roster.csv", Path: local, SHA256: hex.EncodeToString(sum[:])}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].Verified != transport.VerifiedSHA256 {
		t.Errorf("verified by %q, want the read-back SHA-256", sent[0].Verified)
	}
	assertContent(t, path, data)
}

// TestStalledVersionExchange: a server that takes the SFTP subsystem but never reads the
// version request (or never answers it) fails the connection with ErrTimeout after the idle
// timeout: the hand-made version exchange hangs no more than a transfer does.
func TestStalledVersionExchange(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	srv.StallAfter(0)
	cfg := config(t, srv, "")
	cfg.IOTimeout = 600 * time.Millisecond
	cfg.Retries = -1
	done := make(chan error, 1)
	go func() {
		c, err := transport.Dial(t.Context(), cfg)
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, transport.ErrTimeout) {
			t.Fatalf("Dial: %v, want ErrTimeout", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the version exchange hangs on a stalled server")
	}
}
