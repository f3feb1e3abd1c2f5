// Package transport moves roster files to and from their destinations: SFTP servers (with
// host-key verification, timeouts, retries and atomic publishing) and local folders.
package transport

import (
	"fmt"

	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/transport/sftpurl"
)

// ErrConfig marks a transfer setting that cannot work (a password in a URL, a malformed URL, a
// missing passphrase). Its class is errclass.Setup (exit 2): a usage or configuration error,
// not a remote one, whatever wraps it.
var ErrConfig = errclass.Sentinel(errclass.Setup, "invalid transfer setting")

// DefaultPort is the SSH port used when a URL names none.
const DefaultPort = sftpurl.DefaultPort

// URL is a parsed sftp:// location (see package sftpurl). It never holds a secret.
type URL = sftpurl.URL

// IsURL reports whether s is an sftp:// URL. Anything else is a local path.
func IsURL(s string) bool { return sftpurl.Is(s) }

// ParseURL parses an sftp:// URL with sftpurl.Parse; its errors are ErrConfig and never repeat
// a password.
func ParseURL(s string) (*URL, error) {
	u, err := sftpurl.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return u, nil
}

// RedactURL returns s fit to show: an sftp:// URL without any secret, a local path as it is.
func RedactURL(s string) string { return sftpurl.Redact(s) }
