package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/state"
)

// HoldOptions are the flags of hold and its subcommands.
type HoldOptions struct {
	Global   *GlobalOptions
	StateDir string
	Run      string // RUN: a held run's ID or a unique prefix of it (show, approve, discard)
}

func newHoldCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &HoldOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "hold",
		Short: "List, show, approve or discard the runs the shrink guard held",
		Long: `A push or sync the shrink guard refuses sends nothing and keeps the files it checked as a held
run, in the state folder (0600), under the refused run's ID. Look at what tripped the guard, then
either approve the run, which publishes exactly the held files (whatever the source holds now,
under the destination's lock, without asking the guard again), or discard it. At most ` + fmt.Sprint(state.MaxHeld) + ` runs
are held per destination: a newer one discards the oldest. A RUN is its ID or a unique prefix of
it, and needs no other flag than the --config and --state-dir it was held under.
` + exitStatusHelp,
		Example: `  rostersync hold list
  rostersync hold show 20261123T020000.000Z-1a2b
  rostersync hold approve 20261123T0200
  rostersync hold discard 20261123T0200`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&opts.StateDir, "state-dir", "", "state folder (default $XDG_STATE_HOME/rostersync; with --profile, its state_dir)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the held runs (-o json: an array of id, destination, created, reason)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runHoldList(cmd.Context(), deps, opts)
		},
	}
	show := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a held run: the comparison that tripped the guard, and its files",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Run = args[0]
			return runHoldShow(cmd.Context(), deps, opts)
		},
	}
	approve := &cobra.Command{
		Use:   "approve RUN",
		Short: "Publish exactly the files of a held run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Run = args[0]
			return runHoldApprove(cmd.Context(), deps, opts)
		},
	}
	discard := &cobra.Command{
		Use:   "discard RUN",
		Short: "Drop a held run and its files",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Run = args[0]
			return runHoldDiscard(cmd.Context(), deps, opts)
		},
	}
	for _, c := range []*cobra.Command{show, approve, discard} {
		c.ValidArgsFunction = holdCompletion(deps, opts)
	}
	outputs(list, allStyles...)
	outputs(show, "text", "json")
	outputs(approve, "text", "json")
	cmd.AddCommand(list, show, approve, discard)
	return cmd
}

// store is the state folder the holds are in.
func (o *HoldOptions) store(deps *Deps) (*state.Store, error) {
	c := &connFlags{StateDir: o.StateDir}
	if c.StateDir == "" && o.Global.Profile != "" {
		_, p, err := deps.profile(o.Global)
		if err != nil {
			return nil, err
		}
		c.StateDir = p.StateDir
	}
	return c.store(deps)
}

func holdCompletion(deps *Deps, opts *HoldOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		store, err := opts.store(deps)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		holds, _ := store.Holds()
		var ids []string
		for _, h := range holds {
			ids = append(ids, h.ID+"\t"+h.Target)
		}
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
}

// heldRun is a held run in hold list -o json.
type heldRun struct {
	ID          string `json:"id"`
	Destination string `json:"destination"`
	Created     string `json:"created"`
	Reason      string `json:"reason"`
}

func runHoldList(_ context.Context, deps *Deps, opts *HoldOptions) error {
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	store, err := opts.store(deps)
	if err != nil {
		return err
	}
	holds, err := store.Holds()
	if err != nil {
		return err
	}
	list := []heldRun{}
	var rows [][]string
	for _, h := range holds {
		list = append(list, heldRun{ID: h.ID, Destination: h.Target, Created: h.Created.UTC().Format("2006-01-02T15:04:05Z"), Reason: h.Reason})
		rows = append(rows, []string{h.ID, h.Created.Local().Format("2006-01-02 15:04:05"), h.Target, h.Reason})
	}
	header := []string{"run", "created", "destination", "reason"}
	switch style {
	case "json":
		return writeJSON(deps, list)
	case "csv":
		return writeCSV(deps, header, rows)
	case "table":
		if len(rows) == 0 {
			fmt.Fprintln(deps.IO.ErrOut, "no held runs in", store.Dir)
			return nil
		}
		return renderTable(deps.IO.Out, header, rows)
	}
	if len(rows) == 0 && !opts.Global.Quiet {
		fmt.Fprintln(deps.IO.ErrOut, "no held runs in", store.Dir)
	}
	for _, r := range rows {
		fmt.Fprintf(deps.IO.Out, "%s  %s  %s  %s\n", r[0], r[1], r[2], r[3])
	}
	return nil
}

