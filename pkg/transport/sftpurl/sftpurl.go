// Package sftpurl is the one parser of sftp:// URL syntax: sftp://[user@]host[:port][/path],
// with the password test that config files and the command line share. It has no
// dependencies, so configuration loading and the transport both use it.
package sftpurl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/user"
	"path"
	"strconv"
	"strings"
)

// DefaultPort is the SSH port used when a URL names none.
const DefaultPort = 22

// URL is a parsed sftp:// location. It never holds a secret.
type URL struct {
	// User is the login name (the local user name when the URL names none).
	User string
	// Host is the host name or IP address, without brackets.
	Host string
	// Port is the TCP port (22 when the URL names none).
	Port int
	// Path is the decoded remote path: absolute ("/Upload/") or relative to the login folder
	// ("Upload/", from sftp://host/~/Upload/). "." is the login folder itself.
	Path string
}

// Is reports whether s is an sftp:// URL (the scheme in any case). Anything else is a local
// path.
func Is(s string) bool {
	return len(s) >= len("sftp://") && strings.EqualFold(s[:len("sftp://")], "sftp://")
}

// Parse parses an sftp:// URL: sftp://[user@]host[:port][/path]. A trailing "/" means a
// folder. Paths follow curl: sftp://h/Upload/ is the absolute /Upload/, sftp://h/~/Upload/ is
// relative to the login folder. Percent-encoding is decoded. A password in the URL is refused;
// the error never repeats it.
func Parse(s string) (*URL, error) {
	if !Is(s) {
		return nil, errors.New("not an sftp:// URL")
	}
	// A password is refused before anything else, so no message repeats any of it; this also
	// catches sftp://user:pa/ss@host, which parses as host "user", port "pa", path "/ss@host".
	if HasPassword(s) {
		return nil, errors.New("sftp URL: a password in the URL is refused; use --password-env or --password-file (write an @ in a path as %40)")
	}
	rest := s[len("sftp://"):]
	if strings.ContainsAny(rest, "?#") {
		return nil, errors.New("sftp URL: '?' and '#' must be percent-encoded (%3F, %23)")
	}
	authority, rawPath := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, rawPath = rest[:i], rest[i:]
	}
	u := &URL{Port: DefaultPort}
	hostPort := authority
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo := authority[:i]
		hostPort = authority[i+1:]
		name, err := url.PathUnescape(userinfo)
		if err != nil || name == "" {
			return nil, errors.New("sftp URL: bad user name")
		}
		u.User = name
	}
	host, port, err := splitHostPort(hostPort)
	if err != nil {
		return nil, fmt.Errorf("sftp URL: %w", err)
	}
	u.Host, u.Port = host, port
	if u.User == "" {
		u.User = localUser()
	}
	p, err := parsePath(rawPath)
	if err != nil {
		return nil, fmt.Errorf("sftp URL: %w", err)
	}
	u.Path = p
	return u, nil
}

// HasPassword reports whether an sftp:// URL carries a password: user:secret@host, and also
// user:sec/ret@host, which a URL parser reads as host "user", port "sec" and a path holding
// "@" (an "@" in a path is written %40). The one test for config files and the command line.
func HasPassword(s string) bool {
	if !Is(s) {
		return false
	}
	rest := s[len("sftp://"):]
	authority, after := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, after = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		return strings.Contains(authority[:i], ":")
	}
	return strings.Contains(authority, ":") && strings.Contains(after, "@")
}

// Redact returns s fit to show: an sftp:// URL reformatted from its parts (which never hold a
// secret), a placeholder for one that does not parse (it may hold a password), and any other
// text (a local path) as it is.
func Redact(s string) string {
	if Is(s) {
		if u, err := Parse(s); err == nil {
			return u.String()
		}
		return "sftp://(an invalid URL, not shown)"
	}
	return s
}

func splitHostPort(hp string) (string, int, error) {
	if hp == "" {
		return "", 0, errors.New("no host")
	}
	host, portStr := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", 0, errors.New("unclosed '[' in host")
		}
		host = hp[1:end]
		switch after := hp[end+1:]; {
		case after == "":
		case strings.HasPrefix(after, ":"):
			portStr = after[1:]
		default:
			return "", 0, errors.New("bad host")
		}
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		if strings.Count(hp, ":") > 1 {
			return "", 0, errors.New("an IPv6 address must be in brackets: [::1]")
		}
		host, portStr = hp[:i], hp[i+1:]
	}
	host, err := url.PathUnescape(host)
	if err != nil || host == "" || strings.ContainsAny(host, "/ @") {
		return "", 0, errors.New("bad host")
	}
	port := DefaultPort
	if portStr != "" {
		n, err := strconv.Atoi(portStr)
		if err != nil || n < 1 || n > 65535 {
			// The text is not repeated: it may be part of a password (user:secret@host).
			return "", 0, errors.New("bad port: want a number from 1 to 65535")
		}
		port = n
	}
	return strings.ToLower(host), port, nil
}

