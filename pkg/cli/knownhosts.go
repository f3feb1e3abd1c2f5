package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/transport"
)

func newKnownHostsCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "known-hosts",
		Short: "Manage the SSH host keys rostersync trusts",
		Long: `rostersync always checks an SFTP server's host key against known_hosts and refuses an
unknown or changed key before logging in. Add a new vendor's server once with 'known-hosts add'.
` + exitStatusHelp,
	}
	opts := &KnownHostsAddOptions{}
	add := &cobra.Command{
		Use:   "add HOST[:PORT]",
		Short: "Fetch a server's host key, show its fingerprint and trust it once confirmed",
		Long: `Connect to HOST:PORT (default port 22), fetch its host key without logging in, print the
key's SHA256 fingerprint and, once you confirm it matches the one your vendor gave you (or with
--yes in scripts), append it to known_hosts ([host]:port form for a port other than 22).
` + exitStatusHelp,
		Example: `  rostersync known-hosts add sftp.example.org:2222
  rostersync known-hosts add --yes --known-hosts ./known_hosts sftp.example.org`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Host = args[0]
			return runKnownHostsAdd(cmd.Context(), deps, opts)
		},
	}
	add.Flags().StringVar(&opts.File, "known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
	add.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "trust the key without asking (scripts: check the fingerprint first)")
	add.Flags().DurationVar(&opts.Timeout, "timeout", 15*time.Second, "connection timeout")
	cmd.AddCommand(add)
	return cmd
}

// KnownHostsAddOptions are the parsed flags and argument of known-hosts add.
type KnownHostsAddOptions struct {
	Host    string // HOST[:PORT] or an sftp:// URL, as given
	File    string // known_hosts ("" is ~/.ssh/known_hosts)
	Yes     bool
	Timeout time.Duration
}

// knownHostPort is the host:port of a known-hosts add argument: HOST[:PORT] (port 22 by
// default) or an sftp:// URL. A user (or password) before @ is refused without repeating it.
func knownHostPort(arg string) (string, error) {
	hostport := arg
	if !transport.IsURL(hostport) && strings.Contains(hostport, "@") {
		// user@host, or user:password@host: a host key belongs to the host alone, and
		// the argument is not repeated (it may hold a password).
		return "", usageError(errors.New("known-hosts add takes HOST[:PORT], without a user (or password) and @"),
			"give the server's name and port only, e.g. rostersync known-hosts add sftp.example.org:2222")
	}
	if transport.IsURL(hostport) {
		u, err := transport.ParseURL(hostport)
		if err != nil {
			return "", usageError(err)
		}
		hostport = u.HostPort()
	}
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		hostport = net.JoinHostPort(strings.Trim(hostport, "[]"), "22")
	}
	if _, p, _ := net.SplitHostPort(hostport); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", usageError(fmt.Errorf("bad port in %s", arg))
		}
	}
	return hostport, nil
}

// runKnownHostsAdd fetches the host key of opts.Host, shows its fingerprint and appends it to
// known_hosts once confirmed (or with --yes).
func runKnownHostsAdd(ctx context.Context, deps *Deps, opts *KnownHostsAddOptions) error {
	hostport, err := knownHostPort(opts.Host)
	if err != nil {
		return err
	}
	path := opts.File
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		if h := deps.Getenv("HOME"); h != "" {
			home = h
		}
		path = filepath.Join(home, ".ssh", "known_hosts")
	}
	key, err := transport.FetchHostKey(ctx, hostport, opts.Timeout)
	if err != nil {
		return err
	}
	fp := transport.Fingerprint(key)
	known, err := transport.KnownHostKeys(path, hostport)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, k := range known {
		if transport.Fingerprint(k) == fp {
			fmt.Fprintf(deps.IO.ErrOut, "%s is already trusted in %s (%s %s)\n", hostport, path, key.Type(), fp)
			return nil
		}
	}
	fmt.Fprintf(deps.IO.ErrOut, "%s presents a %s key with fingerprint\n  %s\n", hostport, key.Type(), fp)
	if len(known) > 0 {
		fmt.Fprintf(deps.IO.ErrOut, "WARNING: %s already lists other keys for %s: the server's key may have changed, or someone is in the middle.\n", path, hostport)
	}
	if !opts.Yes {
		if !deps.IO.IsStdinTTY {
			return usageError(errors.New("not confirmed: stdin is not a terminal"), "check the fingerprint with your vendor, then run again with --yes")
		}
		fmt.Fprint(deps.IO.ErrOut, "Does this match the fingerprint your vendor gave you? Trust it? [y/N] ")
		answer, _ := bufio.NewReader(deps.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(deps.IO.ErrOut, "not trusted: nothing was written")
			return errFindings
		}
	}
	if err := transport.AppendKnownHost(path, hostport, key); err != nil {
		return err
	}
	fmt.Fprintf(deps.IO.ErrOut, "added %s (%s %s) to %s\n", hostport, key.Type(), fp, path)
	return nil
}
