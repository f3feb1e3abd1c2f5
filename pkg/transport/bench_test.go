package transport_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

const benchSize = 64 << 20

func benchFile(b *testing.B) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "roster.csv")
	if err := os.WriteFile(p, randomBytes(b, benchSize), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchPublish(b *testing.B, cfg transport.Config, dir, local string, check func() int64) {
	c, err := transport.Dial(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	files := []transport.File{{Name: "roster.csv", Path: local}}
	b.SetBytes(benchSize)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Publish(b.Context(), dir, files, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := check(); n != benchSize {
		b.Fatalf("the server holds %d bytes, want %d", n, benchSize)
	}
}

func sizeOf(p string) func() int64 {
	return func() int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return -1
		}
		return fi.Size()
	}
}

// BenchmarkPublish publishes a 64 MB file to the in-process test server (OpenSSH's
// sftp-server behind x/crypto's SSH server when installed).
func BenchmarkPublish(b *testing.B) {
	srv := sftptest.New(b)
	u, err := transport.ParseURL(srv.URL(""))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("backend %s", srv.Backend())
	cfg := transport.Config{URL: u, KnownHosts: srv.KnownHostsPath(), IdentityFiles: []string{srv.ClientKeyPath()}}
	benchPublish(b, cfg, srv.Root(), benchFile(b), sizeOf(srv.Path("roster.csv")))
}

// BenchmarkPublishSSHD publishes a 64 MB file to a real sshd on loopback; compare with
// BenchmarkOpenSSHPut, OpenSSH's own sftp client putting the same file to the same server.
func BenchmarkPublishSSHD(b *testing.B) {
	d := sftptest.NewSSHD(b)
	u, err := transport.ParseURL(d.URL(""))
	if err != nil {
		b.Fatal(err)
	}
	cfg := transport.Config{URL: u, KnownHosts: d.KnownHostsPath, IdentityFiles: []string{d.ClientKeyPath}}
	benchPublish(b, cfg, d.Root, benchFile(b), sizeOf(d.Path("roster.csv")))
}

// BenchmarkOpenSSHPut is the reference: `sftp -b` putting the same 64 MB file to a real sshd
// on loopback, with OpenSSH's default settings.
func BenchmarkOpenSSHPut(b *testing.B) {
	sftpBin, err := exec.LookPath("sftp")
	if err != nil {
		b.Skip("OpenSSH sftp client is not installed")
	}
	d := sftptest.NewSSHD(b)
	local := benchFile(b)
	batch := filepath.Join(b.TempDir(), "batch")
	if err := os.WriteFile(batch, fmt.Appendf(nil, "put %s %s\n", local, d.Path("roster.csv")), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{"-q", "-b", batch, "-i", d.ClientKeyPath, "-P", fmt.Sprint(d.Port),
		"-o", "UserKnownHostsFile=" + d.KnownHostsPath, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null", d.User + "@127.0.0.1"}
	b.SetBytes(benchSize)
	for b.Loop() {
		cmd := exec.Command(sftpBin, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sftp: %v\n%s", err, out)
		}
	}
	b.StopTimer()
	if n := sizeOf(d.Path("roster.csv"))(); n != benchSize {
		b.Fatalf("the server holds %d bytes, want %d", n, benchSize)
	}
}
