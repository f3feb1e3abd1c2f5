package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/state"
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
}

func newPushCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &PushOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "push [--profile P] [--to URL] PATH...",
		Short: "Upload roster files atomically, verified and guarded",
		Long: `Check each PATH (a file, a roster directory, a .zip, or - with --as and --format), compare
it with the last snapshot pushed to the same destination (the shrink guard), then upload it:
every file goes to a temporary name in the destination folder, its size is checked on the server,
and only then is it renamed onto its final name, so the vendor never sees half a file. Invalid
input is refused before any connection is opened.

The guard refuses an empty or header-only file, fewer rows than min_rows (default 1), or more than
max_removed_percent (default 10) of the users or enrollments removed since the last push;
--allow-shrink overrides it once. The first push to a destination checks only emptiness and
min_rows. Host keys are always checked against known_hosts: add a new server's key with
'rostersync known-hosts add HOST:PORT'.

A destination is an sftp://user@host:port/folder/ URL or a local folder. Each run is recorded in
the state folder (counts, SHA-256 and hashed IDs: no copy of the data); an overlapping run to the
same destination exits 5.
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
			return runPush(cmd.Context(), deps, opts, fopts, p)
		},
	}
	f := cmd.Flags()
	opts.Format.AddFlags(f, deps.Formats.Names())
	opts.Conn.AddFlags(f)
	f.StringVar(&opts.As, "as", "", "remote file name for a single PATH (required for -)")
	f.BoolVar(&opts.AllowShrink, "allow-shrink", false, "publish even if the shrink guard refuses (this run only)")
	f.BoolVar(&opts.DryRun, "dry-run", false, "check and guard, print what would be sent, send nothing")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(deps.Formats.Names()...))
	return cmd
}

// PushResult is push's report (-o json).
type PushResult struct {
	Destination string              `json:"destination"`
	Result      string              `json:"result"` // pushed, refused, dry-run
	Run         string              `json:"run,omitempty"`
	Files       []state.RunFile     `json:"files"`
	Guard       []*state.GuardStats `json:"guard"`
	Warnings    []string            `json:"warnings,omitempty"`
}

func runPush(ctx context.Context, deps *Deps, opts *PushOptions, fopts format.Options, p *config.Profile) error {
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
	policy := guard.Policy{}
	if p != nil {
		policy = guard.Policy{MaxRemovedPercent: p.Guard.MaxRemovedPercent, MinRows: p.Guard.MinRows}
	}
	quiet := opts.Global.Quiet
	// 1. Check every input before anything remote happens.
	var sets []*fileSet
	for _, path := range opts.Paths {
		// stdin, or a named pipe (<(zcat …)): read once into a private file, then checked and
		// sent from there, under --as (the pipe's own name means nothing to a vendor).
		if isStream(path) && opts.As == "" {
			return usageError(fmt.Errorf("push %s needs --as NAME (the file name on the server)", path))
		}
		tmp, err := spoolStream(ctx, path, deps.IO.In)
		if err != nil {
			return err
		}
		src := path
		if tmp != "" {
			defer os.Remove(tmp)
			src = tmp
		}
		set, err := checkFileSet(ctx, deps, src, path, opts.As, opts.Format.Format, fopts, quiet)
		if err != nil {
			return err
		}
		set.Source = path
		sets = append(sets, set)
	}
	res, err := publishSets(ctx, deps, publishRequest{Conn: &opts.Conn, Profile: p, Sets: sets, Policy: policy,
		AllowShrink: opts.AllowShrink, DryRun: opts.DryRun, Quiet: quiet})
	if res != nil && (style == "json") {
		if werr := writeJSON(deps, res); err == nil {
			err = werr
		}
	}
	return err
}

// publishRequest is one guarded, atomic publish of checked file sets to a destination.
type publishRequest struct {
	Conn        *connFlags
	Profile     *config.Profile
	Sets        []*fileSet
	Policy      guard.Policy
	AllowShrink bool
	DryRun      bool
	Quiet       bool
}

// publishSets takes the destination's lock, runs the shrink guard, publishes and records the
// run. It returns the report and errFindings for a refusal.
func publishSets(ctx context.Context, deps *Deps, req publishRequest) (*PushResult, error) {
	conn, p, sets, policy, quiet := req.Conn, req.Profile, req.Sets, req.Policy, req.Quiet
	seen := map[string]bool{}
	for _, s := range sets {
		for _, f := range s.Files {
			if seen[f.Name] {
				return nil, usageError(fmt.Errorf("two inputs would be sent as %s", f.Name))
			}
			seen[f.Name] = true
		}
	}
	store, err := conn.store(deps)
	if err != nil {
		return nil, err
	}
	destKey := conn.To
	if transport.IsURL(destKey) {
		u, err := transport.ParseURL(destKey)
		if err != nil {
			return nil, usageError(err)
		}
		destKey = u.Key()
	} else if abs, err := filepath.Abs(destKey); err == nil {
		destKey = abs
	}
	// 2. The destination's lock, then the guard.
	lock, err := store.Lock(destKey)
	if err != nil {
		if errors.Is(err, state.ErrLocked) {
			return nil, withExit(ExitLocked, err, "another push or sync to this destination is running; try again when it ends")
		}
		return nil, withExit(ExitLocal, err)
	}
	defer lock.Unlock()
	now := time.Now()
	run := &state.Run{ID: state.NewRunID(now), Time: now.UTC(), Destination: destKey, Files: runFiles(sets)}
	if p != nil {
		run.Profile = p.Name
	}
	res := &PushResult{Destination: conn.To, Files: run.Files}
	refused := false
	for _, set := range sets {
		v, last, err := guardSet(store, destKey, set, policy)
		if err != nil {
			return nil, err
		}
		gs := guardStats(v, policy, req.AllowShrink)
		res.Guard = append(res.Guard, gs)
		if run.Guard == nil {
			run.Guard = gs
		}
		if last != nil && len(set.Files) > 0 {
			// A stuck export sends the same bytes again. A package whose orgs or courses did
			// not change overnight is normal: only a set identical in every file is warned about.
			same := 0
			for i, f := range set.Files {
				if slices.ContainsFunc(last.Files, func(lf state.RunFile) bool { return lf.Name == f.Name && lf.SHA256 == set.SHA256[i] }) {
					same++
				}
			}
			if same == len(set.Files) {
				what := set.Files[0].Name + " is identical to the file"
				if len(set.Files) > 1 {
					what = fmt.Sprintf("all %d files of %s are identical to the files", len(set.Files), set.Source)
				}
				w := fmt.Sprintf("%s pushed on %s (stale source?)", what, last.Time.Local().Format("2006-01-02 15:04"))
				res.Warnings = append(res.Warnings, w)
				if !quiet {
					fmt.Fprintln(deps.IO.ErrOut, "rostersync: warning:", w)
				}
			}
		}
		if req.DryRun && v.Allowed && !quiet {
			if v.Compared {
				fmt.Fprintf(deps.IO.ErrOut, "plan: %s against the last push to %s:\n", set.Files[0].Name, conn.To)
				for _, l := range v.Summary() {
					fmt.Fprintln(deps.IO.ErrOut, "  "+l)
				}
			} else {
				fmt.Fprintf(deps.IO.ErrOut, "plan: first push of %s to %s (%d rows)\n", set.Files[0].Name, conn.To, set.Rows)
			}
		}
		if !v.Allowed {
			p := roster.Problem{Severity: roster.Error, Code: roster.CodeGuard, File: set.Source,
				Message: "shrink guard: " + v.Reason}
			if req.AllowShrink {
				p.Severity, p.Message = roster.Warning, p.Message+" (allowed once by --allow-shrink)"
			} else {
				refused = true
			}
			fmt.Fprintln(deps.IO.ErrOut, problemLine(p))
			for _, l := range v.Summary() {
				fmt.Fprintln(deps.IO.ErrOut, "  "+l)
			}
		}
	}
	switch {
	case refused:
		res.Result, run.Result = "refused", "refused"
		run.Message = "shrink guard"
		if !req.DryRun {
			if err := recordRun(store, run, sets); err != nil {
				return nil, withExit(ExitLocal, err)
			}
		}
		fmt.Fprintln(deps.IO.ErrOut, "rostersync: refused by the shrink guard: nothing was sent (check the export; --allow-shrink sends it anyway, once)")
		return res, errFindings
	case req.DryRun:
		res.Result = "dry-run"
		if quiet {
			return res, nil
		}
		for _, f := range run.Files {
			fmt.Fprintf(deps.IO.ErrOut, "would send %s (%d bytes, sha256 %s) to %s\n", f.Name, f.Bytes, f.SHA256[:12], conn.To)
		}
		return res, nil
	}
	// 3. Publish.
	dest, _, err := openDestination(ctx, deps, conn, p)
	if err != nil {
		run.Result, run.Message = "failed", err.Error()
		recordRun(store, run, sets) //nolint:errcheck // the connection error is what matters
		return nil, err
	}
	defer dest.Close()
	var files []transport.File
	var total int64
	for _, s := range sets {
		for j, f := range s.Files {
			f.SHA256 = s.SHA256[j] // what was checked is what is sent, or nothing is
			files = append(files, f)
		}
		for _, n := range s.Sizes {
			total += n
		}
	}
	progress, done := progressFor(deps, quiet, total, "uploading")
	err = dest.Publish(ctx, files, progress)
	done()
	if err != nil {
		run.Result, run.Message = "failed", err.Error()
		recordRun(store, run, sets) //nolint:errcheck
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if transport.IsURL(conn.To) {
			return nil, remoteError(err)
		}
		return nil, withExit(ExitLocal, err)
	}
	run.Result, res.Result, res.Run = "pushed", "pushed", run.ID
	if err := recordRun(store, run, sets); err != nil {
		return nil, withExit(ExitLocal, fmt.Errorf("the files were sent, but the run was not recorded: %w", err))
	}
	if !quiet {
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		fmt.Fprintf(deps.IO.ErrOut, "pushed %s to %s (run %s)\n", strings.Join(names, ", "), conn.To, run.ID)
	}
	return res, nil
}
