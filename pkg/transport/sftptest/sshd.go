package sftptest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHDBinary is where the real OpenSSH server is looked for.
const SSHDBinary = "/usr/sbin/sshd"

// RequireSSHDEnv, set to 1, turns a missing sshd into a test failure instead of a skip (CI
// installs OpenSSH and must prove the real-server path).
const RequireSSHDEnv = "ROSTERSYNC_TEST_SSHD"

// SSHD is a real OpenSSH sshd listening on 127.0.0.1 for the test, serving SFTP with
// internal-sftp, with a generated ed25519 host key and one authorized client key.
type SSHD struct {
	Port           int
	User           string
	Root           string // a t.TempDir() for the test's files (sshd is not chrooted)
	KnownHostsPath string // lists the host key as [127.0.0.1]:PORT
	ClientKeyPath  string // unencrypted ed25519 key, 0600
	HostKey        ssh.PublicKey
	// CAKey signed the host certificate sshd also presents (nil without SSHDHostCertificate).
	CAKey ssh.PublicKey
}

// SSHDOption changes the sshd NewSSHD starts.
type SSHDOption func(*sshdOptions)

type sshdOptions struct{ hostCert bool }

// SSHDHostCertificate gives sshd a host certificate for 127.0.0.1 (HostCertificate), signed by
// an authority of its own (SSHD.CAKey), besides its plain host key.
func SSHDHostCertificate() SSHDOption { return func(o *sshdOptions) { o.hostCert = true } }

// KnownHostsCALine is a known_hosts line that trusts sshd's certificate authority for its
// address (with SSHDHostCertificate).
func (d *SSHD) KnownHostsCALine() string {
	return "@cert-authority " + knownhosts.Line([]string{d.Addr()}, d.CAKey) + "\n"
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test's reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// NewSSHD starts /usr/sbin/sshd -D -e -f <generated config> on a free port of 127.0.0.1 and
// stops it when the test ends. Without sshd the test is skipped, unless ROSTERSYNC_TEST_SSHD=1,
// which makes it fail.
func NewSSHD(t testing.TB, opts ...SSHDOption) *SSHD {
	t.Helper()
	var o sshdOptions
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := os.Stat(SSHDBinary); err != nil {
		if os.Getenv(RequireSSHDEnv) == "1" {
			t.Fatalf("%s=1 but %s is missing: %v", RequireSSHDEnv, SSHDBinary, err)
		}
		t.Skipf("%s is not installed (set %s=1 to make this a failure)", SSHDBinary, RequireSSHDEnv)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd refuses to start without its privilege separation folder, which the service
		// normally creates at boot.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("create sshd's privilege separation folder: %v", err)
		}
	}
	dir := t.TempDir()
	d := &SSHD{User: me.Username, Root: t.TempDir()}

	hostPriv, hostSigner := newKey(t)
	d.HostKey = hostSigner.PublicKey()
	hostKeyPath := filepath.Join(dir, "ssh_host_ed25519_key")
	writePEM(t, hostKeyPath, hostPriv)
	var hostCert []string
	if o.hostCert {
		certSigner, caKey, err := hostCertificate(hostSigner, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		d.CAKey = caKey
		certPath := hostKeyPath + "-cert.pub"
		if err := os.WriteFile(certPath, ssh.MarshalAuthorizedKey(certSigner.PublicKey()), 0o600); err != nil {
			t.Fatal(err)
		}
		hostCert = []string{"HostCertificate " + certPath}
	}

	clientPriv, clientSigner := newKey(t)
	d.ClientKeyPath = filepath.Join(dir, "id_ed25519")
	writePEM(t, d.ClientKeyPath, clientPriv)
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, ssh.MarshalAuthorizedKey(clientSigner.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}

	d.Port = freePort(t)
	d.KnownHostsPath = filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{d.Addr()}, d.HostKey) + "\n"
	if err := os.WriteFile(d.KnownHostsPath, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := strings.Join(append([]string{
		fmt.Sprintf("Port %d", d.Port),
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKeyPath,
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + authKeys,
		"StrictModes no",
		"UsePAM no",
		"PermitRootLogin yes",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"AllowUsers " + d.User,
		"Subsystem sftp internal-sftp",
		"LogLevel VERBOSE",
	}, append(hostCert, "")...), "\n")
	cfgPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// Check the configuration first: a clear message beats a timeout.
	if out, err := exec.Command(SSHDBinary, "-t", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v\n%s", err, out)
	}
	log := &syncBuffer{}
	cmd := exec.Command(SSHDBinary, "-D", "-e", "-f", cfgPath)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sshd log:\n%s", log)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if banner(d.Addr()) {
			break
		}
		select {
		case <-exited:
			t.Fatalf("sshd exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not answer on %s:\n%s", d.Addr(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return d
}

// Addr is "127.0.0.1:PORT".
func (d *SSHD) Addr() string { return fmt.Sprintf("127.0.0.1:%d", d.Port) }

// URL is sftp://USER@127.0.0.1:PORT/<absolute path of p inside Root>; a trailing "/" on p is
// kept.
func (d *SSHD) URL(p string) string { return localURL(d.User, d.Addr(), d.Root, p) }

// Path is the local path of p inside Root.
func (d *SSHD) Path(p string) string { return filepath.Join(d.Root, p) }

func writePEM(t testing.TB, path string, key ed25519.PrivateKey) {
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// banner reports whether an SSH server answers on addr.
func banner(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-")
}
