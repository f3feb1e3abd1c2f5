package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// ConvertOptions are the parsed flags and arguments of convert.
type ConvertOptions struct {
	Global *GlobalOptions
	Format formatFlags
	To     string
	Org    string
	Role   string
	Fix    bool
	// Base is the full package a delta SRC is applied to before it is converted.
	Base string
	Src  string
	Dest string
	// Options are the resolved format options (flags over the profile).
	Options format.Options
}

func newConvertCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &ConvertOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "convert --to FORMAT [--from FORMAT] [--base OLD] SRC [DEST]",
		Short: "Turn one roster format into another",
		Long: `Read SRC (a file, a directory, a .zip, or - for stdin; its format detected, or named with --from), check it, map it through the
canonical roster model and write it in the --to format. Input with errors is refused and nothing
is written. DEST is a file, a directory, a .zip (for a format whose roster is a set of files),
or stdout when absent or -; it appears only when the whole output is written (temporary name,
then rename). A directory that already holds CSV files the conversion does not write is refused. What the mapping
drops is counted by reason on stderr (with -o json, as a document on stdout when DEST is a file),
and so are the input's warnings, by code; a cell a spreadsheet would run as a formula is written
as it is, with a warning.
What is written is first checked with the target format's validator: output with errors is
refused and nothing appears. Converting a format to itself normalizes it. A OneRoster delta stays
a delta in OneRoster; ` + wholeRosters(deps.Formats) + ` hold whole rosters, so a delta converts to
them only with --base OLD, the last full package, which it is applied to. A tobedeleted row is
never written as an active record.
` + exitStatusHelp,
		Example: `  rostersync convert --to capti examples/oneroster capti.csv
  rostersync convert --to students --site-map sites.xlsx export.zip students.csv
  rostersync convert --to oneroster --org "Lincoln High" students.csv out.zip
  rostersync convert --to oneroster examples/oneroster normalized/
  rostersync convert --to capti --base last-night/ delta/ roster.csv`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Src = args[0]
			if len(args) == 2 {
				opts.Dest = args[1]
			}
			fopts, p, err := opts.Format.resolve(cmd, deps, g)
			if err != nil {
				return err
			}
			if p != nil && !cmd.Flags().Changed("to") && p.To != "" {
				opts.To = p.To
			}
			opts.Options = fopts
			return runConvert(cmd.Context(), deps, opts)
		},
	}
	f := cmd.Flags()
	opts.Format.AddFlags(cmd, deps.Formats, format.Reading|format.Writing) // it reads, then writes
	f.StringVar(&opts.To, "to", "", "output format: "+strings.Join(deps.Formats.Names(), ", "))
	f.StringVar(&opts.Org, "org", "", "school name to write when the input has no orgs (Capti, students.csv)")
	f.StringVar(&opts.Role, "role", "", "role of users read from a format without roles (default student)")
	f.StringVar(&opts.Base, "base", "", "the last full package a OneRoster delta SRC is applied to (deltas convert to "+orList(wholeRosterNames(deps.Formats))+" only onto a base)")
	f.BoolVar(&opts.Fix, "fix", false, "repair safe, common export damage before checking (each repair reported)")
	f.Lookup("format").Usage = "input format (alias --from): " + strings.Join(deps.Formats.Names(), ", ") + " (default: detected)"
	f.StringVar(&opts.Format.Format, "from", "", "input format (same as --format)")
	_ = cmd.RegisterFlagCompletionFunc("to", fixedCompletion(deps.Formats.Names()...))
	_ = cmd.RegisterFlagCompletionFunc("from", fixedCompletion(deps.Formats.Names()...))
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(deps.Formats.Names()...))
	outputs(cmd, "text", "json") // the report of what was dropped
	return cmd
}

