package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/rostersync/rostersync/pkg/config"
)

// Defaults of Config.
const (
	DefaultDialTimeout = 30 * time.Second
	DefaultIOTimeout   = 30 * time.Second
	DefaultRetries     = 3
	DefaultRetryDelay  = time.Second
	maxRetryDelay      = 30 * time.Second
)

// Config says how to reach and log in to one SFTP server. Secrets (Password, Passphrase) are
// read by the caller from an environment variable or a file, never from the command line.
type Config struct {
	// URL names the server: Host, Port and User are used.
	URL *URL
	// KnownHosts is the OpenSSH known_hosts file the host key is checked against (default
	// ~/.ssh/known_hosts). A missing file knows no host. Hashed entries and [host]:port entries
	// are understood.
	KnownHosts string
	// IdentityFiles are private keys to log in with. When no login method is configured at all
	// (no identity file, no password, no agent), the usual ~/.ssh/id_ed25519, id_ecdsa and id_rsa
	// are tried when they exist.
	IdentityFiles []string
	// Passphrase decrypts encrypted identity files.
	Passphrase []byte
	// Password is offered as password and keyboard-interactive authentication.
	Password string
	// UseAgent adds the keys of the ssh-agent at $SSH_AUTH_SOCK.
	UseAgent bool
	// DialTimeout bounds the TCP connect plus the SSH handshake and login (default: IOTimeout
	// when that is set, else 30s), so one --timeout bounds every wait.
	DialTimeout time.Duration
	// IOTimeout is the idle timeout: a connection that receives nothing for this long while
	// it waits for the server is given up (default 30s). Keepalives are sent every third of it.
	IOTimeout time.Duration
	// Retries is how many times a transient failure (connect, lost connection) is retried on a
	// fresh connection: 0 means DefaultRetries, a negative value means none. Host-key,
	// authentication and configuration failures are never retried.
	Retries int
	// RetryDelay is the first pause before a retry (default 1s); it doubles each time, up to 30s.
	RetryDelay time.Duration
	// Logf receives warnings and retry notices (nil: discarded). Messages never hold secrets.
	Logf func(format string, args ...any)
}

// LogValue keeps the secrets out of structured logs.
func (c Config) LogValue() slog.Value {
	var dest string
	if c.URL != nil {
		dest = c.URL.String()
	}
	return slog.GroupValue(
		slog.String("url", dest),
		slog.String("known_hosts", c.KnownHosts),
		slog.Any("identity_files", c.IdentityFiles),
		slog.Bool("passphrase", len(c.Passphrase) > 0),
		slog.Bool("password", c.Password != ""),
		slog.Bool("agent", c.UseAgent),
	)
}

func (c *Config) setDefaults() error {
	if c.URL == nil || c.URL.Host == "" {
		return fmt.Errorf("%w: no server to connect to", ErrConfig)
	}
	if c.KnownHosts == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("%w: no known_hosts file given and no home folder: %v", ErrConfig, err)
		}
		c.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	c.KnownHosts = expandHome(c.KnownHosts)
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
		if c.IOTimeout > 0 {
			c.DialTimeout = c.IOTimeout
		}
	}
	if c.IOTimeout <= 0 {
		c.IOTimeout = DefaultIOTimeout
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return nil
}

// expandHome replaces a leading "~/" with the user's home folder (config.ExpandHome).
func expandHome(p string) string {
	home, _ := os.UserHomeDir() // "" leaves p as it is
	return config.ExpandHome(p, home)
}

// Client is a connection to one SFTP server. It reconnects by itself when a transient failure
// is retried. Its methods are meant to be called one at a time.
type Client struct {
	cfg     Config
	addr    string // host:port
	signers []ssh.Signer
	hosts   *hostKeys

	mu   sync.Mutex
	sess *session
}

// session is one SSH connection with its SFTP channel.
type session struct {
	raw    net.Conn
	conn   *idleConn
	ssh    *ssh.Client
	sftp   *sftp.Client
	wd     *watchdog
	done   chan struct{}
	once   sync.Once
	posix  bool // posix-rename@openssh.com
	fsync  bool // fsync@openssh.com
	maxIO  int  // bytes of one read or write request
	server string
	// warnedMode, warnedReadBack: the server refused the 0600 mode, or reading a file back,
	// once and was warned about.
	warnedMode, warnedReadBack bool
}

func (s *session) close() {
	s.once.Do(func() {
		close(s.done)
		// The connection first: a write stuck on a server that stopped reading (the SSH window
		// full) holds the SFTP client's lock, and its Close would wait for it forever.
		s.raw.Close()
		s.ssh.Close()
		s.sftp.Close()
	})
}

// timedOut reports whether the session was given up for lack of an answer.
func (s *session) timedOut() bool {
	return s.conn.timedOut() || (s.wd != nil && s.wd.stalled())
}

