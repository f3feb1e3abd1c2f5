// Package sftptest runs an SFTP server over SSH on 127.0.0.1 for tests: x/crypto/ssh for the
// SSH side (generated host and client keys, a known_hosts file, password and
// keyboard-interactive logins) and OpenSSH's sftp-server binary for the SFTP side when it is
// installed, pkg/sftp's server otherwise. Hooks inject faults: a connection cut after N bytes,
// a stalled SFTP stream, a server without posix-rename@openssh.com.
package sftptest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/sftp"
	"github.com/rostersync/rostersync/pkg/transport/sftpurl"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// User is the login name the server accepts.
const User = "tester"

// Backends of the SFTP side.
const (
	BackendOpenSSH = "openssh-sftp-server"
	BackendGo      = "pkg/sftp"
)

// sftpServerPaths are the usual places of OpenSSH's sftp-server.
var sftpServerPaths = []string{
	"/usr/lib/openssh/sftp-server",
	"/usr/libexec/openssh/sftp-server",
	"/usr/libexec/sftp-server",
	"/usr/lib/ssh/sftp-server",
	"/usr/local/libexec/sftp-server",
	"/opt/homebrew/libexec/sftp-server",
}

// SFTPServerBinary returns the path of OpenSSH's sftp-server, or "" when it is not installed.
func SFTPServerBinary() string {
	for _, p := range sftpServerPaths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("sftp-server"); err == nil {
		return p
	}
	return ""
}

// Option changes the server New starts.
type Option func(*options)

type options struct {
	goServer      bool
	noPosixRename bool
	deny          []string
	ecdsaKey      bool
	hostCert      bool
	methods       map[string]bool
}

// GoServer serves SFTP with pkg/sftp's server even when OpenSSH's sftp-server is installed.
// Beware: its plain rename overwrites an existing file, which OpenSSH's refuses.
func GoServer() Option { return func(o *options) { o.goServer = true } }

// NoPosixRename makes the server not advertise posix-rename@openssh.com (and OpenSSH's
// sftp-server also refuses the request), like many vendor servers.
func NoPosixRename() Option { return func(o *options) { o.noPosixRename = true } }

// DenyRequests makes OpenSSH's sftp-server refuse the named SFTP requests with "permission
// denied" (its -P option; sftp-server -Q requests lists them): DenyRequests("read") is a
// write-only drop box. It needs OpenSSH's sftp-server, so New fails the test without it.
func DenyRequests(names ...string) Option {
	return func(o *options) { o.deny = append(o.deny, names...) }
}

// ExtraECDSAHostKey gives the server a second host key, ECDSA P-256, which the known_hosts
// file does not list: a client that does not restrict its host key algorithms to what it knows
// would be shown this one first and fail.
func ExtraECDSAHostKey() Option { return func(o *options) { o.ecdsaKey = true } }

// HostCertificate makes the server present its ed25519 host key as an OpenSSH host
// certificate for 127.0.0.1, signed by a certificate authority of its own (CAKey): a
// known_hosts file can then trust it by a @cert-authority line (KnownHostsCALine) alone.
func HostCertificate() Option { return func(o *options) { o.hostCert = true } }

// AuthMethods limits the login methods the server accepts ("publickey", "password",
// "keyboard-interactive"); by default all three.
func AuthMethods(methods ...string) Option {
	return func(o *options) {
		o.methods = map[string]bool{}
		for _, m := range methods {
			o.methods[m] = true
		}
	}
}

// Server is a running test server. It stops when the test ends.
type Server struct {
	t        testing.TB
	ln       net.Listener
	root     string
	dir      string
	opts     options
	backend  string
	binary   string
	hostKey  ssh.PublicKey
	ecdsaKey ssh.PublicKey
	caKey    ssh.PublicKey
	clientPK ed25519.PrivateKey
	password string
	keyPath  string
	khPath   string
	config   *ssh.ServerConfig

	mu       sync.Mutex
	conns    map[net.Conn]bool
	accepted int
	authLog  []string
	cutAfter int64 // for new sessions; < 0: off
	cutOnce  bool
	corrupt  bool  // the next session gets one flipped data byte
	stallAt  int64 // for new sessions; < 0: off
	sessions map[*faults]bool
	closed   bool
	wg       sync.WaitGroup
}

