package transport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/sftp"
)

// File is one file of a set to publish.
type File struct {
	// Name is the final name in the destination folder: a plain name, no folders.
	Name string
	// Path is the local file to send.
	Path string
}

// tempPrefix and tempSuffix frame the temporary names: dot-prefixed and not *.csv, so vendor
// pollers skip them, and recognisable, so the next run removes leftovers and only those.
const (
	tempPrefix = ".rostersync-"
	tempSuffix = ".part"
)

// leftoverPattern matches temporary names (path.Match syntax).
const leftoverPattern = tempPrefix + "*" + tempSuffix

// IsTempName reports whether name has the form of a rostersync temporary file,
// ".rostersync-<name>.<random>.part".
func IsTempName(name string) bool {
	ok, _ := path.Match(leftoverPattern, name)
	return ok
}

func tempName(name string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return tempPrefix + name + "." + hex.EncodeToString(b[:]) + tempSuffix, nil
}

// checkPlainName refuses names that are not a single plain file name.
func checkPlainName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%q is not a plain file name (it holds a path separator or NUL)", name)
	case !filepath.IsLocal(name):
		return fmt.Errorf("%q is not a plain file name", name)
	}
	return nil
}

// checkSet validates the names of a set and returns the local sizes.
func checkSet(files []File) ([]int64, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: nothing to publish", ErrConfig)
	}
	seen := map[string]bool{}
	sizes := make([]int64, len(files))
	for i, f := range files {
		if err := checkPlainName(f.Name); err != nil {
			return nil, fmt.Errorf("%w: destination name: %v", ErrConfig, err)
		}
		if IsTempName(f.Name) {
			return nil, fmt.Errorf("%w: destination name %q has the form of a temporary file", ErrConfig, f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: %q is published twice in one set", ErrConfig, f.Name)
		}
		seen[f.Name] = true
		fi, err := os.Stat(f.Path)
		if err != nil {
			return nil, &localError{err: err}
		}
		if !fi.Mode().IsRegular() {
			return nil, &localError{err: &fs.PathError{Op: "publish", Path: f.Path, Err: errors.New("not a regular file")}}
		}
		sizes[i] = fi.Size()
	}
	return sizes, nil
}

// Publish uploads a set of files into the remote folder dir so that a reader there sees, for
// each name, the complete old file or the complete new one, never a prefix:
//
//  1. every file goes to dir/.rostersync-<name>.<random>.part (concurrent writes, fsync when
//     the server offers fsync@openssh.com) and its size on the server is checked;
//  2. only when ALL temporaries are complete, each is renamed onto its final name with
//     posix-rename@openssh.com (a plain SFTP rename fails over an existing file on OpenSSH);
//     a server without it gets remove-then-rename, with a warning.
//
// On failure the temporaries are removed (a dropped connection leaves them for the retry or
// for CleanLeftovers). Transient failures are retried on a fresh connection, starting the set
// over. progress, when not nil, receives the bytes of the set sent so far in this attempt.
// A failure during the renames says which files were already replaced.
func (c *Client) Publish(ctx context.Context, dir string, files []File, progress func(int64)) error {
	sizes, err := checkSet(files)
	if err != nil {
		return err
	}
	if dir == "" {
		dir = "."
	}
	var leftovers []string
	err = c.run(ctx, "publish", func(s *session) error {
		// Temporaries of an attempt that lost its connection.
		for _, t := range leftovers {
			if err := s.sftp.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
				c.cfg.Logf("warning: could not remove %s: %v", t, err)
			}
		}
		leftovers = nil
		temps, err := s.publish(ctx, c, dir, files, sizes, progress)
		if err != nil {
			for _, t := range temps {
				if t == "" {
					continue
				}
				if rerr := s.sftp.Remove(t); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
					leftovers = append(leftovers, t)
				}
			}
		}
		return err
	})
	if err != nil && ctx.Err() != nil && len(leftovers) > 0 {
		// Interrupted (Ctrl-C, SIGTERM, SIGHUP): the session was closed to stop the transfer,
		// so the temporaries go over a fresh one, within a short bound of their own.
		c.removeAfterCancel(ctx, leftovers)
	}
	return err
}

// cleanupTimeout bounds the removal of an interrupted run's temporaries.
const cleanupTimeout = 10 * time.Second

