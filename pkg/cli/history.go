package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
)

// diffStyles are the output styles of history --diff: its counts as text or JSON.
var diffStyles = []string{"text", "json"}

// HistoryOptions are the parsed flags and arguments of history.
type HistoryOptions struct {
	Global   *GlobalOptions
	Format   formatFlags
	StateDir string
	Diff     []string // RUN FILE
	Target   string
	// Options are the resolved format options (flags over the profile) FILE of --diff is
	// read with.
	Options format.Options
}

func newHistoryCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &HistoryOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "history [PROFILE or URL] [--diff RUN FILE]",
		Short: "Show what was sent to a destination, run by run",
		Long: `List the runs recorded for a destination (a profile's destination, an sftp:// URL or a local
folder): when, the result, each file's rows, size and SHA-256, and the shrink guard's figures.
Without an argument, every destination with its last run. The state folder keeps counts, hashes
and hashed IDs, never a copy of the students' data, so "what did we send on Tuesday?" is answered
without PII; --diff RUN FILE compares the snapshot of a run (its ID, a unique prefix of it, or
"last" for the last run that pushed) with a file: added, removed and changed entities per kind
(-o text or json).
` + exitStatusHelp,
		Example: `  rostersync history
  rostersync history capti-nightly
  rostersync history sftp://lincolnsd@sftp.example.org:2222/
  rostersync history capti-nightly --diff 20261120T020000Z-1a2b roster.csv`,
		Args: cobra.MaximumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Target = args[0]
			}
			if d, _ := cmd.Flags().GetBool("diff"); d {
				if len(args) != 3 {
					return usageError(errors.New("--diff takes RUN FILE after the destination: history DEST --diff RUN FILE"))
				}
				opts.Diff = args[1:]
			} else if len(args) > 1 {
				return usageError(errors.New("history takes one PROFILE or URL"))
			}
			if opts.Diff != nil {
				if err := g.checkStyle("history --diff", diffStyles); err != nil {
					return err
				}
				fopts, _, err := opts.Format.resolve(cmd, deps, g)
				if err != nil {
					return err
				}
				opts.Options = fopts
			}
			return runHistory(cmd.Context(), deps, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.StateDir, "state-dir", "", "state folder (default $XDG_STATE_HOME/rostersync)")
	f.Bool("diff", false, "compare a run's snapshot with a file: history DEST --diff RUN FILE")
	opts.Format.AddFlags(cmd, deps.Formats, format.Reading)
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(deps.Formats.Names()...))
	cmd.ValidArgsFunction = func(c *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return profileCompletion(deps, g)(c, args, s)
		}
		return nil, cobra.ShellCompDirectiveDefault
	}
	outputs(cmd, allStyles...) // the list of runs; --diff: text and json (diffStyles)
	return cmd
}

func runHistory(ctx context.Context, deps *Deps, opts *HistoryOptions) error {
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	dir := opts.StateDir
	if dir == "" {
		if dir, err = state.DefaultDir(deps.Getenv); err != nil {
			return err
		}
	}
	store, err := openStore(dir)
	if err != nil {
		return err
	}
	if opts.Target == "" {
		dests, err := store.Destinations()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		var last []*state.Run
		for _, d := range dests {
			runs, err := store.Runs(d)
			if err != nil {
				return err
			}
			if len(runs) > 0 {
				last = append(last, runs[0])
			}
		}
		return printRuns(deps, style, last)
	}
	dest, err := historyKey(deps, opts, store)
	if err != nil {
		return err
	}
	runs, err := store.Runs(dest)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if opts.Diff == nil {
		if len(runs) == 0 {
			fmt.Fprintf(deps.IO.ErrOut, "no runs recorded for %s in %s\n", dest, dir)
		}
		return printRuns(deps, style, runs)
	}
	return historyDiff(ctx, deps, opts, store, dest, runs)
}

