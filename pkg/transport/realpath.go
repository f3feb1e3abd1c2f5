package transport

import (
	"context"
	"fmt"
)

// RealPath asks the server for the canonical absolute form of the remote path p (the login
// folder for "." or ""), with its symbolic links resolved where the server resolves them
// (OpenSSH does): two names of one folder give one answer.
func (c *Client) RealPath(ctx context.Context, p string) (string, error) {
	if p == "" {
		p = "."
	}
	var out string
	err := c.run(ctx, "realpath", func(s *session) error {
		r, err := s.sftp.RealPath(p)
		if err != nil {
			return fmt.Errorf("resolve %s: %w", p, err)
		}
		out = r
		return nil
	})
	return out, err
}
