package transport_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"path/filepath"
	"testing"

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