// historyKey is the destination identity of a profile name, a URL or a local folder: a local
// folder's real path; an sftp:// URL's identity as recorded by the last run that connected
// (the server's real path), else its URL.
func historyKey(deps *Deps, opts *HistoryOptions, store *state.Store) (string, error) {
	t := opts.Target
	if !transport.IsURL(t) {
		if c, err := deps.loadConfig(opts.Global); err == nil {
			if p, err := c.Profile(t); err == nil {
				if p.Destination == "" {
					return "", usageError(fmt.Errorf("profile %s has no destination", p.Name))
				}
				t = p.Destination
			}
		} else {
			return "", err
		}
	}
	if transport.IsURL(t) {
		u, err := transport.ParseURL(t)
		if err != nil {
			return "", usageError(err)
		}
		// A URL naming a file is its folder's history (the runs list each file sent).
		return store.Alias(publish.URLKey(u.Folder())), nil
	}
	id, err := publish.LocalIdentity(t)
	if err != nil {
		return "", err
	}
	return id, nil
}

func printRuns(deps *Deps, style string, runs []*state.Run) error {
	if runs == nil {
		runs = []*state.Run{}
	}
	switch style {
	case "json":
		return writeJSON(deps, runs)
	}
	var rows [][]string
	for _, r := range runs {
		var files []string
		for _, f := range r.Files {
			sum := f.SHA256
			if len(sum) > 12 {
				sum = sum[:12]
			}
			files = append(files, fmt.Sprintf("%s %d rows %d B sha256 %s", f.Name, f.Rows, f.Bytes, sum))
		}
		g := ""
		if r.Guard != nil {
			var parts []string
			for _, k := range []string{"users", "enrollments"} {
				if v, ok := r.Guard.RemovedPercent[k]; ok {
					switch {
					case v >= 0.05:
						parts = append(parts, fmt.Sprintf("%s -%.1f%%", k, v))
					case v > 0:
						parts = append(parts, k+" -<0.1%")
					default:
						parts = append(parts, k+" none removed")
					}
				}
			}
			if !r.Guard.Compared {
				parts = append(parts, "first push")
			}
			if r.Guard.Overridden {
				parts = append(parts, "overridden")
			}
			g = strings.Join(parts, ", ")
		}
		rows = append(rows, []string{r.ID, r.Time.Local().Format("2006-01-02 15:04:05"), r.Destination, r.Result,
			strings.Join(files, "; "), g, r.Message})
	}
	header := []string{"run", "time", "destination", "result", "files", "guard", "message"}
	if style == "table" {
		if len(rows) == 0 {
			return nil
		}
		return renderTable(deps.IO.Out, header, rows)
	}
	if style == "csv" {
		return writeCSV(deps, header, rows)
	}
	for _, r := range rows {
		fmt.Fprintf(deps.IO.Out, "%s  %s  %s  %s  %s", r[0], r[1], r[3], r[2], r[4])
		if r[5] != "" {
			fmt.Fprintf(deps.IO.Out, "  guard: %s", r[5])
		}
		if r[6] != "" {
			fmt.Fprintf(deps.IO.Out, "  (%s)", r[6])
		}
		fmt.Fprintln(deps.IO.Out)
	}
	return nil
}