// Dial connects to the server of cfg.URL, checks its host key against known_hosts and logs in.
// Transient failures are retried (cfg.Retries) with backoff; host-key failures (*HostKeyError),
// refused logins (*AuthError) and configuration errors (ErrConfig) are not. Every remote failure
// matches ErrRemote; a connect or handshake that ran out of time also matches ErrTimeout.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, addr: cfg.URL.Address()}
	signers, err := loadSigners(&c.cfg)
	if err != nil {
		return nil, err
	}
	c.signers = signers
	if len(signers) == 0 && cfg.Password == "" && !cfg.UseAgent {
		return nil, fmt.Errorf("%w: no login method for %s: give an identity file, a password (from an environment variable or a file) or the ssh-agent", ErrConfig, c.addr)
	}
	if cfg.UseAgent && os.Getenv("SSH_AUTH_SOCK") == "" {
		return nil, fmt.Errorf("%w: the ssh-agent was asked for but SSH_AUTH_SOCK is not set", ErrConfig)
	}
	hosts, err := loadHostKeys(c.cfg.KnownHosts)
	if err != nil {
		return nil, err
	}
	c.hosts = hosts
	if err := c.run(ctx, "connect", nil); err != nil {
		return nil, err
	}
	return c, nil
}

// Close ends the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil {
		c.sess.close()
		c.sess = nil
	}
	return nil
}

// ServerInfo describes the connected server, for logs and `check`-style reports.
type ServerInfo struct {
	// Version is the SSH identification string, such as "SSH-2.0-OpenSSH_9.2p1".
	Version string
	// PosixRename and Fsync say whether the SFTP server advertises posix-rename@openssh.com
	// and fsync@openssh.com.
	PosixRename, Fsync bool
	// MaxIO is the size of the read and write requests sent: what the server's
	// limits@openssh.com allows (up to 256 KiB), else the 32 KiB every server accepts.
	MaxIO int
}

// Server describes the server of the current connection (zero when there is none).
func (c *Client) Server() ServerInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return ServerInfo{}
	}
	return ServerInfo{Version: c.sess.server, PosixRename: c.sess.posix, Fsync: c.sess.fsync, MaxIO: c.sess.maxIO}
}

// run calls fn on a live session, connecting first when needed, and retries transient
// failures on a fresh connection with backoff. fn nil only connects.
func (c *Client) run(ctx context.Context, op string, fn func(*session) error) error {
	delay := c.cfg.RetryDelay
	for attempt := 0; ; attempt++ {
		s, err := c.session(ctx)
		if err == nil && fn != nil {
			stop := context.AfterFunc(ctx, s.close)
			err = fn(s)
			stop()
			if err != nil {
				err = c.remoteError(ctx, op, s, err)
			}
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", op, c.addr, context.Cause(ctx))
		}
		if s != nil && retryable(ctx, err) {
			// The connection is suspect: the next call starts a fresh one.
			c.drop(s)
		}
		if !retryable(ctx, err) || attempt >= c.cfg.Retries {
			return err
		}
		c.cfg.Logf("%v; retry %d of %d in %s", err, attempt+1, c.cfg.Retries, delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s %s: %w", op, c.addr, context.Cause(ctx))
		case <-t.C:
		}
		delay = min(delay*2, maxRetryDelay)
	}
}

// remoteError types an error that happened on a live session.
func (c *Client) remoteError(ctx context.Context, op string, s *session, err error) error {
	var le *localError
	var re *Error
	var hk *HostKeyError
	switch {
	case errors.As(err, &le), errors.As(err, &re), errors.As(err, &hk):
		return err
	case ctx.Err() != nil:
		return err
	case s.timedOut():
		return &Error{Op: op, Addr: c.addr, Err: fmt.Errorf("%w: no answer from the server for %s", ErrTimeout, c.cfg.IOTimeout)}
	}
	return &Error{Op: op, Addr: c.addr, Err: err}
}

// session returns the live session, connecting when there is none or it broke.
func (c *Client) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != nil {
		select {
		case <-c.sess.done:
			c.sess = nil
		default:
			return c.sess, nil
		}
	}
	s, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.sess = s
	return s, nil
}

// drop closes s and forgets it, so the next call connects afresh.
func (c *Client) drop(s *session) {
	if s == nil {
		return
	}
	s.close()
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
}