// removeAfterCancel removes the temporaries of an interrupted publish on a fresh session whose
// context ignores the interruption but has its own deadline. Failures are logged: the next run
// removes what is left.
func (c *Client) removeAfterCancel(ctx context.Context, temps []string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(cleanupTimeout, c.cfg.DialTimeout+c.cfg.IOTimeout))
	defer cancel()
	s, err := c.session(cctx)
	if err != nil {
		c.cfg.Logf("warning: could not remove %s after the interruption: %v (the next run removes it)", strings.Join(temps, ", "), err)
		return
	}
	stop := context.AfterFunc(cctx, s.close)
	defer stop()
	for _, t := range temps {
		if err := s.sftp.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.cfg.Logf("warning: could not remove %s after the interruption: %v (the next run removes it)", t, err)
		}
	}
}

// publish runs one attempt. It returns the temporary paths that may still exist.
func (s *session) publish(ctx context.Context, c *Client, dir string, files []File, sizes []int64, progress func(int64)) ([]string, error) {
	temps := make([]string, len(files))
	var sent int64
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return temps, err
		}
		name, err := tempName(f.Name)
		if err != nil {
			return temps, &localError{err: err}
		}
		temps[i] = path.Join(dir, name)
		if err := s.upload(ctx, c, temps[i], f, sizes[i], &sent, progress); err != nil {
			return temps, err
		}
	}
	if !s.posix {
		c.cfg.Logf("warning: %s does not offer posix-rename@openssh.com: each file is replaced by removing the old one, then renaming, and a reader may see no file for an instant", c.addr)
	}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return temps, err
		}
		final := path.Join(dir, f.Name)
		if err := s.replace(c, temps[i], final); err != nil {
			return temps, renameError(files, i, err)
		}
		temps[i] = ""
		// The size by path after the rename; servers that refuse stat-by-path are tolerated.
		if fi, err := s.sftp.Stat(final); err == nil && fi.Size() != sizes[i] {
			return temps, renameError(files, i+1, fmt.Errorf("%s holds %d bytes after the rename, expected %d", final, fi.Size(), sizes[i]))
		}
	}
	return nil, nil
}

func renameError(files []File, done int, err error) error {
	if done == 0 {
		return fmt.Errorf("rename: %w", err)
	}
	names := make([]string, done)
	for i := range done {
		names[i] = files[i].Name
	}
	return fmt.Errorf("%d of %d files were replaced (%s) when: %w", done, len(files), strings.Join(names, ", "), err)
}

// replace moves tmp onto final.
func (s *session) replace(c *Client, tmp, final string) error {
	if s.posix {
		err := s.sftp.PosixRename(tmp, final)
		if !isUnsupported(err) {
			return err
		}
		s.posix = false
		c.cfg.Logf("warning: %s refused posix-rename@openssh.com: replacing files by remove-then-rename", c.addr)
	}
	if err := s.sftp.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the old %s: %w", final, err)
	}
	return s.sftp.Rename(tmp, final)
}

func isUnsupported(err error) bool {
	var se *sftp.StatusError
	return errors.As(err, &se) && se.FxCode() == sftp.ErrSSHFxOpUnsupported
}

