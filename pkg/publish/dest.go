package publish

import (
	"context"

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
		return "", err
	}
	return SFTPIdentity(d.u, real), nil
}

func (d sftpDest) Publish(ctx context.Context, files []transport.File, progress func(int64)) ([]transport.Sent, error) {
	if _, err := d.c.CleanLeftovers(ctx, d.u.Dir()); err != nil {
		return nil, err
	}
	return d.c.Publish(ctx, d.u.Dir(), files, progress)
}
func (d sftpDest) Close() error { return d.c.Close() }
func (sftpDest) remote() bool   { return true }
