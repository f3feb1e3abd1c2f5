package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/report"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
)

// SyncOptions are the parsed flags and arguments of sync.
type SyncOptions struct {
	Global      *GlobalOptions
	DryRun      bool
	AllowShrink bool
	LogFormat   string
	StateDir    string
	Profiles    []string
}

func newSyncCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &SyncOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "sync [PROFILE...]",
		Short: "Run the configured nightly jobs: pull, validate, convert, guard, publish",
		Long: `Run each named profile of the config file (all of them when none is named) as one job:
source (a local file, folder or zip, or an sftp:// folder to pull from) → validate (errors stop the
job) → convert (to:, with the profile's format options) → the shrink guard against the
destination's last snapshot → atomic publish to the destination (sftp:// or a local folder) →
snapshot and run record. Jobs are independent: one failing job does not stop the others, and the
exit code is the largest among them.

--dry-run prints each job's plan (the guard's comparison with the last snapshot, the files that
would be written where) and changes nothing anywhere. --quiet prints nothing on success (cron);
--log-format json writes one JSON record per job step on stderr, without student data or secrets.
A profile may run on_success/on_failure commands, which receive a JSON summary on stdin.
` + exitStatusHelp,
		Example: `  rostersync sync
  rostersync sync capti-nightly --dry-run
  rostersync --config /etc/rostersync.yaml sync --quiet --log-format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profiles = args
			return runSync(cmd.Context(), deps, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.DryRun, "dry-run", false, "print each job's plan; change nothing")
	f.BoolVar(&opts.AllowShrink, "allow-shrink", false, "publish even if the shrink guard refuses (this run only)")
	f.StringVar(&opts.LogFormat, "log-format", "text", "job step records on stderr: text or json")
	f.StringVar(&opts.StateDir, "state-dir", "", "state folder (default $XDG_STATE_HOME/rostersync; profile key state_dir)")
	_ = cmd.RegisterFlagCompletionFunc("log-format", fixedCompletion("text", "json"))
	cmd.ValidArgsFunction = profileCompletion(deps, g)
	return cmd
}

func runSync(ctx context.Context, deps *Deps, opts *SyncOptions) error {
	switch opts.LogFormat {
	case "text", "json":
	default:
		return usageError(fmt.Errorf("unknown --log-format %q", opts.LogFormat), "use text or json")
	}
	cfg, err := deps.loadConfig(opts.Global)
	if err != nil {
		return err
	}
	names := opts.Profiles
	if len(names) == 0 {
		names = cfg.ProfileNames()
		if len(names) == 0 {
			where := cfg.File
			if where == "" {
				where = "no config file found (looked for " + strings.Join(cfg.Searched, ", ") + ")"
			}
			return usageError(fmt.Errorf("no profiles to run: %s", where), "see examples/rostersync.yaml")
		}
	}
	var profiles []*config.Profile
	for _, n := range names {
		p, err := cfg.Profile(n)
		if err != nil {
			return err
		}
		if p.Source == "" || (p.Destination == "") {
			return usageError(fmt.Errorf("profile %s needs a source and a destination to run as a job", p.Name))
		}
		profiles = append(profiles, p)
	}
	level := slog.LevelInfo
	if opts.Global.Quiet {
		level = slog.LevelWarn
	}
	var h slog.Handler
	if opts.LogFormat == "json" {
		h = slog.NewJSONHandler(deps.IO.ErrOut, &slog.HandlerOptions{Level: level})
	} else {
		h = slog.NewTextHandler(deps.IO.ErrOut, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime})
	}
	log := slog.New(h)
	worst, worstErr := 0, error(nil)
	var failed []string
	for _, p := range profiles {
		err := runJob(ctx, deps, opts, p, log.With("profile", p.Name))
		code := exitCode(err)
		if code != 0 {
			failed = append(failed, fmt.Sprintf("%s (exit %d)", p.Name, code))
		}
		if code > worst {
			worst, worstErr = code, err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	switch {
	case worst == 0:
		return nil
	case worst == ExitFindings:
		return errFindings
	}
	// The exit of the worst job, with what failed: its class, not its message.
	return errclass.New(errclass.Of(worstErr), fmt.Errorf("%d of %d jobs failed: %s", len(failed), len(profiles), strings.Join(failed, ", ")))
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// jobSummary is what a job's hooks receive on stdin: no student data, no secrets.
type jobSummary struct {
	Profile     string            `json:"profile"`
	Result      string            `json:"result"` // pushed, refused, failed, dry-run
	ExitCode    int               `json:"exit_code"`
	Error       string            `json:"error,omitempty"`
	Source      string            `json:"source"`
	Destination string            `json:"destination"`
	Files       []state.RunFile   `json:"files,omitempty"`
	Guard       *state.GuardStats `json:"guard,omitempty"`
	Collected   []string          `json:"collected,omitempty"`
}

// runJob runs one profile and returns its error (nil: done).
func runJob(ctx context.Context, deps *Deps, opts *SyncOptions, p *config.Profile, log *slog.Logger) error {
	sum := &jobSummary{Profile: p.Name, Source: transport.RedactURL(p.Source), Destination: transport.RedactURL(p.Destination)}
	err := job(ctx, deps, opts, p, log, sum)
	code := exitCode(err)
	sum.ExitCode = code
	if err != nil && !errors.Is(err, errFindings) {
		sum.Error = err.Error()
		log.Error("job failed", "step", "end", "exit_code", code, "error", err.Error())
		for _, h := range hintsOf(err) {
			log.Error("hint", "step", "end", "hint", h)
		}
	} else if code != 0 {
		log.Error("job refused", "step", "end", "exit_code", code, "result", sum.Result)
	} else {
		log.Info("job done", "step", "end", "result", sum.Result)
	}
	if opts.DryRun {
		return err
	}
	hook := p.OnSuccess
	if code != 0 {
		hook = p.OnFailure
	}
	if hook != "" {
		dir := ""
		if deps.config != nil && deps.config.File != "" {
			dir = filepath.Dir(deps.config.File) // hooks run in the config file's folder
		}
		if err := runHook(ctx, hook, sum, dir); err != nil {
			log.Warn("hook failed", "step", "hook", "error", err.Error())
		}
	}
	return err
}

func job(ctx context.Context, deps *Deps, opts *SyncOptions, p *config.Profile, log *slog.Logger, sum *jobSummary) (retErr error) {
	conn := &connFlags{Retries: transport.DefaultRetries, StateDir: opts.StateDir}
	conn.merge(func(name string) bool { return name == "state-dir" && opts.StateDir != "" }, p)
	store, err := conn.store(deps)
	if err != nil {
		return err
	}
	lock, err := store.Lock("profile:" + p.Name)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	// The report: written once the publish step ends (below); a job that stops before it (a
	// source with errors, a failed pull) writes its own, so the report at p.Report is never an
	// earlier run's.
	var checked []report.Validation
	reported := false
	defer func() {
		if p.Report == "" || reported || retErr == nil {
			return
		}
		if rerr := writeRunReport(deps, store, p.Report, "sync", p.Name, p.Destination, nil, retErr, checked); rerr != nil {
			log.Warn("report not written", "step", "report", "error", rerr.Error())
		}
	}()
	work, err := os.MkdirTemp("", "rostersync-"+p.Name+"-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := os.Chmod(work, 0o700); err != nil {
		return err
	}
	// 1. Source.
	src := p.Source
	if transport.IsURL(src) {
		src, err = pull(ctx, deps, conn, p, filepath.Join(work, "in"), log)
		if err != nil {
			return err
		}
	} else {
		// A source is read as push reads what it sends, converted (to:) or not: never through
		// a link.
		if err := publish.RefuseLink(src, src); err != nil {
			return err
		}
		if p.MaxAge > 0 {
			if err := checkAge(src, p.MaxAge); err != nil {
				return findings(err)
			}
		}
	}
	log.Info("source ready", "step", "source", "source", sum.Source)
	// 2. Validate (and read for the conversion).
	fopts, err := p.FormatOptions(nil)
	if err != nil {
		return err
	}
	if cfg := deps.config; cfg != nil {
		if fopts, err = p.FormatOptions(cfg.Layouts); err != nil {
			return err
		}
	}
	if fopts, err = formatSettings(deps.Formats, nil, p, fopts); err != nil {
		return err
	}
	from := p.From
	if from == "" {
		from = p.Format
	}
	out := src
	if p.To != "" {
		out, err = convertForJob(ctx, deps, src, from, p, fopts, filepath.Join(work, "out"), log, opts.LogFormat == "text", &checked)
		if err != nil {
			return err
		}
		from = p.To
	}
	// 3. The published files, copied once into the state folder, checked again as written,
	// guarded and published from that copy.
	as := ""
	if st, err := os.Stat(out); err == nil && !st.IsDir() && p.FileName != "" {
		as = p.FileName
	}
	policy := p.Guard
	conn.To = p.Destination
	pub, err := publisher(deps, conn, p)
	if err != nil {
		return err
	}
	check := checker(deps, from, fopts, true, opts.LogFormat == "text", &checked)
	req := publish.Request{Target: p.Destination, Profile: p.Name, Policy: policy, AllowShrink: opts.AllowShrink, DryRun: opts.DryRun,
		Inputs: []publish.Input{{Path: out, Shown: sum.Source, As: as}}, Conn: conn.held(),
		Check: func(ctx context.Context, c *publish.Copy) (*publish.Set, error) {
			set, err := check(ctx, c)
			if set != nil {
				log.Info("validated", "step", "validate", "format", set.Format, "rows", set.Rows)
			}
			return set, err
		}}
	if p.To != "" {
		// The converted files are rostersync's own: their name, not the source's.
		req.Inputs[0].Shown = out
	}
	rep, err := pub.Publish(ctx, req)
	// The job's log says what happened; a dry run prints its plan.
	renderReport(deps, rep, !opts.DryRun, opts.DryRun, opts.AllowShrink, holdFlags(opts.Global, opts.StateDir))
	if p.Report != "" {
		reported = true
		if rerr := writeRunReport(deps, pub.Store, p.Report, "sync", p.Name, p.Destination, rep, err, checked); rerr != nil {
			log.Warn("report not written", "step", "report", "error", rerr.Error())
		}
	}
	if rep != nil {
		// push prints these on stderr; a job's log carries them (a stale source, a server that
		// kept its own file mode), and --quiet hides them as push's (an unchanged export over a
		// school holiday is no reason for a cron mail every night).
		for _, n := range rep.Notes {
			log.Info("note", "step", "publish", "note", n)
		}
		for _, w := range rep.Warnings {
			if !opts.Global.Quiet {
				log.Warn("warning", "step", "publish", "warning", w)
			}
		}
		sum.Result, sum.Files = rep.Result, rep.Files
		if len(rep.Guard) > 0 {
			sum.Guard = rep.Guard[0]
			g := rep.Guard[0]
			log.Info("guard", "step", "guard", "compared", g.Compared, "rows", g.Rows, "allowed", g.Allowed,
				slog.Group("removed_percent", perKind(g.RemovedPercent)...))
		}
		if rep.Held != "" {
			log.Info("held", "step", "guard", "run", rep.Held, "hint", "rostersync hold show "+rep.Held)
		}
	}
	if err != nil {
		if sum.Result == "" {
			sum.Result = "failed"
		}
		return err
	}
	log.Info("published", "step", "publish", "result", sum.Result, "files", len(sum.Files))
	// 5. The vendor's result files.
	if p.Collect != "" && p.CollectFrom != "" && transport.IsURL(p.Destination) && !opts.DryRun {
		got, err := collect(ctx, deps, conn, p)
		sum.Collected = got
		if err != nil {
			log.Warn("collect failed", "step", "collect", "error", err.Error())
		} else {
			log.Info("collected", "step", "collect", "files", len(got))
		}
	}
	return nil
}

// perKind is a per-kind figure as log attributes, by kind name: removed_percent.users=0 in the
// text log (not Go's map[users:0]), the same object as before in JSON.
func perKind(m map[string]float64) []any {
	kinds := slices.Sorted(maps.Keys(m))
	out := make([]any, len(kinds))
	for i, k := range kinds {
		out[i] = slog.Float64(k, m[k])
	}
	return out
}

// checkAge refuses a source older than maxAge (for a folder, its newest file counts).
func checkAge(path string, maxAge time.Duration) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	newest := st.ModTime()
	if st.IsDir() {
		entries, _ := os.ReadDir(path)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.ModTime().After(newest) {
				newest = fi.ModTime()
			}
		}
	}
	if age := time.Since(newest); age > maxAge {
		return fmt.Errorf("the source %s is %s old, more than max_age %s: is the export stuck?", path, age.Round(time.Minute), maxAge)
	}
	return nil
}

// pull fetches a job's source files from an sftp:// source into dir (publish.Pull) and returns
// the local input: the file when one is fetched, the folder otherwise.
func pull(ctx context.Context, deps *Deps, conn *connFlags, p *config.Profile, dir string, log *slog.Logger) (string, error) {
	cl, u, err := dial(ctx, deps, conn, p, p.Source)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	names, fallback := sourceFiles(deps.Formats, p.From)
	pl := publish.Pull{Files: p.Files, Names: names, Fallback: fallback, Newest: p.Newest, MaxAge: p.MaxAge,
		Pulled: func(name string, size int64) { log.Info("pulled", "step", "pull", "file", name, "bytes", size) }}
	got, err := pl.Fetch(ctx, cl, u, dir)
	if pe, ok := errors.AsType[*publish.Error](err); ok && pe.Kind == publish.KindUsage {
		return "", fmt.Errorf("profile %s: %w", p.Name, err) // a profile's files: patterns
	}
	return got, err
}

// sourceFiles are the file names a job pulls by default from an sftp:// folder for its source
// format from (format.Packaging's Files; when from is not given, those of the first multi-file
// format registered, as for a refused zip), and the glob pulled from a folder holding none of
// them ("" for *.zip).
func sourceFiles(reg *format.Registry, from string) (names []string, fallback string) {
	for _, f := range reg.Formats() {
		pkg := format.PackagingOf(f)
		if f.Name() == from || from == "" && pkg.Multi {
			return pkg.Files, pkg.Pull
		}
	}
	return nil, ""
}

// convertForJob reads src, refuses it with errors, and writes it in the profile's target
// format under dir. It returns the path to publish: a file, a zip or a folder.
func convertForJob(ctx context.Context, deps *Deps, src, from string, p *config.Profile, fopts format.Options, dir string, log *slog.Logger, showProblems bool, checked *[]report.Validation) (string, error) {
	to, err := deps.Formats.Lookup(p.To)
	if err != nil {
		return "", usageError(err)
	}
	in, f, err := openPicked(ctx, deps, nil, src, from, false)
	if err != nil {
		return "", err
	}
	defer in.Close()
	coll := collectorFor(to)
	probs := &roster.Problems{Max: 20}
	info, err := readInput(ctx, f, in, fopts, coll, probs)
	if err != nil {
		return "", err
	}
	if probs.Errors > 0 { // the report of a job its source stops shows why
		*checked = append(*checked, report.Validation{Path: transport.RedactURL(p.Source), Format: f.Name(), Version: info.Version,
			Files: info.Files, Summary: reportSummary(summaryOf(probs)), Groups: probs.Groups()})
	}
	log.Info("read", "step", "validate", "format", f.Name(), "errors", probs.Errors, "warnings", probs.Warnings)
	if probs.Errors > 0 {
		if showProblems { // JSON logs carry counts, never values
			for _, l := range groupedLines(probs, probs.Max, func(p roster.Problem) bool { return p.Severity == roster.Error }) {
				fmt.Fprintln(deps.IO.ErrOut, l)
			}
		}
		return "", findings(fmt.Errorf("the source has %s: nothing was converted or sent (see 'rostersync validate')", plural(probs.Errors, "error")))
	}
	if err := needsOrg(to, f, loneName(f, in), &coll.Roster); err != nil {
		return "", err
	}
	if err := needsRoles(f, &coll.Roster); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	var outPath string
	var output atomicfile.Output
	pkg := format.PackagingOf(to)
	switch {
	case pkg.Multi && p.Zip:
		name := p.FileName
		if name == "" {
			name = pkg.FileName
		}
		outPath = filepath.Join(dir, name)
		output = atomicfile.NewZip(outPath)
	case pkg.Multi:
		outPath = dir
		output = atomicfile.NewDir(dir)
	default:
		name := p.FileName
		if name == "" {
			name = pkg.FileName
		}
		outPath = filepath.Join(dir, name)
		output = atomicfile.NewFile(outPath)
	}
	dropped, err := writeConverted(ctx, to, output, &coll.Roster, fopts)
	if errors.Is(err, errUnwritable) {
		return "", findings(err)
	}
	if err != nil {
		return "", err
	}
	for _, d := range dropped.List() {
		log.Info("conversion drops data", "step", "convert", "code", d.Code, "what", d.Message)
	}
	log.Info("converted", "step", "convert", "to", to.Name())
	return outPath, nil
}

// collect fetches the vendor's result files (e.g. Capti's log/ folder) that are not yet in the
// local folder.
func collect(ctx context.Context, deps *Deps, conn *connFlags, p *config.Profile) ([]string, error) {
	cl, u, err := dial(ctx, deps, conn, p, p.Destination)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return publish.Collect(ctx, cl, u, p.CollectFrom, p.Collect)
}

// runHook runs a profile's on_success/on_failure command with the job summary on stdin.
func runHook(ctx context.Context, command string, sum *jobSummary, dir string) error {
	data, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", command)
	}
	cmd.Stdin = bytes.NewReader(data)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		cmd.Dir = dir
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", command, err, strings.TrimSpace(lastLine(out.String())))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