// New starts a server on 127.0.0.1:0 and stops it when the test ends. Its SFTP root is a fresh
// t.TempDir().
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, conns: map[net.Conn]bool{}, cutAfter: -1, stallAt: -1, sessions: map[*faults]bool{}}
	for _, o := range opts {
		o(&s.opts)
	}
	if s.opts.methods == nil {
		s.opts.methods = map[string]bool{"publickey": true, "password": true, "keyboard-interactive": true}
	}
	s.root = t.TempDir()
	s.dir = t.TempDir()
	if !s.opts.goServer {
		s.binary = SFTPServerBinary()
	}
	s.backend = BackendGo
	if s.binary != "" {
		s.backend = BackendOpenSSH
	}
	if len(s.opts.deny) > 0 && s.binary == "" {
		t.Fatal("sftptest.DenyRequests needs OpenSSH's sftp-server")
	}

	_, hostSigner := newKey(t)
	s.hostKey = hostSigner.PublicKey()
	clientPriv, clientSigner := newKey(t)
	s.clientPK = clientPriv
	authorized := clientSigner.PublicKey()
	var pw [12]byte
	if _, err := rand.Read(pw[:]); err != nil {
		t.Fatal(err)
	}
	s.password = hex.EncodeToString(pw[:])

	s.config = &ssh.ServerConfig{
		AuthLogCallback: func(_ ssh.ConnMetadata, method string, _ error) {
			s.mu.Lock()
			s.authLog = append(s.authLog, method)
			s.mu.Unlock()
		},
		ServerVersion: "SSH-2.0-rostersync_sftptest",
	}
	if s.opts.methods["publickey"] {
		s.config.PublicKeyCallback = func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() == User && string(key.Marshal()) == string(authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("key not authorized")
		}
	}
	if s.opts.methods["password"] {
		s.config.PasswordCallback = func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == User && string(pw) == s.password {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		}
	}
	if s.opts.methods["keyboard-interactive"] {
		s.config.KeyboardInteractiveCallback = func(c ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			answers, err := ask("", "", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			if c.User() == User && len(answers) == 1 && answers[0] == s.password {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		}
	}
	if s.opts.hostCert {
		certSigner, caKey, err := hostCertificate(hostSigner, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		s.caKey = caKey
		hostSigner = certSigner
	}
	s.config.AddHostKey(hostSigner)
	if s.opts.ecdsaKey {
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		es, err := ssh.NewSignerFromKey(ek)
		if err != nil {
			t.Fatal(err)
		}
		s.ecdsaKey = es.PublicKey()
		s.config.AddHostKey(es)
	}

	var err error
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.keyPath = filepath.Join(s.dir, "id_ed25519")
	s.writeKey(s.keyPath, nil)
	s.khPath = filepath.Join(s.dir, "known_hosts")
	if err := os.WriteFile(s.khPath, []byte(s.KnownHostsLine(s.hostKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *Server) writeKey(path string, passphrase []byte) {
	var block *pem.Block
	var err error
	if passphrase == nil {
		block, err = ssh.MarshalPrivateKey(s.clientPK, "sftptest")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(s.clientPK, "sftptest", passphrase)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// Addr is "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port is the TCP port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Root is the local folder the SFTP side serves (its starting folder).
func (s *Server) Root() string { return s.root }

// Backend is BackendOpenSSH or BackendGo.
func (s *Server) Backend() string { return s.backend }

// KnownHostsPath is a known_hosts file that lists the server's ed25519 host key as
// [127.0.0.1]:PORT.
func (s *Server) KnownHostsPath() string { return s.khPath }

// KnownHostsLine is a known_hosts line for this server with key.
func (s *Server) KnownHostsLine(key ssh.PublicKey) string {
	return knownhosts.Line([]string{s.Addr()}, key) + "\n"
}

// KnownHostsCALine is a known_hosts line that trusts the server's certificate authority for
// this server's address (with HostCertificate).
func (s *Server) KnownHostsCALine() string {
	return "@cert-authority " + knownhosts.Line([]string{s.Addr()}, s.caKey) + "\n"
}

// CAKey is the key of the authority that signed the host certificate (nil without
// HostCertificate).
func (s *Server) CAKey() ssh.PublicKey { return s.caKey }

// hostCertificate signs host's key with a new ed25519 authority as a host certificate valid
// for principal, and returns a signer presenting it and the authority's key.
func hostCertificate(host ssh.Signer, principal string) (ssh.Signer, ssh.PublicKey, error) {
	_, caPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	ca, err := ssh.NewSignerFromKey(caPriv)
	if err != nil {
		return nil, nil, err
	}
	cert := &ssh.Certificate{
		Key:             host.PublicKey(),
		CertType:        ssh.HostCert,
		KeyId:           "sftptest",
		ValidPrincipals: []string{principal},
		ValidBefore:     ssh.CertTimeInfinity,
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewCertSigner(cert, host)
	if err != nil {
		return nil, nil, err
	}
	return signer, ca.PublicKey(), nil
}

// HostKey is the server's ed25519 host key; ECDSAHostKey the extra one (nil without
// ExtraECDSAHostKey).
func (s *Server) HostKey() ssh.PublicKey      { return s.hostKey }
func (s *Server) ECDSAHostKey() ssh.PublicKey { return s.ecdsaKey }

// ClientKeyPath is an unencrypted ed25519 private key (0600) the server accepts for User.
func (s *Server) ClientKeyPath() string { return s.keyPath }

// EncryptedClientKeyPath writes the client key encrypted with passphrase and returns its path.
func (s *Server) EncryptedClientKeyPath(passphrase []byte) string {
	p := filepath.Join(s.dir, "id_ed25519_encrypted")
	s.writeKey(p, passphrase)
	return p
}

// Password is the password the server accepts for User.
func (s *Server) Password() string { return s.password }

// URL is sftp://tester@127.0.0.1:PORT/<absolute path of p inside Root>; a trailing "/" on p
// is kept (a folder URL).
func (s *Server) URL(p string) string { return localURL(User, s.Addr(), s.root, p) }

// localURL is the sftp:// URL of p inside root on a test server at addr (127.0.0.1:PORT); a
// trailing "/" on p is kept.
func localURL(user, addr, root, p string) string {
	full := filepath.ToSlash(filepath.Join(root, p))
	if strings.HasSuffix(p, "/") || p == "" {
		full += "/"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		panic(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		panic(err)
	}
	return (&sftpurl.URL{User: user, Host: host, Port: n, Path: full}).String()
}

// Path is the local path of p inside Root.
func (s *Server) Path(p string) string { return filepath.Join(s.root, p) }

// AuthAttempts returns the login methods clients tried, in order ("none", "publickey",
// "password", "keyboard-interactive"), over all connections.
func (s *Server) AuthAttempts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.authLog...)
}

// Connections is the number of TCP connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// CutAfter makes every SFTP session, running or started later, deliver n more bytes of the
// client's SFTP stream to the server and then close the TCP connection: a dropped upload.
// n < 0 turns it off.
func (s *Server) CutAfter(n int64) { s.setCut(n, false) }

// CutOnceAfter is CutAfter for one cut only: once a connection has been cut, the others are
// left alone.
func (s *Server) CutOnceAfter(n int64) { s.setCut(n, true) }

func (s *Server) setCut(n int64, once bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutAfter, s.cutOnce = n, once
	for f := range s.sessions {
		f.cut = n
	}
}

// StallAfter makes every SFTP session, running or started later, stop reading the client's
// SFTP stream after n more bytes while the SSH connection stays up and answers keepalives: a
// hung server. n < 0 turns it off.
func (s *Server) StallAfter(n int64) { s.setStall(n, true) }

// StallNew sets the stall for SFTP sessions started from now on only (n < 0: none), leaving a
// running session's as it is: a test lifts the stall for a cleanup's session while the run it
// stalled stays hung.
func (s *Server) StallNew(n int64) { s.setStall(n, false) }

func (s *Server) setStall(n int64, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stallAt = n
	if !running {
		return
	}
	for f := range s.sessions {
		f.stall = n
	}
}

// CorruptOnce makes the next SFTP session deliver one of the client's written bytes to the
// server flipped: the last data byte of the tenth large packet (a write of file data), so sizes
// still match and only a check of the content finds it. Later sessions are left alone.
func (s *Server) CorruptOnce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt = true
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.accepted++
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

func (s *Server) handle(c net.Conn) {
	sconn, chans, reqs, err := ssh.NewServerConn(c, s.config)
	if err != nil {
		return
	}
	defer sconn.Close()
	connDone := make(chan struct{})
	go func() {
		sconn.Wait()
		close(connDone)
	}()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ch.Close()
			for req := range creqs {
				if req.Type == "subsystem" && len(req.Payload) >= 4 && string(req.Payload[4:]) == "sftp" {
					req.Reply(true, nil)
					status := s.serveSFTP(ch, c, connDone)
					ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, status))
					return
				}
				req.Reply(false, nil)
			}
		}()
	}
}

// serveSFTP runs the SFTP server on ch until the client ends it.
func (s *Server) serveSFTP(ch ssh.Channel, tcp net.Conn, connDone <-chan struct{}) uint32 {
	f := &faults{s: s, r: ch, tcp: tcp, done: connDone}
	s.mu.Lock()
	f.cut, f.stall = s.cutAfter, s.stallAt
	if s.corrupt {
		f.flip, s.corrupt = &flipper{target: 10}, false
	}
	s.sessions[f] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, f)
		s.mu.Unlock()
	}()
	var in io.Reader = f
	var out io.Writer = ch
	if s.opts.noPosixRename {
		out = &versionFilter{w: ch, drop: "posix-rename@openssh.com"}
	}

	if s.binary == "" {
		srv, err := sftp.NewServer(struct {
			io.Reader
			io.Writer
			io.Closer
		}{in, out, ch}, sftp.WithServerWorkingDirectory(s.root))
		if err != nil {
			return 1
		}
		err = srv.Serve()
		srv.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			return 1
		}
		return 0
	}

	args := []string{"-e", "-l", "ERROR", "-d", s.root}
	deny := s.opts.deny
	if s.opts.noPosixRename {
		deny = append(deny, "posix-rename")
	}
	if len(deny) > 0 {
		args = append(args, "-P", strings.Join(deny, ","))
	}
	cmd := exec.Command(s.binary, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 1
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 1
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return 1
	}
	go func() {
		io.Copy(stdin, in)
		stdin.Close()
	}()
	io.Copy(out, stdout)
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return uint32(ee.ExitCode())
		}
		return 1
	}
	return 0
}