// ConvertResult is what convert reports: the dropped data counted by reason, and notes about
// what was written (that it holds birth dates), which drop nothing.
type ConvertResult struct {
	Source  string           `json:"source"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	Dest    string           `json:"dest"`
	Counts  map[string]int   `json:"counts"`
	Dropped []roster.Problem `json:"dropped"`
	Notes   []roster.Problem `json:"notes"`
	// Input counts what the read of the source found (warnings and infos: a source with
	// errors is refused), by severity and by code, as validate's summary does.
	Input Summary `json:"input"`
}

func runConvert(ctx context.Context, deps *Deps, opts *ConvertOptions) error {
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	if opts.To == "" {
		return usageError(errors.New("--to is required"), "add --to "+strings.Join(deps.Formats.Names(), "|"))
	}
	if style == "json" && opts.Global.outputGiven && (opts.Dest == "" || opts.Dest == "-") {
		return usageError(errors.New("convert -o json writes its report on stdout, where the output goes when DEST is absent or -"),
			"give DEST a file name, or leave out -o json (the report then goes to stderr as text)")
	}
	to, err := deps.Formats.Lookup(opts.To)
	if err != nil {
		return usageError(err)
	}
	fopts := opts.Options
	if opts.Org != "" {
		fopts.Org = opts.Org
	}
	if opts.Role != "" {
		fopts.Role = opts.Role
	}
	fopts.Fix = opts.Fix
	in, from, err := openPicked(ctx, deps, nil, opts.Src, opts.Format.Format, false)
	if err != nil {
		return err
	}
	defer in.Close()
	if sw, ok := to.(format.StreamWriter); ok && opts.Base == "" {
		if err := convertStream(ctx, deps, opts, style, in, from, to, sw, fopts); !errors.Is(err, errNoStream) {
			return err
		}
	}
	coll, probs, err := readCheckedIn(ctx, deps, in, from, opts.Format.Format, opts.Src, to, fopts)
	if err != nil {
		return err
	}
	if opts.Fix && !opts.Global.Quiet {
		for _, p := range probs.List() {
			if p.Code == roster.CodeRepaired {
				fmt.Fprintln(deps.IO.ErrOut, problemLine(p))
			}
		}
	}
	if err := applyDelta(ctx, deps, opts, from, to, fopts, &coll.Roster); err != nil {
		return err
	}
	if err := needsOrg(to, from, loneName(from, in), &coll.Roster); err != nil {
		return err
	}
	if err := needsRoles(from, &coll.Roster); err != nil {
		return err
	}
	if opts.Dest == "" {
		opts.Dest = "-"
	}
	out, err := openOutput(deps, opts.Dest, to)
	if err != nil {
		return err
	}
	counts := entityCounts(&coll.Roster)
	dropped, err := writeConvertedIn(ctx, to, out, stageDir(opts.Dest), &coll.Roster, fopts)
	return convertWritten(deps, opts, style, from, to, counts, probs, dropped, err)
}

// convertWritten reports how the write of a conversion went: the rows the target could not
// hold (refused, exit 1), a failure to write (exit 3), or what was read, what the mapping
// dropped and the input's warnings (input: what its read found).
func convertWritten(deps *Deps, opts *ConvertOptions, style string, from, to format.Format, counts map[string]int, input *roster.Problems, dropped *roster.Problems, err error) error {
	if errors.Is(err, errUnwritable) {
		grades := false
		fixer, _ := to.(format.Fixer)
		for _, p := range dropped.List() {
			grades = grades || fixer != nil && fixer.Fixes(p)
		}
		// Grouped as validate's text output: one student's problem repeated for every student
		// is one line with the count and the first.
		for _, l := range groupedLines(dropped, 0, func(roster.Problem) bool { return true }) {
			fmt.Fprintln(deps.IO.ErrOut, l)
		}
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: refused: %v\n", err)
		if grades && !opts.Fix {
			fmt.Fprintln(deps.IO.ErrOut, "rostersync: hint: convert --fix writes grades zero-padded (9 -> 09, K -> KG)")
		}
		return errFindings
	}
	if err != nil {
		if errclass.Of(err) == errclass.Usage {
			return err // it names DEST itself (a folder that holds another roster's files)
		}
		return fmt.Errorf("write %s: %w", opts.Dest, err)
	}
	res := &ConvertResult{Source: opts.Src, From: from.Name(), To: to.Name(), Dest: opts.Dest,
		Counts: counts, Dropped: []roster.Problem{}, Notes: []roster.Problem{}, Input: summaryOf(input)}
	for _, p := range dropped.List() {
		if p.Code == roster.CodeLossy {
			res.Dropped = append(res.Dropped, p)
		} else {
			res.Notes = append(res.Notes, p)
		}
	}
	if style == "json" && opts.Dest != "-" {
		enc := json.NewEncoder(deps.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if opts.Global.Quiet {
		return nil
	}
	for _, p := range dropped.List() {
		fmt.Fprintf(deps.IO.ErrOut, "%s: %s\n", p.Severity, p.Message)
	}
	for _, line := range inputWarnings(opts.Src, input) {
		fmt.Fprintln(deps.IO.ErrOut, line)
	}
	where := opts.Dest
	if where == "-" {
		where = "stdout"
	}
	fmt.Fprintf(deps.IO.ErrOut, "%s (%s) -> %s (%s): %s\n", opts.Src, from.Name(), where, to.Name(), countLine(res.Counts))
	return nil
}

// inputWarnings are the lines that tell a conversion's warnings of its input: their count by
// code, and what a cell a spreadsheet would run as a formula became (written as it is: the
// value is the source's, and the output is read back as it was read). None without warnings.
func inputWarnings(src string, input *roster.Problems) []string {
	if input.Warnings == 0 {
		return nil
	}
	warned := map[string]int{}
	for _, g := range input.Groups() {
		if g.Kept[0].Severity == roster.Warning {
			warned[g.Kept[0].Code] += g.Count
		}
	}
	see := "see 'rostersync validate " + src + "'"
	if src == "-" {
		see = "run 'rostersync validate' on it to see where"
	}
	lines := []string{termSafe(fmt.Sprintf("warning: %s has %s (%s): converted as read; %s",
		src, plural(input.Warnings, "warning"), byCodeText(warned), see))}
	if n := warned[roster.CodeFormula]; n > 0 {
		lines = append(lines, fmt.Sprintf("warning: %s starting with =, +, -, @, a tab or a CR written as it is: a spreadsheet opening the output would run it as a formula; fix it in the source",
			plural(n, "cell")))
	}
	return lines
}

// readChecked opens path, takes its format (formatName, else detected) and reads it into a
// collector for the target format; an input with errors is refused with its problems listed.
// The input it returns, once opened, is the caller's to close, whatever the error.
func readChecked(ctx context.Context, deps *Deps, path, formatName string, to format.Format, fopts format.Options) (*input, format.Format, *roster.Collector, *roster.Problems, error) {
	in, from, err := openPicked(ctx, deps, nil, path, formatName, false)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	coll, probs, err := readCheckedIn(ctx, deps, in, from, formatName, path, to, fopts)
	if err != nil {
		return in, nil, nil, nil, err
	}
	return in, from, coll, probs, nil
}

// readCheckedIn is readChecked of an input opened as format from (given: the format named, or
// "" when it was detected).
func readCheckedIn(ctx context.Context, deps *Deps, in *input, from format.Format, given, path string, to format.Format, fopts format.Options) (*roster.Collector, *roster.Problems, error) {
	coll := collectorFor(to)
	probs := &roster.Problems{Max: 1000}
	info, err := readInput(ctx, from, in, fopts, coll, probs)
	if err != nil {
		return nil, nil, err
	}
	if probs.Errors > 0 {
		return nil, nil, refuseInput(deps, path, shownFormat(from, in, given), info, probs, fixRepairsAll(ctx, from, in, fopts))
	}
	return coll, probs, nil
}

// fixRepairsAll reports whether --fix, not given, would repair every error of the input: it is
// read once more with it, checks only (a refusal's cost, not a conversion's).
func fixRepairsAll(ctx context.Context, from format.Format, in *input, fopts format.Options) bool {
	if fopts.Fix {
		return false
	}
	fopts.Fix = true
	probs := &roster.Problems{Max: 1}
	_, err := readInput(ctx, from, in, fopts, roster.Discard{}, probs)
	return err == nil && probs.Errors == 0
}

// refuseInput lists the problems of an input with errors and refuses the conversion.
func refuseInput(deps *Deps, path, from string, info format.Info, probs *roster.Problems, fixable bool) error {
	res := &ValidateResult{Path: path, Format: from, Version: info.Version, Files: info.Files,
		Problems: probs.List(), Truncated: probs.Truncated,
		Summary: summaryOf(probs)}
	for _, p := range res.Problems {
		fmt.Fprintln(deps.IO.ErrOut, problemLine(p))
	}
	fmt.Fprintln(deps.IO.ErrOut, validateSummaryLine(res))
	see := ""
	if path != "-" {
		see = fmt.Sprintf(", or see 'rostersync validate %s'", path)
	}
	them := "them"
	if probs.Errors == 1 {
		them = "it"
	}
	fmt.Fprintf(deps.IO.ErrOut, "rostersync: refused: %s has %s; nothing was written (fix %s%s)\n",
		path, plural(probs.Errors, "error"), them, see)
	if fixable {
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: hint: --fix repairs %s: convert again with --fix (each repair is listed)\n", them)
	}
	return errFindings
}

// wholeRosterNames lists the names of the formats of reg that hold whole rosters, no deltas.
func wholeRosterNames(reg *format.Registry) []string {
	var out []string
	for _, f := range reg.Formats() {
		if !format.HoldsDeltas(f) {
			out = append(out, f.Name())
		}
	}
	return out
}

// wholeRosters names, for help, the formats of reg that hold whole rosters: "Capti,
// students.csv, Clever and SDS".
func wholeRosters(reg *format.Registry) string {
	var out []string
	for _, f := range reg.Formats() {
		if !format.HoldsDeltas(f) {
			out = append(out, format.Title(f))
		}
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// applyDelta settles what a OneRoster delta SRC becomes. Without --base, OneRoster keeps it
// a delta, and a full-roster format (Capti, students.csv) refuses it: a delta lists changes,
// and written as a roster its deleted rows would come back and everyone it leaves out would go.
// With --base, the delta is applied to the base package, and the result is a full roster.
func applyDelta(ctx context.Context, deps *Deps, opts *ConvertOptions, from, to format.Format, fopts format.Options, r *roster.Roster) error {
	kinds := r.DeltaKinds()
	if opts.Base == "" {
		if len(kinds) == 0 || format.HoldsDeltas(to) {
			return nil
		}
		return refusal(fmt.Errorf("%s is a %s delta (manifest.csv marks %s delta): a delta lists the changes since the last export, not a roster, and %s holds a whole roster; nothing was written",
			opts.Src, format.Title(from), deltaKindList(kinds), format.Title(to)),
			"give the last full package it follows with --base OLD to apply it to, or convert the full export")
	}
	if len(kinds) == 0 {
		return usageError(fmt.Errorf("%s is not a delta (its manifest marks no file delta): --base applies a delta to a full package", opts.Src),
			"leave out --base")
	}
	in, baseFormat, coll, _, err := readChecked(ctx, deps, opts.Base, "", to, fopts)
	if in != nil {
		defer in.Close()
	}
	if err != nil {
		return err
	}
	if !format.HoldsDeltas(baseFormat) {
		return usageError(fmt.Errorf("the base %s is a %s roster: a %s delta applies to the %s package it follows", opts.Base, format.Title(baseFormat), format.Title(from), format.Title(from)),
			"give the last full "+format.Title(from)+" export as --base")
	}
	if bk := coll.Roster.DeltaKinds(); len(bk) > 0 {
		return usageError(fmt.Errorf("the base %s is itself a delta (manifest.csv marks %s delta): the base must be a full package", opts.Base, deltaKindList(bk)),
			"give the last full (bulk) export as --base")
	}
	applied := roster.Apply(&coll.Roster, r)
	*r = coll.Roster
	if opts.Global.Quiet {
		return nil
	}
	var parts []string
	for _, k := range roster.Kinds {
		a, ok := applied[k]
		switch {
		case !ok:
		case a.Replaced:
			parts = append(parts, fmt.Sprintf("%s replaced (a bulk file)", k))
		case a.Deleted+a.Updated+a.Added > 0:
			parts = append(parts, fmt.Sprintf("%s deleted, %d updated, %d added", pluralKind(a.Deleted, k), a.Updated, a.Added))
		}
		if ok && a.Cascaded > 0 {
			parts = append(parts, fmt.Sprintf("%s dropped with a deleted user or class", pluralKind(a.Cascaded, k)))
		}
	}
	fmt.Fprintf(deps.IO.ErrOut, "applied the delta to %s: %s\n", opts.Base, strings.Join(parts, "; "))
	return nil
}

// deltaKindList names kinds as their manifest files do: "users and enrollments".
func deltaKindList(ks []roster.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// pluralKind counts n entities of kind k: "1 user", "3 users".
func pluralKind(n int, k roster.Kind) string {
	if n == 1 {
		return "1 " + k.Singular()
	}
	return fmt.Sprintf("%d %s", n, k)
}

// entityCounts counts what was read per kind, kept or only counted.
func entityCounts(r *roster.Roster) map[string]int {
	out := map[string]int{}
	for _, k := range roster.Kinds {
		if n := r.Count(k); n > 0 {
			out[string(k)] = n
		}
	}
	return out
}

// collectorFor keeps in memory only the kinds the target format writes; the others are
// counted, so the writer can still say what it drops.
func collectorFor(to format.Format) *roster.Collector {
	coll := &roster.Collector{Skip: map[roster.Kind]bool{}}
	if n, ok := to.(format.Needs); ok {
		need := n.Needs()
		for _, k := range roster.Kinds {
			if !slices.Contains(need, k) {
				coll.Skip[k] = true
			}
		}
	}
	return coll
}

// errUnwritable is a conversion the target format cannot hold: nothing was published.
var errUnwritable = errors.New("rows the target format cannot hold")

// unwritable is an errUnwritable with its own message.
type unwritable string

func (e unwritable) Error() string      { return string(e) }
func (unwritable) Is(target error) bool { return target == errUnwritable }

// writeConverted writes r in the format to (without the records whose status is tobedeleted,
// in the kinds r holds in full, and what belongs to them), checks what it wrote with to's own validator and
// publishes it atomically into out. The files are first written into a private temporary
// folder (0700, files 0600, removed afterwards) and read back, streaming, by to's reader; only
// output without errors is copied into out and committed. When the writer reports rows it
// cannot write, or the output fails its check (a mapping bug or an unmapped value), nothing is
// published and the error wraps errUnwritable; the returned problems say what the mapping
// dropped and, then, what the check found. r is emptied once written, so the check does not
// hold the roster and the read of the output at once.
func writeConverted(ctx context.Context, to format.Format, out atomicfile.Output, r *roster.Roster, fopts format.Options) (*roster.Problems, error) {
	return writeConvertedIn(ctx, to, out, "", r, fopts)
}

// writeConvertedIn is writeConverted with the checked files staged in a hidden folder made in
// stageIn ("" for the system's temporary folder): next to the destination, the output does not
// have to fit in a small /tmp.
func writeConvertedIn(ctx context.Context, to format.Format, out atomicfile.Output, stageIn string, r *roster.Roster, fopts format.Options) (*roster.Problems, error) {
	dropped := &roster.Problems{}
	if kinds := r.DeltaKinds(); len(kinds) > 0 && !format.HoldsDeltas(to) {
		out.Abort()
		return dropped, unwritable(fmt.Sprintf("the input is a OneRoster delta (manifest.csv marks %s delta), not a roster, and %s holds a whole roster; nothing was written",
			deltaKindList(kinds), format.Title(to)))
	}
	gone := roster.DropDeleted(r)
	for _, k := range roster.Kinds {
		lossy := func(msg string) {
			dropped.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, Message: msg})
		}
		if a := gone[k]; a.Deleted > 0 {
			lossy(fmt.Sprintf("%s with status tobedeleted not written: a full roster lists the records that exist", pluralKind(a.Deleted, k)))
		}
		if a := gone[k]; a.Cascaded > 0 {
			lossy(fmt.Sprintf("%s of a deleted user or class not written", pluralKind(a.Cascaded, k)))
		}
	}
	tmp, err := os.MkdirTemp(stageIn, ".rostersync-check-")
	if err != nil {
		out.Abort()
		return dropped, err
	}
	defer os.RemoveAll(tmp)
	st := &stagedDest{Output: atomicfile.NewDir(tmp)}
	if err := to.Write(ctx, st, r, fopts, dropped); err != nil {
		st.Abort()
		out.Abort()
		if ctx.Err() != nil {
			return dropped, ctx.Err()
		}
		return dropped, err
	}
	*r = roster.Roster{}
	// Collect the roster now: left to the pacer, its garbage (the size of the input) would
	// still be held while the check reads the output, which set the peak.
	runtime.GC()
	return dropped, publishChecked(ctx, to, out, st, tmp, fopts, dropped)
}

// publishChecked publishes what a writer wrote into st (the private folder tmp) into out (each
// file moved into a folder DEST, format.Adopter, else copied), unless the writer reported rows it could not write or the output fails its check with to's
// validator (both errUnwritable, with nothing published).
func publishChecked(ctx context.Context, to format.Format, out atomicfile.Output, st *stagedDest, tmp string, fopts format.Options, dropped *roster.Problems) error {
	if dropped.Errors > 0 {
		st.Abort()
		out.Abort()
		return fmt.Errorf("%w: %s cannot be written as %s; nothing was written", errUnwritable, plural(dropped.Errors, "row"), to.Name())
	}
	if err := st.Commit(); err != nil {
		out.Abort()
		return err
	}
	if n, err := checkOutput(ctx, to, os.DirFS(tmp), fopts, dropped); err != nil || n > 0 {
		out.Abort()
		if err != nil {
			return err
		}
		return unwritable(fmt.Sprintf("the %s output fails its own validation with %s (a conversion bug, or a value the mapping does not carry over); nothing was written",
			format.Title(to), plural(n, "error")))
	}
	if f, ok := out.(interface{ Folder() string }); ok {
		if stray := strayFiles(f.Folder(), st.names); len(stray) > 0 {
			out.Abort()
			return usageError(fmt.Errorf("%s already holds %s, which this conversion does not write: the folder would mix two rosters; nothing was written",
				f.Folder(), strings.Join(stray, ", ")), "remove them, or give an empty or new folder")
		}
	}
	adopter, _ := out.(format.Adopter)
	for _, name := range st.names {
		if adopter != nil && adopter.Adopt(name, filepath.Join(tmp, name)) == nil {
			continue // moved into a folder DEST, not copied
		}
		if err := copyInto(out, tmp, name); err != nil {
			out.Abort()
			return err
		}
	}
	return out.Commit()
}

// strayFiles lists the CSV files in dir that are not among names (what a conversion writes
// there): left beside the new files, a reader would take them for part of the roster (a 1.2
// roles.csv beside 1.1 files, a Clever file beside OneRoster's). A dir not there holds none.
func strayFiles(dir string, names []string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var stray []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.EqualFold(filepath.Ext(n), ".csv") && !slices.Contains(names, n) {
			stray = append(stray, n)
		}
	}
	return stray
}

// stageDir is where the output to dest is checked before it is published: the folder dest is
// in (a directory DEST's parent), or "" (the system's temporary folder) for stdout.
func stageDir(dest string) string {
	if dest == "-" || dest == "" {
		return ""
	}
	dir := filepath.Dir(filepath.Clean(dest))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "" // a folder the output will create: stage in the temporary folder
	}
	return dir
}

// checkOutput reads what a writer wrote with the same format's reader, as validate would
// (without --fix), and adds its errors to probs. It returns the number of errors.
func checkOutput(ctx context.Context, to format.Format, fsys fs.FS, fopts format.Options, probs *roster.Problems) (int, error) {
	vopts := fopts
	vopts.Fix, vopts.Reread, vopts.InputEncoding = false, false, ""
	found := &roster.Problems{Max: 1000}
	if _, err := to.Read(ctx, fsys, vopts, roster.Discard{}, found); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("check the output: %w", err)
	}
	for _, p := range found.List() {
		if p.Severity == roster.Error {
			probs.Report(p)
		}
	}
	return found.Errors, nil
}

// stagedDest is the private folder a writer writes into before its output is checked; it
// remembers the names created, in order.
type stagedDest struct {
	atomicfile.Output
	names []string
}

func (s *stagedDest) Create(name string) (io.WriteCloser, error) {
	s.names = append(s.names, name)
	return s.Output.Create(name)
}

// copyInto copies the checked file dir/name into out under its name.
func copyInto(out atomicfile.Output, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := out.Create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

func countLine(c map[string]int) string {
	var parts []string
	for _, k := range roster.Kinds {
		if n, ok := c[string(k)]; ok {
			name := string(k)
			if n == 1 {
				name = k.Singular()
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	if len(parts) == 0 {
		return "nothing read"
	}
	return strings.Join(parts, ", ") + " read"
}

// openOutput picks the atomic output for dest: stdout ("-"), a .zip, a directory (existing, or
// ending in a separator, or any path for a multi-file format), or a file.
func openOutput(deps *Deps, dest string, target format.Format) (atomicfile.Output, error) {
	pkg := format.PackagingOf(target)
	multi := pkg.Multi
	switch {
	case dest == "-":
		if multi {
			if deps.IO.IsStdoutTTY {
				return nil, usageError(fmt.Errorf("a %s package written to stdout is a zip: redirect stdout or give a DEST", format.Title(target)))
			}
			return atomicfile.NewZipStream(deps.IO.Out), nil
		}
		return atomicfile.NewStream(deps.IO.Out), nil
	case strings.HasSuffix(strings.ToLower(dest), ".zip"):
		return atomicfile.NewZip(dest), nil
	}
	fi, err := os.Stat(dest)
	isDir := err == nil && fi.IsDir()
	if multi && !isDir && strings.HasSuffix(strings.ToLower(dest), ".csv") {
		// It would be made a folder of that name.
		base := strings.ToLower(strings.TrimSuffix(pkg.FileName, ".zip"))
		return nil, usageError(fmt.Errorf("%s rosters are sets of files, and %s names one CSV file", format.Title(target), dest),
			fmt.Sprintf("give a folder (%s/) or a .zip (%s.zip)", base, base))
	}
	if isDir || strings.HasSuffix(dest, string(os.PathSeparator)) || strings.HasSuffix(dest, "/") || multi {
		if !multi {
			return atomicfile.NewFile(filepath.Join(dest, pkg.FileName)), dirMustExist(dest)
		}
		return atomicfile.NewDir(dest), nil
	}
	if err := dirMustExist(filepath.Dir(dest)); err != nil {
		return nil, err
	}
	return atomicfile.NewFile(dest), nil
}

func dirMustExist(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return nil
}

// needsRoles refuses to convert users without a role (OneRoster 1.2 users that roles.csv gives
// none, which validate warns about; the single-file readers give every user one): a 1.1
// users.csv requires one, and Capti and students.csv must tell students from staff.
func needsRoles(from format.Format, r *roster.Roster) error {
	none := 0
	for i := range r.Users {
		if r.Users[i].Role == "" {
			none++
		}
	}
	return needsRolesCount(from, none)
}

// needsRolesCount is needsRoles of a roster with none users without a role.
func needsRolesCount(from format.Format, none int) error {
	if none > 0 {
		why, fix := "", "give each user a role"
		if rs, ok := from.(format.RoleSourcer); ok {
			why, fix = rs.NoRole()
			why = " (" + why + ")"
		}
		return refusal(fmt.Errorf("%s no role%s: the conversion needs each user's role; nothing was written", hasHave(none), why),
			fix+" (see 'rostersync validate')")
	}
	return nil
}

func hasHave(n int) string {
	if n == 1 {
		return "1 user has"
	}
	return fmt.Sprintf("%d users have", n)
}

// needsOrg refuses to write users without any org to a format that requires one (OneRoster:
// the package would fail its own validation, users.orgSourcedIds is required), so the user must
// name the school. One file of a package (lone names it: users.csv alone) refers to orgs it does not
// hold: the whole package is needed for a format that writes users with their school
// (format.OrgUse: OneRoster, or students.csv whose SITE_ID comes from the school).
func needsOrg(to, from format.Format, lone string, r *roster.Roster) error {
	return needsOrgCount(to, from, lone, r.IsDelta(), len(r.Orgs), len(r.Users))
}

// needsOrgCount is needsOrg of a roster (a delta or not) holding orgs orgs and users users.
func needsOrgCount(to, from format.Format, lone string, delta bool, orgs, users int) error {
	if delta {
		return nil // a delta package leaves out what did not change, orgs included
	}
	use := format.OrgUseOf(to)
	if format.PackagingOf(from).Multi && lone != "" && orgs == 0 && users > 0 && use != format.OrgsIgnored {
		return usageError(fmt.Errorf("the input is one %s file, %s, without the others of its set: converting it to %s needs the schools its users refer to", format.Title(from), lone, format.Title(to)),
			"convert the whole set: its folder or zip")
	}
	if use == format.OrgsRequired && orgs == 0 && users > 0 {
		return usageError(fmt.Errorf("a %s file has no schools: converting it to %s needs --org NAME", format.Title(from), to.Name()),
			`add --org "School Name" (the school the users belong to)`)
	}
	return nil
}
