package transport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/pkg/sftp"
	"github.com/rostersync/rostersync/pkg/atomicfile"
)

// File is one file of a set to publish.
type File struct {
	// Name is the final name in the destination folder: a plain name, no folders.
	Name string
	// Path is the local file to send.
	Path string
	// SHA256, when set, is the hex SHA-256 of the bytes the caller checked (validated,
	// snapshotted): a file whose bytes read for sending hash otherwise changed in between and
	// is not published.
	SHA256 string
}

// How the server's copy of a file was checked after the upload (Sent.Verified).
const (
	// VerifiedSHA256: the copy was read back and its SHA-256 is that of the bytes sent.
	VerifiedSHA256 = "sha256"
	// VerifiedSize: the server refused to read the copy back (a write-only drop box); only its
	// size was checked.
	VerifiedSize = "size"
)

// Sent describes one file as published: what history records.
type Sent struct {
	Name     string // the final name
	Bytes    int64  // the size sent (and found on the server)
	SHA256   string // hex SHA-256 of the bytes sent: as read back from the server (File.SHA256, which they matched), or as read from the local file
	Verified string // VerifiedSHA256 or VerifiedSize
}

// CheckPlainName refuses names that are not a single plain file name: a path, "." or "..", or
// a name holding a control character (a line break would break a listing and our output).
func CheckPlainName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%q is not a plain file name (it holds a path separator or NUL)", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%q is not a plain file name (it holds a control character)", name)
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
		if err := CheckPlainName(f.Name); err != nil {
			return nil, fmt.Errorf("%w: destination name: %v", ErrConfig, err)
		}
		if atomicfile.IsTempName(f.Name) {
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
//  1. every file goes to dir/.rostersync-<name>.<random>.part (0600, concurrent writes, fsync
//     when the server offers fsync@openssh.com); its size on the server is checked, and it is
//     read back and its SHA-256 compared with that of the bytes sent (and with File.SHA256);
//  2. only when ALL temporaries are complete, each is renamed onto its final name with
//     posix-rename@openssh.com (a plain SFTP rename fails over an existing file on OpenSSH);
//     a server without it gets remove-then-rename, with a warning.
//
// On failure the temporaries are removed (a dropped connection leaves them for the retry or
// for CleanLeftovers). Transient failures are retried on a fresh connection, starting the set
// over. progress, when not nil, receives the bytes of the set sent so far in this attempt.
// A failure during the renames says which files were already replaced. It returns what was
// sent, file by file.
func (c *Client) Publish(ctx context.Context, dir string, files []File, progress func(int64)) ([]Sent, error) {
	sizes, err := checkSet(files)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		dir = "."
	}
	var leftovers []string
	var sent []Sent
	err = c.run(ctx, "publish", func(s *session) error {
		// Temporaries of an attempt that lost its connection.
		for _, t := range leftovers {
			if err := s.sftp.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
				c.cfg.Logf("warning: could not remove %s: %v", t, err)
			}
		}
		leftovers = nil
		var temps []string
		sent, temps, err = s.publish(ctx, c, dir, files, sizes, progress)
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
	if err != nil {
		return nil, err
	}
	return sent, nil
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

// publish runs one attempt. It returns what was sent and the temporary paths that may still
// exist.
func (s *session) publish(ctx context.Context, c *Client, dir string, files []File, sizes []int64, progress func(int64)) ([]Sent, []string, error) {
	temps := make([]string, len(files))
	out := make([]Sent, len(files))
	var sent int64
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, temps, err
		}
		if fi, err := s.sftp.Lstat(path.Join(dir, f.Name)); err == nil && fi.IsDir() {
			// A file URL naming a folder (…/Upload without its /): nothing is sent.
			return nil, temps, &permanentError{err: fmt.Errorf("%s is a folder on the server, not a file to replace: to send into it, end the URL in /", path.Join(dir, f.Name))}
		}
		name, err := atomicfile.TempName(f.Name)
		if err != nil {
			return nil, temps, &localError{err: err}
		}
		temps[i] = path.Join(dir, name)
		if out[i], err = s.upload(ctx, c, temps[i], f, sizes[i], &sent, progress); err != nil {
			return nil, temps, err
		}
	}
	if !s.posix {
		c.cfg.Logf("warning: %s does not offer posix-rename@openssh.com: each file is replaced by removing the old one, then renaming, and a reader may see no file for an instant", c.addr)
	}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, temps, err
		}
		final := path.Join(dir, f.Name)
		if err := s.replace(c, temps[i], final); err != nil {
			return nil, temps, renameError(files, i, err)
		}
		temps[i] = ""
		// The size by path after the rename; servers that refuse stat-by-path are tolerated.
		if fi, err := s.sftp.Stat(final); err == nil && fi.Size() != sizes[i] {
			return nil, temps, renameError(files, i+1, fmt.Errorf("%s holds %d bytes after the rename, expected %d", final, fi.Size(), sizes[i]))
		}
	}
	return out, nil, nil
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

