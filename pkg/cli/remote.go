package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rostersync/rostersync/pkg/transport"
)

// openRemote downloads an sftp:// input (a file, or every regular file of a folder URL ending
// in /) into a private temporary folder and opens it like a local PATH, under the URL's name.
// The connection settings are the --profile's (known_hosts, identity file, agent, password_env…),
// else the defaults: ~/.ssh/known_hosts and the usual keys. Host keys are always checked.
func openRemote(ctx context.Context, deps *Deps, g *GlobalOptions, raw string) (*input, error) {
	conn := &connFlags{Retries: transport.DefaultRetries}
	_, p, err := deps.profile(g)
	if err != nil {
		return nil, err
	}
	conn.merge(func(string) bool { return false }, p)
	if p == nil && deps.Getenv("SSH_AUTH_SOCK") != "" {
		conn.Agent = true
	}
	cl, u, err := dial(ctx, deps, conn, p, raw)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	dir, err := os.MkdirTemp("", "rostersync-in-*")
	if err != nil {
		return nil, withExit(ExitLocal, err)
	}
	cleanup := func() error { return os.RemoveAll(dir) }
	if err := os.Chmod(dir, 0o700); err != nil {
		cleanup()
		return nil, withExit(ExitLocal, err)
	}
	local := dir
	if u.IsDir() {
		entries, err := cl.List(ctx, u.Dir())
		if err != nil {
			cleanup()
			return nil, remoteError(err)
		}
		if len(entries) == 0 {
			cleanup()
			return nil, withExit(ExitRemote, fmt.Errorf("%s holds no files", u.String()))
		}
		for _, e := range entries {
			if err := cl.Fetch(ctx, u.Dir(), e.Name, filepath.Join(dir, e.Name)); err != nil {
				cleanup()
				return nil, remoteError(err)
			}
		}
	} else {
		local = filepath.Join(dir, u.Name())
		if err := cl.Fetch(ctx, u.Dir(), u.Name(), local); err != nil {
			cleanup()
			return nil, remoteError(err)
		}
	}
	in, err := openInput(ctx, local, deps.IO.In)
	if err != nil {
		cleanup()
		return nil, err
	}
	inner := in.close
	in.close = func() error {
		if inner != nil {
			inner() //nolint:errcheck // the folder goes next
		}
		return cleanup()
	}
	in.Path = raw
	return in, nil
}
