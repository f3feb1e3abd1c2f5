package publish

import (
	"errors"
	"io/fs"
	"net"
	"path"
	"path/filepath"
	"strings"

	"github.com/rostersync/rostersync/pkg/transport"
)

// LocalIdentity is the identity of a local destination folder: its absolute path with every
// symbolic link resolved (of the part that exists), so a folder and a link to it share one
// lock and one history.
func LocalIdentity(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rest := ""
	p := abs
	for {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// SFTPIdentity is the identity of an SFTP destination folder: user, canonical host (lower
// case, no trailing dot, an IP address in its shortest form), port, and the folder as the
// server resolved it (real, the answer of RealPath).
func SFTPIdentity(u *transport.URL, real string) string {
	c := *u
	c.Host = CanonicalHost(u.Host)
	if real == "" {
		real = u.Dir()
	}
	real = path.Clean(real)
	if real != "/" {
		real += "/"
	}
	c.Path = real
	return c.Key()
}

// URLKey is the name of an SFTP destination before connecting: its URL's key with the host
// made canonical. State records which identity it resolved to.
func URLKey(u *transport.URL) string {
	c := *u
	c.Host = CanonicalHost(u.Host)
	return c.Key()
}

// CanonicalHost lowers a host name and drops its trailing dot; an IP address is written in
// its shortest form.
func CanonicalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}