// connect makes one attempt: TCP, SSH handshake with host-key check, login, SFTP channel.
func (c *Client) connect(ctx context.Context) (*session, error) {
	cfg := &c.cfg
	fail := func(err error) error { return &Error{Op: "connect", Addr: c.addr, Err: err} }
	d := net.Dialer{Timeout: cfg.DialTimeout}
	raw, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect %s: %w", c.addr, context.Cause(ctx))
		}
		if isTimeout(err) {
			return nil, fail(fmt.Errorf("%w: no TCP connection within %s", ErrTimeout, cfg.DialTimeout))
		}
		return nil, fail(err)
	}
	// The handshake (banner, key exchange, login) has DialTimeout in all.
	_ = raw.SetDeadline(time.Now().Add(cfg.DialTimeout))
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	conn := newIdleConn(raw, cfg.IOTimeout)

	var agentConn net.Conn
	if cfg.UseAgent {
		agentConn, err = net.Dial("unix", os.Getenv("SSH_AUTH_SOCK"))
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("%w: ssh-agent at SSH_AUTH_SOCK: %v", ErrConfig, err)
		}
		defer agentConn.Close()
	}
	var hostErr *HostKeyError
	ccfg := &ssh.ClientConfig{
		User:              cfg.URL.User,
		Auth:              c.authMethods(agentConn),
		HostKeyCallback:   c.hosts.callback(cfg.URL, &hostErr),
		HostKeyAlgorithms: c.hosts.algorithms(c.addr),
		Timeout:           cfg.DialTimeout,
	}
	sconn, chans, reqs, err := ssh.NewClientConn(conn, c.addr, ccfg)
	if err != nil {
		raw.Close()
		switch {
		case hostErr != nil:
			return nil, hostErr
		case ctx.Err() != nil:
			return nil, fmt.Errorf("connect %s: %w", c.addr, context.Cause(ctx))
		case isAuthFailure(err):
			return nil, fail(&AuthError{User: cfg.URL.User, Err: trimSSHPrefix(err)})
		case isTimeout(err):
			return nil, fail(fmt.Errorf("%w: SSH handshake and login did not finish within %s", ErrTimeout, cfg.DialTimeout))
		case strings.Contains(err.Error(), "no common algorithm for host key") && len(ccfg.HostKeyAlgorithms) > 0:
			// The server has none of the key types known_hosts holds for it: report the key it has.
			return nil, c.hosts.changedKeyError(ctx, cfg.URL, cfg.DialTimeout, err)
		case isHandshakeProtocolError(err):
			return nil, fail(&permanentError{err: err})
		}
		return nil, fail(err)
	}
	conn.arm()
	client := ssh.NewClient(sconn, chans, reqs)
	s := &session{raw: raw, conn: conn, ssh: client, done: make(chan struct{}), server: string(sconn.ServerVersion())}

	sc, wd, maxIO, err := openSFTP(client, conn, cfg.IOTimeout)
	if err != nil {
		client.Close()
		raw.Close()
		if conn.timedOut() || (wd != nil && wd.stalled()) {
			return nil, fail(fmt.Errorf("%w: no answer from the SFTP server for %s", ErrTimeout, cfg.IOTimeout))
		}
		return nil, fail(fmt.Errorf("start SFTP: %w", err))
	}
	s.sftp, s.wd, s.maxIO = sc, wd, maxIO
	s.posix = hasExt(sc, "posix-rename@openssh.com")
	s.fsync = hasExt(sc, "fsync@openssh.com")
	go s.keepalive(cfg.IOTimeout)
	go func() {
		// A connection that dies is not reused.
		client.Wait()
		s.close()
	}()
	go wd.run(s.done, func() { conn.markTimeout(); raw.Close() })
	return s, nil
}

func hasExt(c *sftp.Client, name string) bool {
	v, ok := c.HasExtension(name)
	return ok && v == "1"
}

// openSFTP starts the sftp subsystem on its own channel, with a watchdog on the stream, and
// returns the size of its read and write requests.
func openSFTP(client *ssh.Client, conn *idleConn, timeout time.Duration) (*sftp.Client, *watchdog, int, error) {
	ses, err := client.NewSession()
	if err != nil {
		return nil, nil, 0, err
	}
	w, err := ses.StdinPipe()
	if err != nil {
		return nil, nil, 0, err
	}
	r, err := ses.StdoutPipe()
	if err != nil {
		return nil, nil, 0, err
	}
	if err := ses.RequestSubsystem("sftp"); err != nil {
		return nil, nil, 0, err
	}
	wd := newWatchdog(r, w, timeout)
	// The version exchange (and the question of the server's limits) is made before
	// pkg/sftp takes the channel: guard it too.
	stop := make(chan struct{})
	go wd.run(stop, func() { conn.markTimeout(); conn.Conn.Close() })
	sc, size, err := startSFTP(wd, wd)
	close(stop)
	if err != nil {
		ses.Close()
		return nil, wd, 0, err
	}
	return sc, wd, size, nil
}

