package transport_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// A server whose host key is a certificate is trusted by a @cert-authority line for its
// authority, and only by that authority: a line for another CA is a host key error, before
// any login.
func TestHostCertificateAuthority(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer(), sftptest.HostCertificate())
	_, otherPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := ssh.NewSignerFromKey(otherPriv)
	if err != nil {
		t.Fatal(err)
	}
	otherLine := "@cert-authority [127.0.0.1]:" + portOf(srv) + " " + string(ssh.MarshalAuthorizedKey(otherCA.PublicKey()))
	tests := []struct {
		name      string
		knownHost string
		ok        bool
	}{
		{"its authority", srv.KnownHostsCALine(), true},
		{"its authority after a comment", "# the district's SFTP CA\n" + srv.KnownHostsCALine(), true},
		{"another authority", otherLine, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.AuthAttempts())
			cfg := config(t, srv, "")
			cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
			writeFile(t, cfg.KnownHosts, []byte(tc.knownHost))
			c, err := transport.Dial(t.Context(), cfg)
			if tc.ok {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("Dial trusted a host certificate signed by an authority known_hosts does not name")
			}
			he, ok := errors.AsType[*transport.HostKeyError](err)
			if !ok || !he.Known {
				t.Fatalf("Dial: %v, want a HostKeyError for a known host", err)
			}
			if want := ssh.FingerprintSHA256(srv.CAKey()); he.Authority != want {
				t.Errorf("Authority %q, want the signer's %q (error: %v)", he.Authority, want, err)
			}
			if want := ssh.FingerprintSHA256(srv.HostKey()); he.Fingerprint != want {
				t.Errorf("Fingerprint %q, want the certified key's %q", he.Fingerprint, want)
			}
			t.Log(err, "\n", he.Hint())
			if got := srv.AuthAttempts()[before:]; len(got) != 0 {
				t.Errorf("the client tried to log in (%v) with an unverified host key", got)
			}
		})
	}
}

func portOf(srv *sftptest.Server) string {
	_, port, _ := net.SplitHostPort(srv.Addr())
	return port
}

// A wildcard pattern without a port matches the host on any port, as in OpenSSH.
func TestHostKeyWildcardPattern(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	cfg := config(t, srv, "")
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, cfg.KnownHosts, []byte("127.0.0.* "+string(ssh.MarshalAuthorizedKey(srv.HostKey()))))
	dial(t, cfg)
}

// A key marked @revoked is refused even when a line for the host lists it.
func TestHostKeyRevoked(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer())
	cfg := config(t, srv, "")
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, cfg.KnownHosts, []byte(srv.KnownHostsLine(srv.HostKey())+"@revoked * "+string(ssh.MarshalAuthorizedKey(srv.HostKey()))))
	before := len(srv.AuthAttempts())
	c, err := transport.Dial(t.Context(), cfg)
	if err == nil {
		c.Close()
		t.Fatal("Dial trusted a revoked host key")
	}
	if he, ok := errors.AsType[*transport.HostKeyError](err); !ok || !he.Revoked {
		t.Fatalf("Dial: %v, want a HostKeyError for a revoked key", err)
	}
	if got := srv.AuthAttempts()[before:]; len(got) != 0 {
		t.Errorf("the client tried to log in (%v) with a revoked host key", got)
	}
}

// A server known by nothing in known_hosts that presents only a host certificate gets the
// error that names its authority and how to trust it, before any login.
func TestHostCertificateUnknownHost(t *testing.T) {
	srv := sftptest.New(t, sftptest.GoServer(), sftptest.HostCertificate())
	cfg := config(t, srv, "")
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	c, err := transport.Dial(t.Context(), cfg)
	if err == nil {
		c.Close()
		t.Fatal("Dial trusted an unknown host")
	}
	he, ok := errors.AsType[*transport.HostKeyError](err)
	if !ok {
		t.Fatalf("Dial: %v, want a HostKeyError", err)
	}
	if he.Known || he.Authority != ssh.FingerprintSHA256(srv.CAKey()) {
		t.Errorf("Known %v, Authority %q: want an unknown host and the signer %q", he.Known, he.Authority, ssh.FingerprintSHA256(srv.CAKey()))
	}
	if !strings.Contains(he.Hint(), "@cert-authority") {
		t.Errorf("hint %q does not say how to trust the authority", he.Hint())
	}
	if len(srv.AuthAttempts()) != 0 {
		t.Errorf("the client tried to log in (%v) with an unverified host key", srv.AuthAttempts())
	}
}

// OpenSSH's sshd with a host certificate is trusted by a @cert-authority line alone.
func TestRealSSHDHostCertificate(t *testing.T) {
	d := sftptest.NewSSHD(t, sftptest.SSHDHostCertificate())
	u, err := transport.ParseURL(d.URL(""))
	if err != nil {
		t.Fatal(err)
	}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, kh, []byte(d.KnownHostsCALine()))
	c := dial(t, transport.Config{URL: u, KnownHosts: kh, IdentityFiles: []string{d.ClientKeyPath},
		DialTimeout: 10 * time.Second, IOTimeout: 10 * time.Second, Logf: t.Logf})
	if !strings.Contains(c.Server().Version, "OpenSSH") {
		t.Errorf("server %+v: want OpenSSH", c.Server())
	}
}