// parsePath turns the raw URL path (with its leading "/", or empty) into the remote path.
func parsePath(raw string) (string, error) {
	if raw == "" || raw == "/" {
		return "/", nil
	}
	relative := false
	switch {
	case raw == "/~":
		return ".", nil
	case strings.HasPrefix(raw, "/~/"):
		relative = true
		raw = raw[len("/~/"):]
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return "", errors.New("bad percent-encoding in path (a % must start %XX)") // the text is not repeated
	}
	if strings.ContainsRune(p, 0) {
		return "", errors.New("NUL in path")
	}
	if relative {
		if p == "" {
			return ".", nil
		}
		if strings.HasPrefix(p, "/") {
			return "", errors.New("path after ~/ must be relative")
		}
	}
	return p, nil
}

// localUser is the name of the user running rostersync, without a Windows domain.
func localUser() string {
	if cu, err := user.Current(); err == nil && cu.Username != "" {
		name := cu.Username
		if i := strings.LastIndexByte(name, '\\'); i >= 0 {
			name = name[i+1:]
		}
		return name
	}
	return "root"
}

// IsDir reports whether the URL names a folder (its path ends with "/", or is the login folder).
func (u *URL) IsDir() bool {
	return u.Path == "." || strings.HasSuffix(u.Path, "/")
}

// Folder is the URL of the folder holding the file a file URL names (a copy of u for a folder
// URL): sftp://h/Upload/roster.csv → sftp://h/Upload/.
func (u *URL) Folder() *URL {
	c := *u
	if !u.IsDir() {
		switch d := path.Dir(u.Path); d {
		case "/", ".":
			c.Path = d
		default:
			c.Path = d + "/"
		}
	}
	return &c
}

// Dir is the remote folder: the path itself for a folder URL, else the folder holding the file.
func (u *URL) Dir() string {
	if u.IsDir() {
		if u.Path == "/" || u.Path == "." {
			return u.Path
		}
		return strings.TrimSuffix(u.Path, "/")
	}
	return path.Dir(u.Path)
}

// Name is the remote file name of a file URL, "" for a folder URL.
func (u *URL) Name() string {
	if u.IsDir() {
		return ""
	}
	return path.Base(u.Path)
}

// Address is host:port, as dialled and as looked up in known_hosts.
func (u *URL) Address() string {
	return net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
}

// HostPort is the address in known_hosts form: host for port 22, else [host]:port.
func (u *URL) HostPort() string {
	if u.Port == DefaultPort {
		return u.Host
	}
	return "[" + u.Host + "]:" + strconv.Itoa(u.Port)
}

// String formats the URL: sftp://user@host[:port]/path. It never holds a secret.
func (u *URL) String() string { return u.format(u.Path, false) }

// Key is a stable identifier of the destination (user, host, port and cleaned path, with the
// port always present), for state such as snapshots and locks.
func (u *URL) Key() string {
	p := path.Clean(u.Path)
	if u.IsDir() && p != "/" && p != "." {
		p += "/"
	}
	return u.format(p, true)
}

func (u *URL) format(p string, alwaysPort bool) string {
	var b strings.Builder
	b.WriteString("sftp://")
	if u.User != "" {
		b.WriteString(escapeSegment(u.User))
		b.WriteByte('@')
	}
	if strings.Contains(u.Host, ":") {
		b.WriteString("[" + u.Host + "]")
	} else {
		b.WriteString(u.Host)
	}
	port := u.Port
	if port == 0 {
		port = DefaultPort
	}
	if alwaysPort || port != DefaultPort {
		b.WriteString(":" + strconv.Itoa(port))
	}
	b.WriteString(formatPath(p))
	return b.String()
}

func formatPath(p string) string {
	relative := !strings.HasPrefix(p, "/")
	if p == "." {
		return "/~/"
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	if !relative && len(segs) > 0 && segs[0] == "~" {
		segs[0] = "%7E" // an absolute /~ folder, not the login folder
	}
	out := "/" + strings.Join(segs, "/")
	if relative {
		out = "/~" + out
	}
	return out
}

func escapeSegment(s string) string {
	e := url.PathEscape(s)
	// PathEscape leaves these as they are; escape them so the URL reparses the same.
	e = strings.ReplaceAll(e, "@", "%40")
	e = strings.ReplaceAll(e, ":", "%3A")
	return e
}