func findHold(deps *Deps, opts *HoldOptions, id string) (*state.Store, *state.Hold, error) {
	store, err := opts.store(deps)
	if err != nil {
		return nil, nil, err
	}
	h, err := store.FindHold(id)
	if err != nil {
		if errors.Is(err, state.ErrNoHold) || errors.Is(err, state.ErrAmbiguousHold) {
			return nil, nil, usageError(err, "'rostersync hold list' shows the held runs")
		}
		return nil, nil, err
	}
	return store, h, nil
}

func runHoldShow(_ context.Context, deps *Deps, opts *HoldOptions) error {
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	_, h, err := findHold(deps, opts, opts.Run)
	if err != nil {
		return err
	}
	if style == "json" {
		return writeJSON(deps, h)
	}
	w := deps.IO.Out
	fmt.Fprintf(w, "held run %s\n", h.ID)
	fmt.Fprintf(w, "destination: %s\n", h.Target)
	if h.Profile != "" {
		fmt.Fprintf(w, "profile: %s\n", h.Profile)
	}
	fmt.Fprintf(w, "created: %s\n", h.Created.Local().Format("2006-01-02 15:04:05"))
	fmt.Fprintf(w, "refused: %s\n", h.Reason)
	for _, l := range h.Summary {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintln(w, "files:")
	for _, f := range h.Files {
		fmt.Fprintf(w, "  %s %d rows %d B sha256 %s\n", f.Name, f.Rows, f.Bytes, f.SHA256)
	}
	return nil
}

func runHoldApprove(ctx context.Context, deps *Deps, opts *HoldOptions) error {
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	store, h, err := findHold(deps, opts, opts.Run)
	if err != nil {
		return err
	}
	// The connection settings the run was held with; secrets come from the same variables,
	// files or profile.
	conn := &connFlags{}
	if len(h.Conn) > 0 {
		if err := json.Unmarshal(h.Conn, conn); err != nil {
			return fmt.Errorf("held run %s: its connection settings: %w", h.ID, err)
		}
	}
	conn.StateDir = store.Dir
	var p *config.Profile
	if h.Profile != "" {
		c, err := deps.loadConfig(opts.Global)
		if err != nil {
			return err
		}
		if p, err = c.Profile(h.Profile); err != nil {
			return fmt.Errorf("held run %s was made by profile %s: %w", h.ID, h.Profile, err)
		}
	}
	pub := &publish.Publisher{Store: store, Dial: publisherDial(deps, conn, p)}
	quiet := opts.Global.Quiet
	rep, err := pub.Approve(ctx, h, func(total int64) (func(int64), func()) { return progressFor(deps, quiet, total, "uploading") })
	if err != nil {
		return err
	}
	if !quiet {
		var names []string
		for _, f := range rep.Files {
			names = append(names, f.Name)
		}
		fmt.Fprintf(deps.IO.ErrOut, "pushed %s to %s (run %s, approving held run %s)\n", strings.Join(names, ", "), rep.Target, rep.Run, h.ID)
	}
	if style == "json" {
		return writeJSON(deps, rep)
	}
	return nil
}

func runHoldDiscard(_ context.Context, deps *Deps, opts *HoldOptions) error {
	store, h, err := findHold(deps, opts, opts.Run)
	if err != nil {
		return err
	}
	if err := (&publish.Publisher{Store: store}).Discard(h); err != nil {
		return err
	}
	if !opts.Global.Quiet {
		fmt.Fprintf(deps.IO.ErrOut, "discarded held run %s (%s)\n", h.ID, h.Target)
	}
	return nil
}
