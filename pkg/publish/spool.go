package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/source"
)

// Input is one PATH to publish.
type Input struct {
	// Path is the local file or folder; "-" reads Stdin.
	Path string
	// Shown is how messages name it (the PATH as given); Path when empty.
	Shown string
	// As is the remote name of a single file ("" keeps its own name).
	As string
	// Stdin is read for Path "-".
	Stdin io.Reader
}

func (in Input) shown() string {
	if in.Shown != "" {
		return in.Shown
	}
	return in.Path
}

// Copy is an input's private copy, made once from the input: what the Checker reads and what
// is sent. Path is a file (under the input's base name) or a folder.
type Copy struct {
	Input Input
	Path  string
	// Notes name what a folder held that was not copied (links, pipes, sockets, devices).
	Notes []string

	sums map[string]fileSum // by path inside the copy
}

type fileSum struct {
	sha256 string
	size   int64
}

// guardName guesses the name the guard will find this input's earlier pushes under (the
// guardName of the set the Checker returns): the name it is sent as, or a folder's
// manifest.csv, else its first file. "" when there is no guess.
func (c *Copy) guardName() string {
	if c.Input.As != "" {
		return c.Input.As
	}
	st, err := os.Stat(c.Path)
	switch {
	case err != nil:
		return ""
	case st.Mode().IsRegular():
		return filepath.Base(c.Path)
	}
	var names []string
	for p := range c.sums {
		names = append(names, filepath.Base(p))
	}
	if len(names) == 0 {
		return ""
	}
	if slices.Contains(names, "manifest.csv") {
		return "manifest.csv"
	}
	return slices.Min(names)
}

// stream reports whether a PATH is read once: a named pipe or socket (following a link:
// <(zcat …) is /dev/fd/63, a link to a pipe). A device is no file to send (/dev/zero never
// ends): it is refused as not a regular file.
func stream(path string) bool {
	const streamBits = fs.ModeNamedPipe | fs.ModeSocket
	st, err := os.Stat(path)
	return err == nil && st.Mode()&streamBits != 0
}

// makeCopy copies an input into dir (a private folder): each file is opened once, without
// following a symbolic link as its last component, and hashed as it is copied.
func makeCopy(ctx context.Context, dir string, in Input) (*Copy, error) {
	c := &Copy{Input: in, sums: map[string]fileSum{}}
	shown := in.shown()
	switch {
	case in.Path == "-":
		c.Path = filepath.Join(dir, "-")
		return c, c.spoolStream(ctx, "stdin", func() (io.ReadCloser, error) { return io.NopCloser(in.Stdin), nil })
	case stream(in.Path):
		c.Path = filepath.Join(dir, safeBase(in.Path))
		return c, c.spoolStream(ctx, shown, func() (io.ReadCloser, error) { return os.Open(in.Path) })
	}
	lst, err := os.Lstat(in.Path)
	if err != nil {
		return nil, failf(KindLocal, "open %s: %w", shown, unwrapPath(err))
	}
	if lst.Mode()&fs.ModeSymlink != 0 {
		return nil, linkRefused(in.Path, shown)
	}
	f, err := openNoFollow(in.Path)
	if err != nil {
		return nil, failf(KindLocal, "open %s: %w", shown, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, failf(KindLocal, "open %s: %w", shown, unwrapPath(err))
	}
	c.Path = filepath.Join(dir, safeBase(in.Path))
	switch {
	case st.IsDir():
		if err := c.copyFolder(ctx, f, c.Path, shown, true); err != nil {
			return nil, err
		}
	case st.Mode().IsRegular():
		if err := c.copyFile(ctx, f, c.Path, shown); err != nil {
			return nil, err
		}
	default:
		return nil, failf(KindLocal, "%s is not a regular file or a folder", shown)
	}
	return c, nil
}

func safeBase(p string) string {
	b := filepath.Base(p)
	if b == "." || b == ".." || b == string(filepath.Separator) || b == "" {
		return "input"
	}
	return b
}

// copyFile copies the opened file src to dst (0600), hashing what it copies.
func (c *Copy) copyFile(ctx context.Context, src *os.File, dst, shown string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail(KindLocal, fmt.Errorf("copy %s into the state folder: %w", shown, unwrapPath(err)))
	}
	// File to file: the kernel copies (copy_file_range), and the copy is hashed afterwards,
	// while it is checked (Copy.hash).
	n, err := io.Copy(out, src)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fail(KindLocal, fmt.Errorf("read %s: %w", shown, unwrapPath(err)))
	}
	c.sums[dst] = fileSum{size: n}
	return nil
}