func historyDiff(ctx context.Context, deps *Deps, opts *HistoryOptions, store *state.Store, dest string, runs []*state.Run) error {
	runID, file := opts.Diff[0], opts.Diff[1]
	var run *state.Run
	for _, r := range runs {
		if runID == "last" && r.Result == "pushed" || r.ID == runID {
			run = r
			break
		}
	}
	if run == nil && runID != "last" {
		var matches []*state.Run
		for _, r := range runs {
			if strings.HasPrefix(r.ID, runID) {
				matches = append(matches, r)
			}
		}
		if len(matches) > 1 {
			return usageError(fmt.Errorf("run %q is ambiguous: %d runs start with it", runID, len(matches)))
		}
		if len(matches) == 1 {
			run = matches[0]
		}
	}
	if run == nil {
		return usageError(fmt.Errorf("no run %q recorded for %s", runID, dest), "list the runs with 'rostersync history "+opts.Target+"'")
	}
	snapName := ""
	for _, f := range run.Files {
		if f.Snapshot != "" && (snapName == "" || f.Name == filepath.Base(file)) {
			snapName = f.Snapshot
		}
	}
	if snapName == "" {
		return usageError(fmt.Errorf("run %s has no snapshot (result %s)", run.ID, run.Result))
	}
	r, err := store.OpenRunFile(dest, run.ID, snapName)
	if err != nil {
		return err
	}
	old, err := snapshot.Read(r)
	r.Close()
	if err != nil {
		return err
	}
	cur, err := snapshotOf(ctx, deps, file, opts.Format.Format, opts.Options)
	if err != nil {
		return err
	}
	key, err := snapshot.LoadKey(store.Dir)
	if err != nil {
		return err // an insecure key is a usage error (exit 2), with the chmod that fixes it
	}
	note := ""
	switch {
	case old.Legacy():
		note = "the run's snapshot was written by an older rostersync (not keyed): compared by IDs only, changed rows not counted"
	case old.HMACKeyed(key): // an earlier rostersync's keying: cur is keyed alike
	case old.ByIDsOnly(key):
		note = "the run's snapshot was keyed with another " + snapshot.KeyFile + ": compared by IDs only, changed rows not counted"
	}
	if old.HMACKeyed(key) {
		cur, err = cur.KeyedHMAC(key)
	} else if old, err = old.Keyed(key); err == nil {
		cur, err = cur.Keyed(key)
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", run.ID, err)
	}
	counts, _, err := snapshot.Compare(old, cur)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(deps.IO.ErrOut, "rostersync: note:", note)
	}
	differs := false
	for _, c := range counts {
		differs = differs || c.Differing() > 0
	}
	style, _ := opts.Global.outputStyle(deps)
	if style == "json" {
		out := map[string]snapshot.Counts{}
		for k, c := range counts {
			out[string(k)] = c
		}
		if err := writeJSON(deps, map[string]any{"run": run.ID, "file": file, "summary": out}); err != nil {
			return err
		}
		if differs {
			return errFindings
		}
		return nil
	}
	fmt.Fprintf(deps.IO.Out, "run %s (%s) -> %s\n", run.ID, run.Time.Local().Format("2006-01-02 15:04"), file)
	for _, k := range roster.Kinds {
		c, ok := counts[k]
		if !ok {
			continue
		}
		fmt.Fprintf(deps.IO.Out, "  %-16s added %d  removed %d  changed %d  unchanged %d  (%.1f%% removed)\n", k, c.Added, c.Removed, c.Changed, c.Unchanged, c.RemovedPercent)
	}
	if differs {
		return errFindings
	}
	return nil
}

// snapshotOf reads a local input into a snapshot (problems are not listed: diffing is not
// validating).
func snapshotOf(ctx context.Context, deps *Deps, path, formatName string, fopts format.Options) (*snapshot.Snapshot, error) {
	in, f, err := openPicked(ctx, deps, nil, path, formatName, true)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	b := snapshot.NewBuilder()
	probs := roster.Problems{Max: 1}
	if _, err := readInput(ctx, f, in, fopts, b, &probs); err != nil {
		return nil, err
	}
	if probs.Errors > 0 {
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: note: %s has %s (compared anyway; see 'rostersync validate')\n", path, plural(probs.Errors, "validation error"))
	}
	return b.Snapshot(), nil
}

func writeCSV(deps *Deps, header []string, rows [][]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(header) //nolint:errcheck
	for _, r := range rows {
		w.Write(r) //nolint:errcheck
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	_, err := fmt.Fprint(deps.IO.Out, b.String())
	return err
}