// startSFTP makes the version exchange on an SFTP stream and starts pkg/sftp on it, with
// requests of the size the server's limits allow; it returns the client and that size.
func startSFTP(r io.Reader, w io.WriteCloser) (*sftp.Client, int, error) {
	version, size, err := negotiate(r, w)
	if err != nil {
		return nil, 0, err
	}
	opts := []sftp.ClientOption{sftp.UseConcurrentWrites(true)}
	if size > defaultIO {
		// Checked: the server said it accepts requests this large.
		opts = append(opts, sftp.MaxPacketUnchecked(size))
	}
	rp := newInitReplay(r, w, version)
	sc, err := sftp.NewClientPipe(rp, rp, opts...)
	if err != nil {
		return nil, 0, err
	}
	return sc, size, nil
}

// keepalive sends keepalive@openssh.com every third of the idle timeout and closes the
// connection when the server does not answer within the idle timeout.
func (s *session) keepalive(timeout time.Duration) {
	interval := max(timeout/3, 100*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		res := make(chan error, 1)
		go func() {
			_, _, err := s.ssh.SendRequest("keepalive@openssh.com", true, nil)
			res <- err
		}()
		wait := time.NewTimer(timeout)
		select {
		case err := <-res:
			wait.Stop()
			if err != nil {
				s.raw.Close()
				return
			}
		case <-wait.C:
			s.conn.markTimeout()
			s.raw.Close()
			return
		case <-s.done:
			wait.Stop()
			return
		}
	}
}

// authMethods lists the login methods in order: keys (files, then agent), password,
// keyboard-interactive answering password prompts.
func (c *Client) authMethods(agentConn net.Conn) []ssh.AuthMethod {
	var methods []ssh.AuthMethod
	if len(c.signers) > 0 || agentConn != nil {
		// One publickey method: x/crypto tries each method name once.
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			signers := append([]ssh.Signer(nil), c.signers...)
			if agentConn != nil {
				as, err := agent.NewClient(agentConn).Signers()
				if err != nil {
					c.cfg.Logf("warning: ssh-agent: %v", err)
				}
				signers = append(signers, as...)
			}
			return signers, nil
		}))
	}
	if pw := c.cfg.Password; pw != "" {
		methods = append(methods, ssh.Password(pw))
		rounds := 0
		methods = append(methods, ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
			if len(questions) == 0 {
				return nil, nil
			}
			if rounds++; rounds > 3 {
				return nil, errors.New("the server keeps asking")
			}
			answers := make([]string, len(questions))
			for i, q := range questions {
				if !echos[i] || strings.Contains(strings.ToLower(q), "password") {
					answers[i] = pw
				}
			}
			return answers, nil
		}))
	}
	return methods
}

// loadSigners reads the identity files. A missing passphrase or a key file others may read is
// a configuration error.
func loadSigners(cfg *Config) ([]ssh.Signer, error) {
	files := cfg.IdentityFiles
	defaults := false
	if len(files) == 0 && cfg.Password == "" && !cfg.UseAgent {
		defaults = true
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				p := filepath.Join(home, ".ssh", n)
				if _, err := os.Stat(p); err == nil {
					files = append(files, p)
				}
			}
		}
	}
	var signers []ssh.Signer
	for _, f := range files {
		s, err := loadSigner(expandHome(f), cfg.Passphrase)
		if err != nil {
			if defaults {
				cfg.Logf("warning: skipping %s: %v", f, err)
				continue
			}
			return nil, err
		}
		signers = append(signers, s)
	}
	return signers, nil
}

func loadSigner(file string, passphrase []byte) (ssh.Signer, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("%w: identity file: %w", ErrConfig, err)
	}
	if err := config.CheckInfo(file, fi, config.Trust{What: "identity file", Secret: true}); err != nil {
		return nil, setupError(err)
	}
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: identity file: %w", ErrConfig, err)
	}
	s, err := ssh.ParsePrivateKey(pemBytes)
	if err == nil {
		return s, nil
	}
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		return nil, fmt.Errorf("%w: identity file %s: %v", ErrConfig, file, trimSSHPrefix(err))
	}
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("%w: identity file %s is encrypted: give its passphrase (--passphrase-env or --passphrase-file)", ErrConfig, file)
	}
	s, err = ssh.ParsePrivateKeyWithPassphrase(pemBytes, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%w: identity file %s: cannot decrypt it with the passphrase given: %v", ErrConfig, file, trimSSHPrefix(err))
	}
	return s, nil
}

func trimSSHPrefix(err error) error {
	msg := err.Error()
	for _, p := range []string{"ssh: handshake failed: ", "ssh: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return errors.New(msg)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// isHandshakeProtocolError recognises handshake failures that a new connection would meet
// again: no common algorithm, a server that is not SSH.
func isHandshakeProtocolError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "no common algorithm") || strings.Contains(msg, "invalid packet length") ||
		strings.Contains(msg, "overflow reading version string")
}