// hash computes the SHA-256 of every file of the copy not hashed yet, on its own goroutine: the
// returned function waits for it.
func (c *Copy) hash(ctx context.Context) func() error {
	done := make(chan error, 1)
	todo := map[string]fileSum{}
	for p, s := range c.sums {
		if s.sha256 == "" {
			todo[p] = s
		}
	}
	go func() {
		for p, s := range todo {
			sum, n, err := hashFile(ctx, p)
			if err == nil && n != s.size {
				err = fmt.Errorf("the copy of %s changed size", filepath.Base(p))
			}
			if err != nil {
				done <- err
				return
			}
			todo[p] = fileSum{sha256: sum, size: n}
		}
		done <- nil
	}()
	return func() error {
		err := <-done
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fail(KindLocal, err)
		}
		for p, s := range todo {
			c.sums[p] = s
		}
		return nil
	}
}

func hashFile(ctx context.Context, path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	// 1 MB reads: a 200 MB roster in 200 reads, not 6,000 of io.Copy's 32 KB.
	n, err := io.CopyBuffer(h, ctxReader{ctx: ctx, r: f}, make([]byte, 1<<20))
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// copyFolder copies the regular files at the top of the opened folder src into dst; when the
// folder holds nothing but one folder (a package zipped with its folder, then unzipped), that
// folder's files too, so the format reads what it would have read in place.
func (c *Copy) copyFolder(ctx context.Context, src *os.File, dst, shown string, top bool) error {
	if err := os.Mkdir(dst, 0o700); err != nil {
		return fail(KindLocal, fmt.Errorf("copy %s into the state folder: %w", shown, unwrapPath(err)))
	}
	entries, err := src.ReadDir(-1)
	if err != nil {
		return failf(KindLocal, "read %s: %w", shown, unwrapPath(err))
	}
	var folders []string
	plain := false
	for _, e := range entries {
		n := e.Name()
		where := filepath.Join(shown, n)
		switch t := e.Type(); {
		case t.IsDir():
			if !strings.HasPrefix(n, ".") && n != "__MACOSX" {
				folders = append(folders, n)
			}
		case t&fs.ModeSymlink != 0:
			c.Notes = append(c.Notes, where+" is a symbolic link: it is not read or sent")
			plain = true
		case t.IsRegular() || t&fs.ModeIrregular != 0:
			if !strings.HasPrefix(n, ".") {
				plain = true
			}
			f, err := openAtNoFollow(src, n)
			if err != nil {
				return failf(KindLocal, "open %s: %w", where, unwrapPath(err))
			}
			st, err := f.Stat()
			if err == nil && !st.Mode().IsRegular() {
				err = errors.New("it is no longer a regular file")
			}
			if err == nil {
				err = c.copyFile(ctx, f, filepath.Join(dst, n), where)
			}
			f.Close()
			if err != nil {
				return err
			}
		default: // pipes, sockets, devices: opening one could wait forever
			plain = true
		}
	}
	if top && !plain && len(folders) == 1 {
		sub, err := openAtNoFollow(src, folders[0])
		if err != nil {
			return failf(KindLocal, "open %s: %w", filepath.Join(shown, folders[0]), unwrapPath(err))
		}
		defer sub.Close()
		return c.copyFolder(ctx, sub, filepath.Join(dst, folders[0]), filepath.Join(shown, folders[0]), false)
	}
	return nil
}

// RefuseLink refuses a PATH that is itself a symbolic link (exit 3, naming its target), as
// what is sent is never read through one: nil for anything else, or a PATH that cannot be
// read (its error comes when it is opened). sync applies it to a source it converts first.
func RefuseLink(path, shown string) error {
	if lst, err := os.Lstat(path); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		return linkRefused(path, shown)
	}
	return nil
}

func linkRefused(path, shown string) error {
	target, _ := filepath.EvalSymlinks(path)
	hint := "give the file or folder itself"
	if target != "" {
		hint = "give the file or folder it points to: " + target
	}
	return fail(KindLocal, fmt.Errorf("%s is a symbolic link: rostersync does not follow a link to what it sends", shown), hint)
}

// spoolStream copies what open gives (stdin, a named pipe) into c.Path. Opening and reading
// happen on another goroutine, so an interrupt stops the wait for a writer or for more input.
func (c *Copy) spoolStream(ctx context.Context, what string, open func() (io.ReadCloser, error)) error {
	out, err := os.OpenFile(c.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail(KindLocal, fmt.Errorf("copy %s into the state folder: %w", what, unwrapPath(err)))
	}
	h := sha256.New()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := open()
		var n int64
		if err == nil {
			n, err = io.Copy(io.MultiWriter(out, h), source.StreamReader(r)) // bounded: an endless stream is refused
			r.Close()
		}
		done <- result{n, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		out.Close()
		return ctx.Err() // the copy blocks until the process ends
	}
	if cerr := out.Close(); res.err == nil {
		res.err = cerr
	}
	if res.err != nil {
		return fail(KindLocal, fmt.Errorf("read %s: %w", what, unwrapPath(res.err)))
	}
	c.sums[c.Path] = fileSum{sha256: hex.EncodeToString(h.Sum(nil)), size: res.n}
	return nil
}

// ctxReader stops a long copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
