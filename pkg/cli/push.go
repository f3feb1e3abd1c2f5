package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/report"
	"github.com/rostersync/rostersync/pkg/source"
	"github.com/rostersync/rostersync/pkg/transport"
)

// PushOptions are the parsed flags and arguments of push.
type PushOptions struct {
	Global      *GlobalOptions
	Format      formatFlags
	Conn        connFlags
	As          string
	AllowShrink bool
	DryRun      bool
	Paths       []string
	// Options are the resolved format options (flags over the profile).
	Options format.Options
	// Profile is the --profile given (nil: none).
	Profile *config.Profile
}

func newPushCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &PushOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "push [--profile P] [--to URL] PATH...",
		Short: "Upload roster files atomically, verified and guarded",
		Long: `Check each PATH (a file, a roster directory, a .zip, or - with --as and --format), compare
it with the last snapshot pushed to the same destination (the shrink guard), then upload it.
Each PATH is read once, into a private copy in the state folder (0600; a PATH that is a
symbolic link is refused, and so are links inside a folder): the check, the snapshot, the
SHA-256 recorded and the upload all read that copy, so a file changed or replaced meanwhile
cannot be sent unchecked. The SSH connection is made while the copy is checked; nothing is
opened on the server before the check and the guard pass. Every file goes to a temporary name
in the destination folder, its size is checked on the server, and only then is it renamed onto
its final name, so the vendor never sees half a file.

The guard refuses an empty or header-only file, fewer rows than min_rows (default 1), or more
users, enrollments or classes removed, changed or added since the last push than the profile's
guard limits (default: 10% removed, 75% changed; see README). A refused run is held with its
copy: 'rostersync hold show RUN' says why, 'rostersync hold approve RUN' sends exactly the held
files, 'rostersync hold discard RUN' drops them; --allow-shrink overrides the guard once. The
first push to a destination checks only emptiness and min_rows. Host keys are always checked
against known_hosts: add a new server's key with 'rostersync known-hosts add HOST:PORT'.

A destination is an sftp://user@host:port/folder/ URL or a local folder, known by its real
path (a link to a folder, or another path to the same server folder, shares its lock and its
history). Each run is recorded in the state folder (counts, SHA-256 and hashed IDs: no copy of
the data, except a held run's); an overlapping run to the same destination exits 5.
` + exitStatusHelp,
		Example: `  rostersync push --to sftp://lincolnsd@sftp.example.org:2222/ --identity-file ~/.ssh/capti roster.csv
  rostersync push --profile capti-nightly --quiet roster.csv
  rostersync push --to ./outbox --dry-run export/
  rostersync push --to sftp://district@sftp.example.org/Upload/ --password-env S4S_PASSWORD students.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			fopts, p, err := opts.Format.resolve(cmd, deps, g)
			if err != nil {
				return err
			}
			opts.Conn.merge(cmd.Flags().Changed, p)
			opts.Options, opts.Profile = fopts, p
			return runPush(cmd.Context(), deps, opts)
		},
	}
	f := cmd.Flags()
	opts.Format.AddFlags(cmd, deps.Formats, format.Reading)
	opts.Conn.AddFlags(f)
	f.StringVar(&opts.As, "as", "", "remote file name for a single PATH (required for - unless the --to URL names the file)")
	f.BoolVar(&opts.AllowShrink, "allow-shrink", false, "publish even if the shrink guard refuses (this run only)")
	f.BoolVar(&opts.DryRun, "dry-run", false, "check and guard, print what would be sent, send nothing")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(deps.Formats.Names()...))
	outputs(cmd, "text", "json") // the run's report: lines on stderr, or JSON on stdout
	return cmd
}

func runPush(ctx context.Context, deps *Deps, opts *PushOptions) error {
	fopts, p := opts.Options, opts.Profile
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	if opts.Conn.To == "" {
		return usageError(errors.New("no destination: give --to URL or a --profile with a destination"))
	}
	if len(opts.Paths) > 1 && opts.As != "" {
		return usageError(errors.New("--as names the file of a single PATH"))
	}
	policy := guard.Default()
	if p != nil {
		policy = p.Guard
	}
	quiet := opts.Global.Quiet
	var inputs []publish.Input
	for _, path := range opts.Paths {
		// stdin, or a named pipe (<(zcat …)): sent under --as (the pipe's own name means
		// nothing to a vendor).
		if source.IsStream(path) && opts.As == "" && !namesFile(opts.Conn.To) {
			return usageError(fmt.Errorf("push %s needs --as NAME (the file name on the server)", path),
				"or give the name in the destination URL: sftp://host/folder/NAME")
		}
		inputs = append(inputs, publish.Input{Path: path, Shown: path, As: opts.As, Stdin: deps.IO.In})
	}
	checkAs := opts.Format.Format
	if checkAs == "" && p != nil && p.To != "" {
		// The profile's target format: push sends files as they are (sync converts to it).
		if err := profileFormat(deps, p, opts.Paths); err != nil {
			return err
		}
		checkAs = p.To // stdin too
	}
	pub, err := publisher(deps, &opts.Conn, p)
	if err != nil {
		return err
	}
	var checked []report.Validation
	req := publish.Request{Target: opts.Conn.To, Inputs: inputs, Policy: policy, AllowShrink: opts.AllowShrink, DryRun: opts.DryRun,
		Check: checker(deps, checkAs, fopts, quiet, true, &checked), Conn: opts.Conn.held(),
		Progress: func(total int64) (func(int64), func()) { return progressFor(deps, quiet, total, "uploading") }}
	if p != nil {
		req.Profile = p.Name
	}
	rep, err := pub.Publish(ctx, req)
	renderReport(deps, rep, quiet, opts.DryRun, opts.AllowShrink, holdFlags(opts.Global, opts.Conn.StateDir))
	if p != nil && p.Report != "" {
		if rerr := writeRunReport(deps, pub.Store, p.Report, "push", p.Name, opts.Conn.To, rep, err, checked); rerr != nil {
			fmt.Fprintln(deps.IO.ErrOut, "rostersync: warning:", rerr)
		}
	}
	if rep != nil && style == "json" {
		if werr := writeJSON(deps, rep); err == nil {
			err = werr
		}
	}
	return err
}

// namesFile reports whether the destination is an sftp:// URL naming the remote file (no
// trailing /), which names what an input is sent as.
func namesFile(to string) bool {
	if !transport.IsURL(to) {
		return false
	}
	u, err := transport.ParseURL(to)
	return err == nil && !u.IsDir()
}

// profileFormat refuses a PATH whose format is not the one the profile's `to:` names: push
// sends files as they are, and a profile that converts (sync) sends files of its target format.
// A PATH that cannot be opened or told is left to the check, which reports it.
func profileFormat(deps *Deps, p *config.Profile, paths []string) error {
	for _, path := range paths {
		if source.IsStream(path) {
			continue // checked as the profile's format
		}
		in, err := source.OpenLocal(path, path)
		if err != nil {
			continue
		}
		f, err := pickFormat(deps, "", in)
		in.Close()
		if err != nil || f.Name() == p.To {
			continue
		}
		return refusal(fmt.Errorf("%s is %s, and the profile %s sends %s files: push sends files as they are; nothing was sent",
			path, format.Title(f), p.Name, p.To),
			fmt.Sprintf("to convert it and send it, run 'rostersync sync %s' (its source: %s), or 'rostersync convert --to %s %s OUT' and push OUT", p.Name, p.Source, p.To, path))
	}
	return nil
}
