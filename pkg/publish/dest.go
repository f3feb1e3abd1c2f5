package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/transport"
)

// destination is where a run publishes: a local folder or an SFTP folder.
type destination interface {
	// Identity is the destination's state key (LocalIdentity, SFTPIdentity).
	Identity(ctx context.Context) (string, error)
	// Publish sends files atomically: every temporary first, then the renames. A file whose
	// SHA256 is set is sent only if the bytes read to send have that hash.
	Publish(ctx context.Context, files []transport.File, progress func(int64)) ([]transport.Sent, error)
	Close() error
	remote() bool
}

type localDest struct{ dir string }

func (d localDest) Identity(context.Context) (string, error) { return LocalIdentity(d.dir) }
func (d localDest) Publish(ctx context.Context, files []transport.File, progress func(int64)) ([]transport.Sent, error) {
	return transport.LocalPublish(ctx, d.dir, files, progress)
}
func (localDest) Close() error { return nil }
func (localDest) remote() bool { return false }

type sftpDest struct {
	c *transport.Client
	u *transport.URL
}

func (d sftpDest) Identity(ctx context.Context) (string, error) {
	real, err := d.c.RealPath(ctx, d.u.Dir())
	if err != nil {
		return "", d.missing(err)
	}
	return SFTPIdentity(d.u, real), nil
}

func (d sftpDest) Publish(ctx context.Context, files []transport.File, progress func(int64)) ([]transport.Sent, error) {
	if _, err := d.c.CleanLeftovers(ctx, d.u.Dir()); err != nil {
		return nil, d.missing(err)
	}
	return d.c.Publish(ctx, d.u.Dir(), files, progress)
}
func (d sftpDest) Close() error { return d.c.Close() }

// missing says so when err is the destination folder missing on the server (its realpath or
// its listing failed with "does not exist"), with what to do; other errors are returned as
// they are.
func (d sftpDest) missing(err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return errclass.New(errclass.Remote, fmt.Errorf("the destination folder %s does not exist on the server: %w", d.u.Dir(), err),
		"create it on the server (rostersync does not create a destination folder), or correct the URL")
}
func (sftpDest) remote() bool { return true }
