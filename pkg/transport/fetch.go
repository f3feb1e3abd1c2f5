package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"time"

	"github.com/rostersync/rostersync/pkg/atomicfile"
)

// Entry is a regular file in a remote folder.
type Entry struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// List returns the regular files of the remote folder dir, sorted by name. Names that are not
// plain file names (a hostile server could send "../x" or "a/b"), symlinks, folders and special
// files are left out; the unsafe names are logged.
func (c *Client) List(ctx context.Context, dir string) ([]Entry, error) {
	if dir == "" {
		dir = "."
	}
	var out []Entry
	err := c.run(ctx, "list", func(s *session) error {
		out = out[:0]
		infos, err := s.sftp.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, fi := range infos {
			name := fi.Name()
			if name == "." || name == ".." {
				continue
			}
			if err := CheckPlainName(name); err != nil {
				c.cfg.Logf("warning: %s lists an unsafe name, skipped: %v", dir, err)
				continue
			}
			if !fi.Mode().IsRegular() {
				continue
			}
			out = append(out, Entry{Name: name, Size: fi.Size(), ModTime: fi.ModTime()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Glob returns the entries whose names match pattern (path.Match syntax: *, ?, [a-z]).
func Glob(entries []Entry, pattern string) ([]Entry, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("%w: bad file pattern %q: %v", ErrConfig, pattern, err)
	}
	var out []Entry
	for _, e := range entries {
		if ok, _ := path.Match(pattern, e.Name); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// Newest returns the entry with the latest modification time (the greatest name among equal
// times, so the choice is stable); false when entries is empty.
func Newest(entries []Entry) (Entry, bool) {
	if len(entries) == 0 {
		return Entry{}, false
	}
	best := entries[0]
	for _, e := range entries[1:] {
		if e.ModTime.After(best.ModTime) || (e.ModTime.Equal(best.ModTime) && e.Name > best.Name) {
			best = e
		}
	}
	return best, true
}

// Fetch downloads remoteDir/name to localPath. name must be a plain file name (no "/", no
// "..", not absolute) and the remote file a regular file: symlinks are refused, never
// followed. The download goes to a temporary file next to localPath (0600), its size is
// checked against the server's, and only then is it renamed onto localPath. Transient failures
// are retried on a fresh connection.
func (c *Client) Fetch(ctx context.Context, remoteDir, name, localPath string) error {
	if err := CheckPlainName(name); err != nil {
		return &Error{Op: "pull", Addr: c.addr, Err: &permanentError{err: fmt.Errorf("refusing remote name: %v", err)}}
	}
	if remoteDir == "" {
		remoteDir = "."
	}
	remote := path.Join(remoteDir, name)
	return c.run(ctx, "pull", func(s *session) error {
		fi, err := s.sftp.Lstat(remote)
		if err != nil {
			return fmt.Errorf("stat %s: %w", remote, err)
		}
		if !fi.Mode().IsRegular() {
			return &permanentError{err: fmt.Errorf("refusing %s: not a regular file (%s)", remote, kind(fi.Mode()))}
		}
		rf, err := s.sftp.Open(remote)
		if err != nil {
			return fmt.Errorf("open %s: %w", remote, err)
		}
		defer rf.Close()
		// The handle must still be the regular file we looked at.
		if hfi, err := rf.Stat(); err == nil {
			if !hfi.Mode().IsRegular() {
				return &permanentError{err: fmt.Errorf("refusing %s: not a regular file", remote)}
			}
			fi = hfi
		}
		lf, err := atomicfile.Create(localPath)
		if err != nil {
			return &localError{err: err}
		}
		defer lf.Abort()
		dst := &localWriter{f: lf.File}
		n, err := rf.WriteTo(dst)
		if err != nil {
			if dst.err != nil {
				return &localError{err: dst.err}
			}
			return fmt.Errorf("download %s: %w", remote, err)
		}
		if n != fi.Size() {
			return fmt.Errorf("download %s: got %d bytes, the server says %d", remote, n, fi.Size())
		}
		if err := lf.Chmod(0o600); err != nil {
			return &localError{err: err}
		}
		if err := lf.Commit(); err != nil {
			return &localError{err: err}
		}
		return nil
	})
}

// localWriter keeps local write errors apart from remote ones.
type localWriter struct {
	f   *os.File
	err error
}

func (w *localWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

var _ io.Writer = (*localWriter)(nil)

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a folder"
	default:
		return "a special file"
	}
}

// IsLocal reports whether err is a failure on the local side (a file that cannot be read or
// written), not a remote one: exit 3 rather than 4 for the command line.
func IsLocal(err error) bool {
	var le *localError
	var pe *fs.PathError
	return errors.As(err, &le) || (errors.As(err, &pe) && !errors.Is(err, ErrRemote))
}
