package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// DiffOptions are the parsed flags and arguments of diff.
type DiffOptions struct {
	Global      *GlobalOptions
	Format      formatFlags
	OldFormat   string
	NewFormat   string
	Summary     bool
	Entities    []string
	Limit       int
	LimitSet    bool
	Key         string
	AllFields   bool
	ShowSecrets bool
	Report      string // an HTML report to write (--report)
	Old, New    string
	// Options are the resolved format options (flags over the profile), for both sides.
	Options format.Options
}

// diffMemoryLimit is the Go heap size diff asks the collector to stay under (GOMEMLIMIT
// overrides it); two 1M-user packages need about 700 MiB of live heap.
const diffMemoryLimit = 800 << 20

// defaultTableLimit is how many changes the table lists without --limit.
const defaultTableLimit = 50

func newDiffCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &DiffOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Tell what changed between two roster snapshots",
		Long: `Compare two snapshots entity by entity (orgs, academicSessions, courses, classes, users,
demographics, enrollments), keyed by sourcedId (enrollments without one by class/user; users
by --key when given). OLD and NEW are each a file, a directory, a .zip, or - for stdin
(its format detected, or named with --format); they may be in different formats. Reports, per
kind, how many entities were added, removed (with the percentage of the old ones), changed and
unchanged; then notes that explain likely causes; then the changes, field by field.

Notes never change the counts: an excel-damage note is a removed and an added entity whose new
ID is the old one as a spreadsheet rewrote it (leading zeros lost, scientific notation); a rekey
is a removed and an added user with the same email, or
the same names and identifier (likely an ID change, not a new student); a school-move is a user
whose schools changed; a class-move is a user who left some classes and joined others.

status and dateLastModified are ignored unless --all-fields; lists (orgSourcedIds, grades, ...)
compare as sets. A row marked tobedeleted is a removal (shown with its status), and in a
OneRoster delta the rows it leaves out, and files its manifest marks absent, are unchanged.
Passwords and birth dates show as *** unless --show-secrets. Across formats (OneRoster against
Capti, students.csv, Clever or SDS) only the fields both sides carry, the users of the roles both hold, and
the orgs of the types both hold (Clever: schools; users' references to other orgs are left out
on both sides) are compared, less the fields a format does not hold for a role (Clever staff:
no identifier), and the output names them (compared_fields, compared_roles,
compared_org_types, not_compared_by_role); a students.csv is
keyed by STUDENT_ID (OneRoster identifier, or sourcedId where that is blank, as convert writes
it) and names schools by SITE_ID (the school's identifier).

An input with validation errors is still compared (one line on stderr says so); an unreadable
one is exit 3. Of a OneRoster package, only the files of the entities compared and the files
they refer to are read (with --entity users: users.csv and orgs.csv), so the problems of the
others are not reported: validate reads every file. The first pass keeps 16 bytes per entity;
the changes are collected in a second read of both inputs, which --summary skips.

Output (-o): table (summary, notes, then the first --limit changes, default 50), text (one line
per summary kind, note and changed field), json (the whole comparison as one document), csv
(entity,id,kind,field,old,new). json, csv and text list everything unless --limit is given.

--report FILE.html also writes one self-contained HTML report (mode 0600): the counts per kind
and per school as bar charts, the notes, the changed fields and the first changes; passwords
and birth dates always masked.
` + exitStatusHelp,
		Example: `  rostersync diff night1/ night2/
  rostersync diff --summary --entity users night1.zip night2.zip
  rostersync diff --report changes.html night1/ night2/
  rostersync diff -o json --limit 100 night1/ night2/ > changes.json
  rostersync diff -o csv --entity enrollments night1/ night2/ > enrollments.csv
  rostersync diff --key email --show-secrets old/users.csv new/users.csv
  rostersync diff --new-format capti export.zip roster.csv
  rostersync diff --format students --site-map sites.xlsx last-week.csv students.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.ExactArgs(2)(cmd, args); err != nil {
				return usageError(err, "see 'rostersync diff --help'")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			opts.LimitSet = cmd.Flags().Changed("limit")
			fopts, _, err := opts.Format.resolve(cmd, deps, g)
			if err != nil {
				return err
			}
			opts.Options = fopts
			return runDiff(cmd.Context(), deps, opts)
		},
	}
	f := cmd.Flags()
	opts.Format.AddFlags(cmd, deps.Formats, format.Reading|format.Matching) // it reads, then pairs up users
	f.Lookup("format").Usage = "format of both inputs: " + strings.Join(deps.Formats.Names(), ", ") + " (default: detected)"
	f.StringVar(&opts.OldFormat, "old-format", "", "format of OLD (overrides --format)")
	f.StringVar(&opts.NewFormat, "new-format", "", "format of NEW (overrides --format)")
	f.BoolVar(&opts.Summary, "summary", false, "counts only (one read of each input; changes: [])")
	f.StringSliceVar(&opts.Entities, "entity", nil, "compare only these kinds: users, enrollments, classes, ... (singular or plural; repeatable)")
	f.IntVar(&opts.Limit, "limit", 0, "list at most N changes (0: all; default 50 in table output, all otherwise)")
	f.StringVar(&opts.Key, "key", "", "field that identifies a user: sourcedId, email, identifier or username (default sourcedId; identifier for students.csv)")
	f.BoolVar(&opts.AllFields, "all-fields", false, "compare status and dateLastModified too")
	f.BoolVar(&opts.ShowSecrets, "show-secrets", false, "show passwords and birth dates in changes instead of ***")
	f.StringVar(&opts.Report, "report", "", "also write a self-contained HTML report to `FILE`")
	names := deps.Formats.Names()
	for _, n := range []string{"format", "old-format", "new-format"} {
		_ = cmd.RegisterFlagCompletionFunc(n, fixedCompletion(names...))
	}
	kinds := make([]string, 0, len(roster.Kinds))
	for _, k := range roster.Kinds {
		kinds = append(kinds, string(k))
	}
	_ = cmd.RegisterFlagCompletionFunc("entity", fixedCompletion(kinds...))
	_ = cmd.RegisterFlagCompletionFunc("key", fixedCompletion("sourcedId", "email", "identifier", "username"))
	_ = cmd.RegisterFlagCompletionFunc("input-encoding", fixedCompletion("windows-1252", "latin1"))
	outputs(cmd, allStyles...)
	return cmd
}

// DiffReport is diff's JSON document (SPEC §3.2).
type DiffReport struct {
	Old       string `json:"old"`
	New       string `json:"new"`
	OldFormat string `json:"old_format"`
	NewFormat string `json:"new_format"`
	// Validation counts each input's problems (by severity and code; listed by validate).
	Validation struct {
		Old Summary `json:"old"`
		New Summary `json:"new"`
	} `json:"validation"`
	*diff.Result
}

// diffSide is one input of a diff, opened, its format picked.
type diffSide struct {
	name   string // "OLD" or "NEW", for messages
	in     *input
	format format.Format
	probs  *roster.Problems
	calls  int
	// counted, if set, wraps the input's files for the first read (a progress bar); unread,
	// called once it ends, adds to the bar the bytes of the files it did not read.
	counted func(fs.FS) fs.FS
	unread  func()
}

// source reads the side again at each call; the first read's problems are counted, and later
// reads skip the checks.
func (s *diffSide) source(fopts format.Options) diff.Source {
	fopts.Ragged = true     // a damaged row whose key can be told is compared, not counted as removed
	fopts.OnlyWanted = true // files of entities not compared, and that none compared refers to, are not read
	return func(ctx context.Context, sink roster.Sink) error {
		s.calls++
		var rep roster.Reporter = &roster.Problems{Max: 1}
		fsys := s.in.FS
		if s.calls == 1 {
			rep = s.probs
			if s.counted != nil {
				fsys = s.counted(fsys)
			}
		} else {
			fopts.Reread = true // its problems were counted on the first read
		}
		_, err := s.format.Read(ctx, fsys, fopts, sink, rep)
		if s.calls == 1 && s.unread != nil {
			s.unread() // the files a diff does not compare (OnlyWanted)
		}
		return err
	}
}

func runDiff(ctx context.Context, deps *Deps, opts *DiffOptions) error {
	if err := checkReportPath(opts.Report); err != nil {
		return err
	}
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	dopts := diff.Options{AllFields: opts.AllFields, ShowSecrets: opts.ShowSecrets, Detail: !opts.Summary}
	switch {
	case opts.LimitSet && opts.Limit < 0:
		return usageError(fmt.Errorf("--limit must be 0 or more"))
	case opts.LimitSet:
		dopts.Limit = opts.Limit
	case style == "table" && opts.Report == "": // a report counts every changed field
		dopts.Limit = defaultTableLimit
	}
	switch opts.Key {
	case "", "sourcedId", "email", "identifier", "username":
	default:
		return usageError(fmt.Errorf("unknown --key %q", opts.Key), "use --key sourcedId, email, identifier or username")
	}
	for _, e := range opts.Entities {
		k, ok := diff.ParseKind(e)
		if !ok {
			return usageError(fmt.Errorf("unknown --entity %q", e), "kinds: "+kindList())
		}
		if !slices.Contains(dopts.Entities, k) {
			dopts.Entities = append(dopts.Entities, k)
		}
	}
	for _, name := range []string{opts.OldFormat, opts.NewFormat} { // before any input is opened
		if _, err := deps.Formats.Lookup(name); name != "" && err != nil {
			return usageError(err)
		}
	}
	if opts.Old == "-" && opts.New == "-" {
		return usageError(errors.New("OLD and NEW cannot both be stdin (-)"))
	}
	var sides [2]*diffSide
	for i, spec := range [2]struct{ name, path, format string }{
		{"OLD", opts.Old, opts.OldFormat}, {"NEW", opts.New, opts.NewFormat},
	} {
		if spec.format == "" {
			spec.format = opts.Format.Format
		}
		in, f, err := openPicked(ctx, deps, opts.Global, spec.path, spec.format, true)
		if err != nil {
			return err
		}
		defer in.Close()
		probs := &roster.Problems{Max: 1}
		for _, p := range in.Pre {
			probs.Report(p)
		}
		sides[i] = &diffSide{name: spec.name, in: in, format: f, probs: probs}
	}
	old, new := sides[0].source(opts.Options), sides[1].source(opts.Options)
	if deps.Getenv("GOMEMLIMIT") == "" {
		// Two district-sized readers at once leave much garbage; a soft limit makes the
		// collector return it before the heap doubles (what is kept is mostly pointer-free
		// hash tables, cheap to collect).
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(diffMemoryLimit))
	}
	if err := loneKinds(deps, sides, &dopts, opts.Global.Quiet); err != nil {
		return err
	}
	if err := crossFormat(ctx, sides, old, new, opts, &dopts); err != nil {
		return err
	}
	if dopts.Roles != nil && !opts.Global.Quiet {
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: note: comparing users with role %s only: %s no other\n",
			orList(dopts.Roles), holders(sides, func(f format.Format) bool { _, ok := f.(format.RoleHolder); return ok }))
	}
	if dopts.OrgTypes != nil && !opts.Global.Quiet {
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: note: comparing orgs of type %s only: %s no other (users' references to other orgs are left out on both sides)\n",
			orList(dopts.OrgTypes), holders(sides, func(f format.Format) bool { _, ok := f.(format.OrgTyper); return ok }))
	}
	done := diffProgress(deps, opts.Global.Quiet, sides)
	res, err := diff.Compare(ctx, old, new, dopts)
	done()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("diff %s %s: %w", opts.Old, opts.New, err)
	}
	if !opts.Global.Quiet || !res.Identical() {
		for _, s := range sides {
			if s.probs.Errors > 0 {
				fmt.Fprintf(deps.IO.ErrOut, "rostersync: note: %s %s (%s) has %s (%s); compared anyway (see 'rostersync validate %s')\n",
					s.name, termSafe(s.in.Path), s.format.Name(), plural(s.probs.Errors, "validation error"), byCodeText(s.probs.ByCode), termSafe(s.in.Path))
			}
		}
	}
	if res.EnrollmentsBy != "" && !opts.Global.Quiet {
		fmt.Fprintln(deps.IO.ErrOut, "rostersync: note: enrollments matched by class and user: an input's enrollment IDs are made from them (as a Clever or SDS enrollment read back)")
	}
	rep := &DiffReport{Old: opts.Old, New: opts.New, OldFormat: sides[0].format.Name(), NewFormat: sides[1].format.Name(), Result: res}
	rep.Validation.Old, rep.Validation.New = summaryOf(sides[0].probs), summaryOf(sides[1].probs)
	if opts.Report != "" {
		if err := writeDiffReport(deps, opts.Report, rep); err != nil {
			return err
		}
		if style == "table" && !opts.LimitSet {
			rep = tableCut(rep, defaultTableLimit)
			dopts.Limit = defaultTableLimit
		}
	}
	if !opts.Global.Quiet || !res.Identical() {
		if err := writeDiff(deps, style, rep, dopts.Limit); err != nil {
			return fmt.Errorf("write the comparison: %w", err)
		}
	}
	if !res.Identical() {
		return errFindings
	}
	return nil
}

// tableCut is rep with its changes cut to the first limit, as the table lists them.
func tableCut(rep *DiffReport, limit int) *DiffReport {
	if len(rep.Changes) <= limit {
		return rep
	}
	res := *rep.Result
	res.Changes = res.Changes[:limit]
	cut := *rep
	cut.Result = &res
	return &cut
}

// orList joins items with commas and a last "or".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// diffProgress draws one progress bar over the first read of both inputs when they are over
// progressMin together and stderr is a terminal; it returns the function that ends it.
func diffProgress(deps *Deps, quiet bool, sides [2]*diffSide) func() {
	if quiet || !deps.IO.IsStderrTTY {
		return func() {}
	}
	total := inputSize(sides[0].in.FS) + inputSize(sides[1].in.FS)
	if total < progressMin {
		return func() {}
	}
	add, done := readBar(deps, "reading "+termSafe(sides[0].in.Path)+" and "+termSafe(sides[1].in.Path), total)
	for _, s := range sides {
		var read atomic.Int64
		s.counted = func(fsys fs.FS) fs.FS {
			return countingFS{fsys, func(n int64) { read.Add(n); add(n) }}
		}
		s.unread = func() {
			if left := inputSize(s.in.FS) - read.Load(); left > 0 {
				add(left)
			}
		}
	}
	return done
}

func kindList() string {
	names := make([]string, len(roster.Kinds))
	for i, k := range roster.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// loneKinds restricts a diff to the kind a lone file of a package holds (OneRoster's users.csv
// alone): every other kind of the other side would otherwise count as removed or added.
func loneKinds(deps *Deps, sides [2]*diffSide, dopts *diff.Options, quiet bool) error {
	var held []roster.Kind
	var from []string
	for _, s := range sides {
		lone := loneName(s.format, s.in)
		if lone == "" || !format.PackagingOf(s.format).Multi {
			continue
		}
		if k := roster.Kind(strings.TrimSuffix(lone, ".csv")); slices.Contains(roster.Kinds, k) {
			held, from = append(held, k), append(from, fmt.Sprintf("%s holds %s only", s.in.Path, k))
		}
	}
	switch {
	case len(held) == 0:
		return nil
	case len(held) == 2 && held[0] != held[1]:
		return usageError(fmt.Errorf("nothing to compare: %s", strings.Join(from, ", ")))
	case dopts.Entities != nil && !slices.Contains(dopts.Entities, held[0]):
		return usageError(fmt.Errorf("%s, which --entity leaves out", from[0]))
	}
	dopts.Entities = held[:1]
	if quiet {
		return nil
	}
	fmt.Fprintf(deps.IO.ErrOut, "rostersync: note: comparing %s only (%s)\n", held[0], strings.Join(from, ", "))
	return nil
}

// crossFormat restricts a diff between two formats to what both carry: the kinds and fields
// both formats list (format.Carrier), less the fields a partial format's file does not hold
// data of its own in (diff.Carried: a Capti file without a username column), keyed as the
// formats key users.
func crossFormat(ctx context.Context, sides [2]*diffSide, old, new diff.Source, opts *DiffOptions, dopts *diff.Options) error {
	of, nf := sides[0].format, sides[1].format
	if of.Name() == nf.Name() {
		if opts.Key != "" {
			dopts.UserKey = opts.Key
		}
		return nil
	}
	carried := [2]map[roster.Kind][]string{carries(of, opts.Options), carries(nf, opts.Options)}
	fields := map[roster.Kind][]string{}
	for _, k := range roster.Kinds {
		a, okA := carried[0][k]
		b, okB := carried[1][k]
		if !okA || !okB {
			continue
		}
		both := []string{}
		for _, f := range a {
			if slices.Contains(b, f) {
				both = append(both, f)
			}
		}
		fields[k] = both
	}
	var kinds []roster.Kind
	for _, k := range roster.Kinds {
		if _, ok := fields[k]; ok && (dopts.Entities == nil || slices.Contains(dopts.Entities, k)) {
			kinds = append(kinds, k)
		}
	}
	if kinds == nil {
		what := "no kind of entity"
		if dopts.Entities != nil {
			what = "none of the kinds of --entity"
		}
		return usageError(fmt.Errorf("%s (%s) and %s (%s) have %s in common", sides[0].in.Path, of.Name(), sides[1].in.Path, nf.Name(), what))
	}
	dopts.Entities = kinds
	// Users of roles one format cannot hold (a students.csv holds students) are left out.
	for _, f := range []format.Format{of, nf} {
		if rh, ok := f.(format.RoleHolder); ok && slices.Contains(kinds, roster.UserKind) {
			if dopts.Roles == nil {
				dopts.Roles = rh.Roles()
			} else {
				dopts.Roles = slices.DeleteFunc(slices.Clone(dopts.Roles), func(r string) bool { return !slices.Contains(rh.Roles(), r) })
			}
		}
	}
	acrossOrgsAndRoles(of, nf, kinds, dopts)
	for i, src := range [2]diff.Source{old, new} {
		if !partial(carried[i]) {
			continue
		}
		own, err := diff.Carried(ctx, src, carried[i])
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read %s: %w", sides[i].in.Path, err)
		}
		sides[i].calls = 0 // count the problems of the comparison's first read
		sides[i].probs = &roster.Problems{Max: 1}
		for _, p := range sides[i].in.Pre {
			sides[i].probs.Report(p)
		}
		for k, list := range fields {
			fields[k] = slices.DeleteFunc(list, func(f string) bool { return !slices.Contains(own[k], f) })
		}
	}
	dopts.Fields = fields
	// Users are keyed as the format that does not use sourcedId keys them.
	key := "sourcedId"
	for _, f := range []format.Format{of, nf} {
		if uk, ok := f.(format.UserKeyer); ok {
			if user, org := uk.UserKey(opts.Options); user != "" && (user != "sourcedId" || org != "") {
				key = user
				if org != "" {
					dopts.OrgKey = org // schools named by their identifier (SITE_ID), as users are
				}
				break
			}
		}
	}
	dopts.UserKey = key
	if opts.Key != "" {
		dopts.UserKey = opts.Key
	}
	return nil
}

// acrossOrgsAndRoles leaves out of a diff between formats of and nf the orgs of a type either
// does not hold (format.OrgTyper), with users' references to them, and the user fields either
// does not hold for a role (format.RoleCarrier).
func acrossOrgsAndRoles(of, nf format.Format, kinds []roster.Kind, dopts *diff.Options) {
	for _, f := range []format.Format{of, nf} {
		if ot, ok := f.(format.OrgTyper); ok {
			if dopts.OrgTypes == nil {
				dopts.OrgTypes = slices.Clone(ot.OrgTypes())
			} else {
				dopts.OrgTypes = slices.DeleteFunc(dopts.OrgTypes, func(t string) bool { return !slices.Contains(ot.OrgTypes(), t) })
			}
		}
		if rc, ok := f.(format.RoleCarrier); ok && slices.Contains(kinds, roster.UserKind) {
			for role, fields := range rc.RoleOmits() {
				if dopts.RoleOmits == nil {
					dopts.RoleOmits = map[string][]string{}
				}
				for _, field := range fields {
					if !slices.Contains(dopts.RoleOmits[role], field) {
						dopts.RoleOmits[role] = append(dopts.RoleOmits[role], field)
					}
				}
			}
		}
	}
}

// carries returns the fields a format carries per kind, with opts; a format without a Carrier
// carries every field of every kind.
func carries(f format.Format, opts format.Options) map[roster.Kind][]string {
	if c, ok := f.(format.OptionsCarrier); ok {
		return c.CarriesWith(opts)
	}
	if c, ok := f.(format.Carrier); ok {
		return c.Carries()
	}
	out := map[roster.Kind][]string{}
	for _, k := range roster.Kinds {
		out[k] = diff.Fields(k)
	}
	return out
}

// partial reports whether a format carries only some kinds of the model: its files have
// optional columns, read as blanks when absent.
func partial(c map[roster.Kind][]string) bool {
	return len(c) < len(roster.Kinds)
}

// writeDiff prints the comparison in the chosen style.
func writeDiff(deps *Deps, style string, rep *DiffReport, limit int) error {
	out := deps.IO.Out
	switch style {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		w := newSafeCSV(out)
		w.Write([]string{"entity", "id", "kind", "field", "old", "new"}) //nolint:errcheck // checked by Flush
		for _, c := range rep.Changes {
			for _, r := range changeRows(c) {
				w.Write(r) //nolint:errcheck
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		fmt.Fprintln(deps.IO.ErrOut, termSafe(diffSummaryLine(rep)))
		cutNote(deps.IO.ErrOut, rep)
		return nil
	case "table":
		return writeDiffTable(out, rep, limit)
	}
	return writeDiffText(out, deps.IO.ErrOut, rep)
}

// changeRows turns a change into rows of entity,id,kind,field,old,new: one per changed field,
// one with a blank field for an added or removed entity.
func changeRows(c diff.Change) [][]string {
	if c.Status != "" { // removed by a row marked so
		return [][]string{{c.Entity, c.ID, c.Kind, "status", "active", c.Status}}
	}
	if len(c.Fields) == 0 {
		return [][]string{{c.Entity, c.ID, c.Kind, "", "", ""}}
	}
	var rows [][]string
	for _, f := range sortedFields(c.Fields) {
		rows = append(rows, []string{c.Entity, c.ID, c.Kind, f, c.Fields[f].Old, c.Fields[f].New})
	}
	return rows
}

func sortedFields(m map[string]diff.FieldChange) []string {
	names := make([]string, 0, len(m))
	for f := range m {
		names = append(names, f)
	}
	slices.Sort(names)
	return names
}

// summaryKinds returns the kinds of the summary in report order.
func summaryKinds(res *diff.Result) []roster.Kind {
	var out []roster.Kind
	for _, k := range diff.Kinds() {
		if _, ok := res.Summary[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

func countsLine(c *diff.Counts) string {
	return fmt.Sprintf("%d added, %d removed (%s), %d changed, %d unchanged",
		c.Added, c.Removed, percent(c.RemovedPercent), c.Changed, c.Unchanged)
}

func percent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" }

// diffSummaryLine is the one-line summary: per kind, what differs.
func diffSummaryLine(rep *DiffReport) string {
	var parts []string
	for _, k := range summaryKinds(rep.Result) {
		c := rep.Summary[k]
		if c.Differing() == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %d added, %d removed (%s), %d changed", k, c.Added, c.Removed, percent(c.RemovedPercent), c.Changed))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s -> %s: no differences", rep.Old, rep.New)
	}
	return fmt.Sprintf("%s -> %s: %s", rep.Old, rep.New, strings.Join(parts, "; "))
}

// cutNote says on w how many changes --limit left out.
func cutNote(w io.Writer, rep *DiffReport) {
	if more := rep.Total() - len(rep.Changes); more > 0 && len(rep.Changes) > 0 {
		fmt.Fprintf(w, "%s not listed (--limit)\n", plural(more, "more change"))
	}
}

// noteText is a note's detail: old -> new.
func noteText(n diff.Note) (id, detail string) {
	switch n.Kind {
	case diff.NoteRekey, diff.NoteExcelDamage:
		return n.OldID + " -> " + n.NewID, n.Why
	}
	return n.ID, strings.Join(n.Old, ",") + " -> " + strings.Join(n.New, ",")
}

// noteMeaning explains each note kind in the table.
var noteMeaning = map[string]string{
	diff.NoteExcelDamage: "IDs a spreadsheet rewrote (leading zeros lost, scientific notation): fix the export",
	diff.NoteRekey:       "likely ID changes, not new students",
	diff.NoteSchoolMove:  "users whose schools changed",
	diff.NoteClassMove:   "users who left some classes and joined others",
}

// writeDiffText prints one line per summary kind, note and changed field, each through
// termSafe.
func writeDiffText(out, errOut io.Writer, rep *DiffReport) error {
	line := func(format string, a ...any) { fmt.Fprintln(out, termSafe(fmt.Sprintf(format, a...))) }
	for _, k := range summaryKinds(rep.Result) {
		line("summary %s: %s", k, countsLine(rep.Summary[k]))
	}
	for _, n := range rep.Notes {
		id, detail := noteText(n)
		line("note %s %s %s: %s", n.Kind, n.Entity, id, detail)
	}
	for _, c := range rep.Changes {
		if c.Status != "" {
			fmt.Fprintf(out, "%s %s %s: status %q\n", c.Kind, c.Entity, c.ID, c.Status)
			continue
		}
		if len(c.Fields) == 0 {
			line("%s %s %s", c.Kind, c.Entity, c.ID)
			continue
		}
		for _, f := range sortedFields(c.Fields) {
			line("%s %s %s: %s %s -> %s", c.Kind, c.Entity, c.ID, f, strconv.Quote(c.Fields[f].Old), strconv.Quote(c.Fields[f].New))
		}
	}
	cutNote(errOut, rep)
	return nil
}

// writeDiffTable prints, in one screen for a nightly diff: the counts per kind, the notes by
// kind, then the first notes and changes.
func writeDiffTable(out io.Writer, rep *DiffReport, limit int) error {
	fmt.Fprintln(out, termSafe(fmt.Sprintf("old: %s (%s)", rep.Old, rep.OldFormat)))
	fmt.Fprintln(out, termSafe(fmt.Sprintf("new: %s (%s)", rep.New, rep.NewFormat)))
	if rep.OldFormat != rep.NewFormat {
		for _, k := range summaryKinds(rep.Result) {
			fmt.Fprintf(out, "compared %s fields: %s\n", k.Singular(), strings.Join(rep.Compared[k.Singular()], ", "))
		}
		if rep.Roles != nil {
			fmt.Fprintf(out, "compared user roles: %s\n", strings.Join(rep.Roles, ", "))
		}
		if rep.OrgTypes != nil {
			fmt.Fprintf(out, "compared org types: %s\n", strings.Join(rep.OrgTypes, ", "))
		}
		for _, role := range slices.Sorted(maps.Keys(rep.RoleOmits)) {
			fmt.Fprintf(out, "not compared for %s: %s\n", role, strings.Join(rep.RoleOmits[role], ", "))
		}
	}
	fmt.Fprintln(out)
	var rows [][]string
	for _, k := range summaryKinds(rep.Result) {
		c := rep.Summary[k]
		rows = append(rows, []string{string(k), strconv.Itoa(c.Old()), strconv.Itoa(c.New()), strconv.Itoa(c.Added),
			strconv.Itoa(c.Removed), percent(c.RemovedPercent), strconv.Itoa(c.Changed), strconv.Itoa(c.Unchanged)})
	}
	if err := renderTable(out, []string{"entity", "old", "new", "added", "removed", "removed %", "changed", "unchanged"}, rows); err != nil {
		return err
	}
	if rep.Identical() {
		fmt.Fprintln(out, "\nno differences")
		return nil
	}
	if len(rep.Notes) > 0 {
		byKind := map[string]int{}
		for _, n := range rep.Notes {
			byKind[n.Kind]++
		}
		rows = rows[:0]
		for _, k := range []string{diff.NoteExcelDamage, diff.NoteRekey, diff.NoteSchoolMove, diff.NoteClassMove} {
			if byKind[k] > 0 {
				rows = append(rows, []string{k, strconv.Itoa(byKind[k]), noteMeaning[k]})
			}
		}
		fmt.Fprintln(out)
		if err := renderTable(out, []string{"note", "count", "meaning"}, rows); err != nil {
			return err
		}
		rows = rows[:0]
		for i, n := range rep.Notes {
			if limit > 0 && i >= limit {
				break
			}
			id, detail := noteText(n)
			rows = append(rows, []string{n.Kind, n.Entity, id, detail})
		}
		fmt.Fprintln(out)
		if err := renderTable(out, []string{"note", "entity", "id", "detail"}, rows); err != nil {
			return err
		}
		if limit > 0 && len(rep.Notes) > limit {
			fmt.Fprintf(out, "%s not listed (--limit, or -o json for all)\n", plural(len(rep.Notes)-limit, "more note"))
		}
	}
	if len(rep.Changes) == 0 {
		return nil
	}
	rows = rows[:0]
	for _, c := range rep.Changes {
		rows = append(rows, changeRows(c)...)
	}
	fmt.Fprintln(out)
	if err := renderTable(out, []string{"entity", "id", "kind", "field", "old", "new"}, rows); err != nil {
		return err
	}
	if more := rep.Total() - len(rep.Changes); more > 0 {
		fmt.Fprintf(out, "%s not listed (--limit N, or -o json / -o csv for all)\n", plural(more, "more change"))
	}
	return nil
}

// holders names the inputs whose format is, by is, with the verb: "a.csv (capti) holds", "a
// (clever) and b (clever) hold".
func holders(sides [2]*diffSide, is func(format.Format) bool) string {
	var by []string
	for _, s := range sides {
		if is(s.format) {
			by = append(by, fmt.Sprintf("%s (%s)", s.in.Path, s.format.Name()))
		}
	}
	verb := "holds"
	if len(by) > 1 {
		verb = "hold"
	}
	return strings.Join(by, " and ") + " " + verb
}
