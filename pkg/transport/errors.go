package transport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pkg/sftp"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/errclass"
)

// ErrRemote marks every failure of the remote side: connect, host key, authentication, transfer
// (after retries). Its class, and that of Error, HostKeyError and AuthError, is errclass.Remote
// (exit 4).
var ErrRemote = errclass.Sentinel(errclass.Remote, "remote error")

// ErrTimeout marks a connection that saw no data for the idle timeout, or a dial or handshake
// that did not finish in time. Errors carrying it also carry ErrRemote.
var ErrTimeout = errors.New("timed out")

// Error is a remote failure of one operation against one server.
type Error struct {
	Op   string // "connect", "publish", "pull"
	Addr string // host:port
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("sftp %s %s: %v", e.Op, e.Addr, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every *Error match ErrRemote.
func (e *Error) Is(target error) bool { return target == ErrRemote }

// ErrorClass is errclass.Remote.
func (e *Error) ErrorClass() errclass.Class { return errclass.Remote }

// HostKeyError says the server's host key is not in known_hosts (Known false) or differs from the
// key recorded there (Known true: the key changed, which may be an attack). It is never retried.
type HostKeyError struct {
	// Host is the known_hosts form of the address: host, or [host]:port for other ports than 22.
	Host string
	// Addr is host:port, as given to `rostersync known-hosts add`.
	Addr string
	// KeyType and Fingerprint (SHA256:...) describe the key the server presented.
	KeyType     string
	Fingerprint string
	// Known is true when known_hosts holds other keys for Host: the key changed.
	Known bool
	// Revoked is true when known_hosts marks the presented key @revoked.
	Revoked bool
	// Authority is set when the server presented a host certificate that known_hosts does not
	// vouch for: the fingerprint of the authority that signed it (Fingerprint is then the
	// certified key's), and Reason says what was wrong (no @cert-authority line for that
	// authority and host, another host's certificate, expired).
	Authority, Reason string
	// KnownHosts is the file that was consulted.
	KnownHosts string
}

func (e *HostKeyError) Error() string {
	if e.Revoked {
		return fmt.Sprintf("host key for %s is REVOKED: the server presented %s %s, which %s marks @revoked", e.Host, e.KeyType, e.Fingerprint, e.KnownHosts)
	}
	if e.Authority != "" {
		return fmt.Sprintf("host certificate for %s is not trusted: the server presented %s %s signed by %s: %s (%s)",
			e.Host, e.KeyType, e.Fingerprint, e.Authority, e.Reason, e.KnownHosts)
	}
	if e.Known {
		return fmt.Sprintf("host key for %s CHANGED: the server presented %s %s, which is not the key in %s (someone may be intercepting the connection, or the server was reinstalled)",
			e.Host, e.KeyType, e.Fingerprint, e.KnownHosts)
	}
	return fmt.Sprintf("host key for %s is unknown: %s %s is not in %s", e.Host, e.KeyType, e.Fingerprint, e.KnownHosts)
}

// Is makes a HostKeyError match ErrRemote.
func (e *HostKeyError) Is(target error) bool { return target == ErrRemote }

// ErrorClass is errclass.Remote; Hint goes with it.
func (e *HostKeyError) ErrorClass() errclass.Class { return errclass.Remote }

// Hint tells the user how to trust the key.
func (e *HostKeyError) Hint() string {
	if e.Revoked {
		return fmt.Sprintf("the key was revoked on purpose: ask the server's administrator for the new key of %s", e.Addr)
	}
	if e.Authority != "" {
		return fmt.Sprintf("check with the server's administrator which authority signs its host certificates, and trust it with a line \"@cert-authority %s <its public key>\" in %s", e.Host, e.KnownHosts)
	}
	if e.Known {
		return fmt.Sprintf("check the new key with the server's administrator, remove the old line for %s from %s, then run: rostersync known-hosts add %s", e.Host, e.KnownHosts, e.Addr)
	}
	return fmt.Sprintf("check the fingerprint with the server's administrator, then run: rostersync known-hosts add %s", e.Addr)
}

// AuthError says the server refused every login method offered. It is never retried.
type AuthError struct {
	User string
	Err  error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("login as %q refused: %v", e.User, e.Err)
}

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// Is makes an AuthError match ErrRemote.
func (e *AuthError) Is(target error) bool { return target == ErrRemote }

// ErrorClass is errclass.Remote.
func (e *AuthError) ErrorClass() errclass.Class { return errclass.Remote }

// localError marks a failure on our side during a transfer (an upload source that cannot be
// read, a local file that cannot be written): not retried, not remote.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// permanentError marks a remote failure that a new connection would not fix (the server answered
// "no such file", "permission denied", or sent an unacceptable name).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// retryable reports whether a fresh connection might succeed where err failed.
func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if _, ok := errors.AsType[*HostKeyError](err); ok {
		return false
	}
	if _, ok := errors.AsType[*AuthError](err); ok {
		return false
	}
	if _, ok := errors.AsType[*localError](err); ok {
		return false
	}
	if _, ok := errors.AsType[*permanentError](err); ok {
		return false
	}
	if errors.Is(err, ErrConfig) || errors.Is(err, context.Canceled) {
		return false
	}
	// pkg/sftp turns "no such file" and "permission denied" into fs errors: the server's
	// answer, not a lost connection.
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return false
	}
	if se, ok := errors.AsType[*sftp.StatusError](err); ok {
		// The server answered; only a lost connection is worth another try.
		switch se.FxCode() {
		case sftp.ErrSSHFxConnectionLost, sftp.ErrSSHFxNoConnection:
			return true
		}
		return false
	}
	return true
}

// isAuthFailure recognises x/crypto/ssh's "no method worked" handshake error, which has no type.
func isAuthFailure(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}

// insecureFile is a strict-mode refusal of a local file (pkg/config's one checker): it matches
// ErrConfig, and errors.As finds the *config.InsecureError with its chmod or chown hint.
type insecureFile struct{ err error }

func (e *insecureFile) Error() string        { return e.err.Error() }
func (e *insecureFile) Unwrap() error        { return e.err }
func (e *insecureFile) Is(target error) bool { return target == ErrConfig }

// setupError makes a failure to check a local file a configuration error.
func setupError(err error) error {
	if _, ok := errors.AsType[*config.InsecureError](err); ok {
		return &insecureFile{err: err}
	}
	return fmt.Errorf("%w: %w", ErrConfig, err)
}