// upload sends one file to its temporary name, reads it back as it goes and compares its
// SHA-256 with that of the bytes sent, then checks its size on the server.
func (s *session) upload(ctx context.Context, c *Client, tmp string, f File, size int64, sent *int64, progress func(int64)) (Sent, error) {
	out := Sent{Name: f.Name, Bytes: size}
	lf, err := os.Open(f.Path)
	if err != nil {
		return out, &localError{err: err}
	}
	defer lf.Close()
	// Write-only: drop boxes that refuse reading would refuse O_RDWR (pkg/sftp#227).
	rf, err := s.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return out, fmt.Errorf("create %s: %w", tmp, err)
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
	// The second handle, opened before the first byte is sent: when the server lets the file be
	// read back and the caller gave the SHA-256 it checked, the bytes read back are compared
	// with that, and the bytes sent need no hash of their own (one SHA-256 pass less); a drop
	// box that refuses reading gets the bytes sent hashed and compared instead.
	back := &readBack{verified: VerifiedSHA256}
	rd, err := s.sftp.Open(tmp)
	if err == nil {
		defer rd.Close()
		// Servers that deny reading may allow the open: one read of the (empty) file tells.
		if _, err = rd.ReadAt(make([]byte, 1), 0); errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		if !isPermission(err) {
			rf.Close()
			return out, fmt.Errorf("read back %s: %w", tmp, err)
		}
		s.noteNoReadBack(c, tmp)
		back.verified, rd = VerifiedSize, nil
	}
	src := newSourceReader(ctx, lf, sent, progress, rd == nil || f.SHA256 == "")
	n, err := s.sendPipelined(rf, rd, tmp, src, back)
	if err == nil && src.err != nil {
		err = src.err
	}
	if err != nil {
		rf.Close()
		if src.err != nil {
			return out, &localError{err: src.err}
		}
		return out, fmt.Errorf("upload %s: %w", f.Name, err)
	}
	if n != size {
		rf.Close()
		return out, &localError{err: fmt.Errorf("%s changed while it was sent: %d bytes, expected %d", f.Path, n, size)}
	}
	if src.h != nil {
		out.SHA256 = src.sum()
		if f.SHA256 != "" && !strings.EqualFold(out.SHA256, f.SHA256) {
			rf.Close()
			return out, &localError{err: changedError(f.Path, out.SHA256, f.SHA256)}
		}
	} else {
		// Only the read-back was hashed: a difference is the local file changing after the
		// check (not worth a retry) or the server's copy differing (worth one): the local file,
		// hashed again, tells which.
		out.SHA256 = strings.ToLower(f.SHA256)
		if back.err == nil && (back.n != size || back.sum != out.SHA256) {
			if now, _, herr := hashLocal(f.Path); herr == nil && now != out.SHA256 {
				rf.Close()
				return out, &localError{err: changedError(f.Path, now, f.SHA256)}
			}
		}
	}
	if s.fsync {
		if err := rf.Sync(); err != nil && !isUnsupported(err) {
			rf.Close()
			return out, fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	fi, statErr := rf.Stat()
	if err := rf.Close(); err != nil {
		return out, fmt.Errorf("close %s: %w", tmp, err)
	}
	if statErr != nil {
		// Some servers refuse fstat; try the path.
		if fi, statErr = s.sftp.Stat(tmp); statErr != nil {
			return out, fmt.Errorf("check the size of %s: %w", tmp, statErr)
		}
	}
	if fi.Size() != size {
		return out, fmt.Errorf("%s holds %d bytes on the server, expected %d", tmp, fi.Size(), size)
	}
	if out.Verified, err = back.check(tmp, size, out.SHA256); err != nil {
		return out, err
	}
	return out, nil
}

// pipeBlock is how much of a file one write call sends (with concurrent requests); pipeDepth
// blocks are in flight at once, so the connection never drains between blocks, and each block
// is read back once its writes are acknowledged, while later ones are written: the read-back
// overlaps the upload instead of following it. Memory stays at pipeDepth+1 blocks whatever
// the file's size.
const (
	pipeBlock = 4 << 20
	pipeDepth = 3
)

// readBack is the outcome of reading a file back as it was written.
type readBack struct {
	n        int64
	sum      string
	verified string
	err      error
}

func (r *readBack) check(tmp string, size int64, want string) (string, error) {
	if r.err != nil {
		return "", r.err
	}
	if r.verified == VerifiedSize {
		return VerifiedSize, nil
	}
	if r.n != size || r.sum != want {
		return "", fmt.Errorf("%s on the server does not hold the bytes sent: read back %d bytes with SHA-256 %s, sent %d with %s", tmp, r.n, r.sum, size, want)
	}
	return VerifiedSHA256, nil
}

// pipeWrite is one block being written.
type pipeWrite struct {
	off  int64
	buf  []byte
	done chan error
}

// changedError says the local file's bytes are not those checked.
func changedError(path, got, checked string) error {
	return fmt.Errorf("%s changed after it was checked: the SHA-256 of the bytes read to send is %s, not the %s checked; nothing was published", path, got, checked)
}

// hashLocal returns the SHA-256 and size of a local file.
func hashLocal(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// sendPipelined writes src to rf in blocks, pipeDepth of them in flight, while rd (the second
// handle) reads back, and hashes, each block in order once its writes are acknowledged, into
// back. OpenSSH offers no server-side hash (the check-file extension), so the bytes come back
// over the connection. With rd nil (a write-only drop box) only the size is checked. It
// returns the bytes written and the first write or local read error.
func (s *session) sendPipelined(rf, rd *sftp.File, tmp string, src *sourceReader, back *readBack) (int64, error) {
	free := make(chan []byte, pipeDepth)
	for range pipeDepth {
		free <- make([]byte, pipeBlock)
	}
	order := make(chan *pipeWrite, pipeDepth)
	var writeErr error
	failed := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		h := sha256.New()
		var rbuf []byte
		if rd != nil {
			rbuf = make([]byte, pipeBlock)
		}
		for w := range order {
			err := <-w.done
			n := len(w.buf)
			free <- w.buf[:cap(w.buf)]
			if err != nil && writeErr == nil {
				writeErr = err
				close(failed)
			}
			if writeErr != nil || back.err != nil || rd == nil {
				continue
			}
			m, err := rd.ReadAt(rbuf[:n], w.off)
			if err != nil && !(errors.Is(err, io.EOF) && m == n) {
				back.err = fmt.Errorf("read back %s: %w", tmp, err)
				continue
			}
			h.Write(rbuf[:m])
			back.n += int64(m)
		}
		back.sum = hex.EncodeToString(h.Sum(nil))
	}()
	var off int64
	var err error
	for {
		var buf []byte
		select {
		case <-failed:
		default:
			select {
			case buf = <-free:
			case <-failed:
			}
		}
		if buf == nil {
			break // a write failed: the reader records it
		}
		m, rerr := io.ReadFull(src, buf)
		if m > 0 {
			w := &pipeWrite{off: off, buf: buf[:m], done: make(chan error, 1)}
			go func() {
				_, err := rf.WriteAt(w.buf, w.off)
				w.done <- err
			}()
			order <- w
			off += int64(m)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	close(order)
	<-done
	if writeErr != nil {
		err = writeErr
	}
	return off, err
}

func (s *session) noteNoReadBack(c *Client, tmp string) {
	if !s.warnedReadBack {
		c.cfg.Logf("warning: %s does not let %s be read back: only its size was checked", c.addr, tmp)
		s.warnedReadBack = true
	}
}

func isPermission(err error) bool {
	var se *sftp.StatusError
	return errors.Is(err, fs.ErrPermission) || errors.As(err, &se) && se.FxCode() == sftp.ErrSSHFxPermissionDenied
}

// sourceReader reads the local file to send (in order), hashing what it reads when asked to:
// the SHA-256 of the bytes sent. Local read errors are kept apart from remote ones; a canceled
// context stops it at the next read.
type sourceReader struct {
	ctx      context.Context
	f        *os.File
	sent     *int64
	progress func(int64)
	h        hash.Hash
	err      error
}

func newSourceReader(ctx context.Context, f *os.File, sent *int64, progress func(int64), hashed bool) *sourceReader {
	r := &sourceReader{ctx: ctx, f: f, sent: sent, progress: progress}
	if hashed {
		r.h = sha256.New()
	}
	return r
}

func (r *sourceReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return 0, err
	}
	n, err := r.f.Read(p)
	if n > 0 {
		if r.h != nil {
			r.h.Write(p[:n])
		}
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

// sum is the hex SHA-256 of the bytes read.
func (r *sourceReader) sum() string { return hex.EncodeToString(r.h.Sum(nil)) }

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
			if !atomicfile.IsTempName(e.Name()) || e.IsDir() {
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
// name in dir (0600, synced, read back and its SHA-256 compared with the bytes read), and only
// when all are complete is each renamed onto its final name. dir is created 0700 when missing.
// A killed run's temporaries are removed first; on failure or interruption this run's are.
func LocalPublish(ctx context.Context, dir string, files []File, progress func(int64)) ([]Sent, error) {
	sizes, err := checkSet(files)
	if err != nil {
		return nil, unwrapLocal(err)
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, err
		}
	}
	// A killed run (SIGKILL, a power cut) left its temporaries: remove them, and only them.
	if _, err := atomicfile.CleanLeftovers(dir); err != nil {
		return nil, err
	}
	temps := make([]*atomicfile.File, 0, len(files))
	defer func() {
		for _, t := range temps {
			t.Abort()
		}
	}()
	var sent int64
	out := make([]Sent, len(files))
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tmp, err := atomicfile.Create(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, err
		}
		temps = append(temps, tmp)
		if out[i], err = copyLocal(ctx, tmp, f, sizes[i], &sent, progress); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range files {
		if err := temps[i].Commit(); err != nil {
			return nil, renameError(files, i, err)
		}
	}
	return out, nil
}

func unwrapLocal(err error) error {
	var le *localError
	if errors.As(err, &le) {
		return le.err
	}
	return err
}

func copyLocal(ctx context.Context, out *atomicfile.File, f File, size int64, sent *int64, progress func(int64)) (Sent, error) {
	res := Sent{Name: f.Name, Bytes: size}
	in, err := os.Open(f.Path)
	if err != nil {
		return res, err
	}
	defer in.Close()
	tmp := out.TempPath()
	r := newSourceReader(ctx, in, sent, progress, true)
	n, err := io.Copy(out, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s changed while it was copied: %d bytes, expected %d", f.Path, n, size)
	}
	res.SHA256 = r.sum()
	if err == nil && f.SHA256 != "" && !strings.EqualFold(res.SHA256, f.SHA256) {
		err = changedError(f.Path, res.SHA256, f.SHA256)
	}
	if err == nil {
		err = out.Chmod(0o600)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	// Read back what was written, as for a server.
	back, err := os.Open(tmp)
	if err != nil {
		return res, err
	}
	defer back.Close()
	h := sha256.New()
	m, err := io.Copy(h, back)
	if err != nil {
		return res, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); m != size || got != res.SHA256 {
		return res, fmt.Errorf("%s does not hold the bytes copied: read back %d bytes with SHA-256 %s, copied %d with %s", tmp, m, got, size, res.SHA256)
	}
	res.Verified = VerifiedSHA256
	return res, nil
}
