package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// preferredHostKeyAlgorithms is the order in which host key types are asked for when
// known_hosts holds none for a host (an unknown host, `known-hosts add`): the fingerprint
// shown in an "unknown host" error is then the one `known-hosts add` records.
var preferredHostKeyAlgorithms = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
}

// unknownHostKeyAlgorithms are asked for when known_hosts knows nothing of a host: the
// preferred plain keys first, then host certificates, so that a server with only a certificate
// is shown and refused with its authority named (not a bare "no common algorithm").
var unknownHostKeyAlgorithms = append(slices.Clone(preferredHostKeyAlgorithms),
	ssh.CertAlgoED25519v01,
	ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
)

// hostKeys is a parsed known_hosts file. skeema/knownhosts wraps x/crypto's parser with what
// it lacks: a lookup of the keys and key types known for a host, @cert-authority lines turned
// into certificate algorithms, and OpenSSH's matching of wildcard patterns on any port.
type hostKeys struct {
	file string
	db   *knownhosts.HostKeyDB
}

// loadHostKeys reads known_hosts; a missing file knows no host.
func loadHostKeys(file string) (*hostKeys, error) {
	db, err := knownhosts.NewDB(file)
	if errors.Is(err, fs.ErrNotExist) {
		db, err = knownhosts.NewDB()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: known_hosts: %v", ErrConfig, err)
	}
	return &hostKeys{file: file, db: db}, nil
}

// known returns the host keys known_hosts holds for address (host:port), @cert-authority
// keys left out.
func (h *hostKeys) known(address string) []ssh.PublicKey {
	var keys []ssh.PublicKey
	for _, k := range h.db.HostKeys(address) {
		if !k.Cert {
			keys = append(keys, k.PublicKey)
		}
	}
	return keys
}

// algorithms restricts the host key algorithms to the types known_hosts holds for address
// (certificate types for a @cert-authority line), so a server with several host keys shows the
// one we can check. An RSA key is asked to sign with SHA-2, never SHA-1 (every server of the
// last decade can). For an unknown host it is the preferred order, certificates last.
func (h *hostKeys) algorithms(address string) []string {
	algos := slices.DeleteFunc(h.db.HostKeyAlgorithms(address), func(a string) bool {
		return a == ssh.KeyAlgoRSA || a == ssh.CertAlgoRSAv01
	})
	if len(algos) == 0 {
		return unknownHostKeyAlgorithms
	}
	return algos
}

// callback checks the server's key and records a *HostKeyError in *failed.
func (h *hostKeys) callback(u *URL, failed **HostKeyError) ssh.HostKeyCallback {
	check := h.db.HostKeyCallback()
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		if err == nil {
			return nil
		}
		he := &HostKeyError{
			Host:        u.HostPort(),
			Addr:        u.Address(),
			KeyType:     key.Type(),
			Fingerprint: ssh.FingerprintSHA256(key),
			KnownHosts:  h.file,
		}
		var ke *xknownhosts.KeyError
		var re *xknownhosts.RevokedError
		cert, isCert := key.(*ssh.Certificate)
		switch {
		case errors.As(err, &ke):
			he.Known = len(ke.Want) > 0
		case errors.As(err, &re):
			he.Known, he.Revoked = true, true
		case isCert:
			// A host certificate that no @cert-authority line vouches for, or one that does
			// not fit (another host, expired, revoked).
			he.Fingerprint = ssh.FingerprintSHA256(cert.Key)
			he.Authority = ssh.FingerprintSHA256(cert.SignatureKey)
			he.Reason = trimSSHPrefix(err).Error()
			if strings.Contains(he.Reason, "no authorities for hostname") {
				he.Reason = "no @cert-authority line names that authority for this host"
			}
			he.Known = len(h.db.HostKeys(hostname)) > 0
		default:
			return err
		}
		*failed = he
		return he
	}
}