// faults reads the client's SFTP stream for the server and injects the cut and stall faults.
type faults struct {
	s     *Server
	r     io.Reader
	tcp   net.Conn
	done  <-chan struct{}
	cut   int64 // bytes left before the cut; < 0: off (guarded by s.mu)
	stall int64 // bytes left before the stall; < 0: off (guarded by s.mu)
	flip  *flipper
}

// flipper follows the SFTP packets of a stream (uint32 length, then the packet) and flips the
// last byte of the target-th packet larger than 1 KiB: data of a write request.
type flipper struct {
	hdr    [4]byte
	hn     int
	left   uint32
	big    bool
	frames int
	target int
	done   bool
}

func (f *flipper) feed(p []byte) {
	for i := 0; i < len(p); {
		if f.left == 0 {
			f.hdr[f.hn] = p[i]
			f.hn++
			i++
			if f.hn == 4 {
				f.hn = 0
				f.left = binary.BigEndian.Uint32(f.hdr[:])
				f.big = f.left > 1024
				if f.big {
					f.frames++
				}
			}
			continue
		}
		k := min(uint32(len(p)-i), f.left)
		if !f.done && f.big && f.frames == f.target && k == f.left {
			p[i+int(k)-1] ^= 0xff
			f.done = true
		}
		f.left -= k
		i += int(k)
	}
}

