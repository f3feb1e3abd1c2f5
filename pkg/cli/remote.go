package cli

import (
	"context"

	"github.com/rostersync/rostersync/pkg/source"
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
	return source.OpenURL(ctx, cl, u, raw)
}