// changedKeyError builds the error for a server that offers none of the key types known_hosts
// holds for it: it fetches the key the server does have, to show its fingerprint.
func (h *hostKeys) changedKeyError(ctx context.Context, u *URL, timeout time.Duration, cause error) error {
	he := &HostKeyError{Host: u.HostPort(), Addr: u.Address(), Known: true, KnownHosts: h.file}
	key, err := FetchHostKey(ctx, u.Address(), timeout)
	if err != nil {
		return &Error{Op: "connect", Addr: u.Address(), Err: &permanentError{err: cause}}
	}
	he.KeyType, he.Fingerprint = key.Type(), ssh.FingerprintSHA256(key)
	return he
}

// errGotKey stops a handshake once the host key is known.
var errGotKey = errors.New("host key received")

// FetchHostKey connects to hostport ("host" or "host:port", port 22 by default), runs the key
// exchange to learn the server's host key (ed25519 preferred, then ECDSA, then RSA) and hangs
// up before any login. The key is NOT verified: show its Fingerprint to the user, who checks it
// out of band before AppendKnownHost.
func FetchHostKey(ctx context.Context, hostport string, timeout time.Duration) (ssh.PublicKey, error) {
	addr := withDefaultPort(hostport)
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	fail := func(err error) error { return &Error{Op: "fetch host key", Addr: addr, Err: err} }
	d := net.Dialer{Timeout: timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fetch host key %s: %w", addr, context.Cause(ctx))
		}
		if isTimeout(err) {
			return nil, fail(fmt.Errorf("%w: no TCP connection within %s", ErrTimeout, timeout))
		}
		return nil, fail(err)
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	var got ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User: "rostersync",
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			got = key
			return errGotKey
		},
		HostKeyAlgorithms: preferredHostKeyAlgorithms,
	}
	_, _, _, err = ssh.NewClientConn(raw, addr, cfg)
	if got != nil {
		return got, nil
	}
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("fetch host key %s: %w", addr, context.Cause(ctx))
	case isTimeout(err):
		return nil, fail(fmt.Errorf("%w: no SSH key exchange within %s", ErrTimeout, timeout))
	case err == nil:
		return nil, fail(errors.New("the server sent no host key"))
	}
	return nil, fail(trimSSHPrefix(err))
}

// Fingerprint is the key's SHA-256 fingerprint as OpenSSH prints it: "SHA256:...".
func Fingerprint(key ssh.PublicKey) string { return ssh.FingerprintSHA256(key) }

// KnownHostKeys returns the host keys the known_hosts file holds for hostport ("host" or
// "host:port"), not the @cert-authority keys that sign host certificates; none when the file
// does not exist.
func KnownHostKeys(file, hostport string) ([]ssh.PublicKey, error) {
	h, err := loadHostKeys(expandHome(file))
	if err != nil {
		return nil, err
	}
	return h.known(withDefaultPort(hostport)), nil
}

// AppendKnownHost records key for hostport ("host" or "host:port") in the known_hosts file,
// in OpenSSH's form: "host" for port 22, "[host]:port" otherwise. The folder is created 0700
// and the file 0600 when missing. A key already recorded for that host is not written twice.
func AppendKnownHost(file, hostport string, key ssh.PublicKey) error {
	file = expandHome(file)
	addr := withDefaultPort(hostport)
	known, err := KnownHostKeys(file, addr)
	if err != nil {
		return err
	}
	for _, k := range known {
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			return nil
		}
	}
	dir := filepath.Dir(file)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("known_hosts: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("known_hosts: %w", err)
		}
	}
	line := knownhosts.Line([]string{addr}, key) + "\n"
	old, err := os.ReadFile(file)
	created := errors.Is(err, fs.ErrNotExist)
	switch {
	case created:
	case err != nil:
		return fmt.Errorf("known_hosts: %w", err)
	case len(old) > 0 && old[len(old)-1] != '\n':
		line = "\n" + line
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	if created {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return fmt.Errorf("known_hosts: %w", err)
		}
	}
	w := bufio.NewWriter(f)
	_, err = w.WriteString(line)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	return nil
}

// withDefaultPort adds ":22" to an address without a port.
func withDefaultPort(hostport string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	h := hostport
	if len(h) > 1 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	return net.JoinHostPort(h, strconv.Itoa(DefaultPort))
}