func (f *faults) Read(p []byte) (int, error) {
	f.s.mu.Lock()
	cut, stall := f.cut, f.stall
	f.s.mu.Unlock()
	if cut == 0 {
		f.fireCut()
		return 0, io.EOF
	}
	if stall == 0 {
		<-f.done
		return 0, io.EOF
	}
	for _, limit := range []int64{cut, stall} {
		if limit > 0 && int64(len(p)) > limit {
			p = p[:limit]
		}
	}
	n, err := f.r.Read(p)
	if f.flip != nil {
		f.flip.feed(p[:n])
	}
	f.s.mu.Lock()
	if f.cut > 0 {
		f.cut = max(f.cut-int64(n), 0)
	}
	if f.stall > 0 {
		f.stall = max(f.stall-int64(n), 0)
	}
	cutNow := f.cut == 0
	f.s.mu.Unlock()
	if cutNow {
		f.fireCut()
	}
	return n, err
}

func (f *faults) fireCut() {
	f.s.mu.Lock()
	if f.s.cutOnce {
		f.s.cutAfter, f.s.cutOnce = -1, false
		for o := range f.s.sessions {
			if o != f {
				o.cut = -1
			}
		}
	}
	f.s.mu.Unlock()
	f.tcp.Close()
}

// versionFilter removes one extension from the server's SSH_FXP_VERSION packet, the first
// packet of the SFTP stream.
type versionFilter struct {
	w    io.Writer
	drop string
	buf  []byte
	done bool
}