// upload sends one file to its temporary name and checks its size on the server.
func (s *session) upload(ctx context.Context, c *Client, tmp string, f File, size int64, sent *int64, progress func(int64)) error {
	lf, err := os.Open(f.Path)
	if err != nil {
		return &localError{err: err}
	}
	defer lf.Close()
	// Write-only: drop boxes that refuse reading would refuse O_RDWR (pkg/sftp#227).
	rf, err := s.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	// 0600 before the first byte, as OpenSSH's sftp put sends the local mode: the server's
	// umask (0644 by default) would leave the roster readable by every account there, and the
	// rename keeps the mode. pkg/sftp's open sends no attributes, hence the fsetstat.
	if err := rf.Chmod(0o600); err != nil {
		if perr := s.sftp.Chmod(tmp, 0o600); perr != nil {
			if !s.warnedMode {
				c.cfg.Logf("warning: %s refused to make %s private (0600): %v; the server's default mode applies", c.addr, tmp, err)
				s.warnedMode = true
			}
		}
	}
	src := &sourceReader{ctx: ctx, f: lf, size: size, sent: sent, progress: progress}
	n, err := rf.ReadFrom(src)
	if err == nil && src.err != nil {
		err = src.err
	}
	if err != nil {
		rf.Close()
		if src.err != nil {
			return &localError{err: src.err}
		}
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	if n != size {
		rf.Close()
		return &localError{err: fmt.Errorf("%s changed while it was sent: %d bytes, expected %d", f.Path, n, size)}
	}
	if s.fsync {
		if err := rf.Sync(); err != nil && !isUnsupported(err) {
			rf.Close()
			return fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	fi, statErr := rf.Stat()
	if err := rf.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if statErr != nil {
		// Some servers refuse fstat; try the path.
		if fi, statErr = s.sftp.Stat(tmp); statErr != nil {
			return fmt.Errorf("check the size of %s: %w", tmp, statErr)
		}
	}
	if fi.Size() != size {
		return fmt.Errorf("%s holds %d bytes on the server, expected %d", tmp, fi.Size(), size)
	}
	return nil
}

// sourceReader reads the local file for pkg/sftp's ReadFrom. Size lets ReadFrom use
// concurrent writes; local read errors are kept apart from remote ones.
type sourceReader struct {
	ctx      context.Context // an interruption stops the copy at the next read
	f        *os.File
	size     int64
	sent     *int64
	progress func(int64)
	err      error
}

func (r *sourceReader) Size() int64 { return r.size }

func (r *sourceReader) Read(p []byte) (int, error) {
	if r.ctx != nil {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n, err := r.f.Read(p)
	if n > 0 {
		*r.sent += int64(n)
		if r.progress != nil {
			r.progress(*r.sent)
		}
	}
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// CleanLeftovers removes the temporary files a failed run left in the remote folder dir (names
// matching .rostersync-*.part, and only those) and returns their names.
func (c *Client) CleanLeftovers(ctx context.Context, dir string) ([]string, error) {
	if dir == "" {
		dir = "."
	}
	var removed []string
	err := c.run(ctx, "clean", func(s *session) error {
		removed = removed[:0]
		entries, err := s.sftp.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, e := range entries {
			if !IsTempName(e.Name()) || e.IsDir() {
				continue
			}
			p := path.Join(dir, e.Name())
			if err := s.sftp.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", p, err)
			}
			removed = append(removed, e.Name())
		}
		return nil
	})
	return removed, err
}

// LocalPublish is Publish for a local destination folder: every file is copied to a temporary
// name in dir (0600, synced), and only when all are complete is each renamed onto its final
// name. dir is created 0700 when missing. On failure the temporaries are removed.
func LocalPublish(ctx context.Context, dir string, files []File, progress func(int64)) error {
	sizes, err := checkSet(files)
	if err != nil {
		return unwrapLocal(err)
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	// A killed run (SIGKILL, a power cut) left its temporaries: remove them, and only them.
	if _, err := CleanLocalLeftovers(dir); err != nil {
		return err
	}
	temps := make([]string, 0, len(files))
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	var sent int64
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, err := tempName(f.Name)
		if err != nil {
			return err
		}
		tmp := filepath.Join(dir, name)
		temps = append(temps, tmp)
		if err := copyLocal(ctx, tmp, f.Path, sizes[i], &sent, progress); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, f := range files {
		if err := os.Rename(temps[i], filepath.Join(dir, f.Name)); err != nil {
			return renameError(files, i, err)
		}
		temps[i] = ""
	}
	temps = nil
	syncDir(dir)
	return nil
}

func unwrapLocal(err error) error {
	var le *localError
	if errors.As(err, &le) {
		return le.err
	}
	return err
}

// CleanLocalLeftovers removes the temporary files a killed run left in the local folder dir
// (names matching .rostersync-*.part, regular files or links, and only those) and returns
// their names.
func CleanLocalLeftovers(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if !IsTempName(e.Name()) || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove the leftover %s: %w", filepath.Join(dir, e.Name()), err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}

func copyLocal(ctx context.Context, tmp, src string, size int64, sent *int64, progress func(int64)) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	r := &sourceReader{ctx: ctx, f: in, size: size, sent: sent, progress: progress}
	n, err := io.Copy(out, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s changed while it was copied: %d bytes, expected %d", src, n, size)
	}
	if err == nil {
		err = out.Chmod(0o600)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the renames durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