func (f *versionFilter) Write(p []byte) (int, error) {
	if f.done {
		return f.w.Write(p)
	}
	f.buf = append(f.buf, p...)
	if len(f.buf) < 4 {
		return len(p), nil
	}
	n := int(binary.BigEndian.Uint32(f.buf))
	if len(f.buf) < 4+n {
		return len(p), nil
	}
	pkt, rest := f.buf[4:4+n], f.buf[4+n:]
	f.done = true
	out, err := dropExtension(pkt, f.drop)
	if err != nil {
		return 0, err
	}
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(out)))
	msg = append(msg, out...)
	msg = append(msg, rest...)
	if _, err := f.w.Write(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// dropExtension rewrites an SSH_FXP_VERSION packet (type 2, version, name/data pairs) without
// the named extension.
func dropExtension(pkt []byte, name string) ([]byte, error) {
	if len(pkt) < 5 || pkt[0] != 2 {
		return nil, fmt.Errorf("not a version packet")
	}
	out := append([]byte(nil), pkt[:5]...)
	rest := pkt[5:]
	readString := func() ([]byte, bool) {
		if len(rest) < 4 {
			return nil, false
		}
		n := int(binary.BigEndian.Uint32(rest))
		if len(rest) < 4+n {
			return nil, false
		}
		s := rest[4 : 4+n]
		rest = rest[4+n:]
		return s, true
	}
	for len(rest) > 0 {
		k, ok1 := readString()
		v, ok2 := readString()
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("bad version packet")
		}
		if string(k) == name {
			continue
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(v)))
		out = append(out, v...)
	}
	return out, nil
}

// newKey makes a fresh Ed25519 key and its signer.
func newKey(t testing.TB) (ed25519.PrivateKey, ssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return priv, signer
}
