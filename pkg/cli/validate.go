package cli

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/transport"
)

// ValidateOptions are the parsed flags and arguments of validate.
type ValidateOptions struct {
	Global      *GlobalOptions
	Format      formatFlags
	Strict      bool
	Ignore      []string
	MaxProblems int
	All         bool   // list each problem in text and table output, not groups
	Summary     bool   // the counts only
	Report      string // an HTML report to write (--report)
	Paths       []string
	Options     format.Options
}

func newValidateCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &ValidateOptions{Global: g}
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check roster files exactly as the vendor will",
		Long: `Detect the format of each PATH (a file, a directory, a .zip, - for stdin, or an
sftp:// URL) and check it against the format's rules. Each problem names the file, the line where
the record starts, the column, and what is expected. Problems are sorted by file and line; a
one-line summary goes to stderr.

Output (-o): text (one line per problem: file:line: severity code [column]: message), table,
json (one object per PATH; JSON Lines for several), csv (severity,code,file,line,column,message).
Text and table show a file, code and column repeated more than 3 times as one line with the
count, the first and last lines and the first message (--all lists each); json and csv list
every problem. --max-problems caps the listing, never the counts per code (summary.by_code).

--report FILE.html also writes one self-contained HTML report (mode 0600): the inputs, counts
per file and per code, and every group of problems in a table with a filter.
` + exitStatusHelp,
		Example: `  rostersync validate examples/oneroster
  rostersync validate export.zip -o json
  rostersync validate --format students --site-map sites.xlsx students.csv
  rostersync validate --ignore formula --strict users.csv
  rostersync validate --report night.html export.zip
  cat users.csv | rostersync validate --format oneroster -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			fopts, _, err := opts.Format.resolve(cmd, deps, g)
			if err != nil {
				return err
			}
			opts.Options = fopts
			return runValidate(cmd.Context(), deps, opts)
		},
	}
	f := cmd.Flags()
	opts.Format.AddFlags(cmd, deps.Formats, format.Reading)
	f.BoolVar(&opts.Strict, "strict", false, "warnings count as errors for the exit code")
	f.StringSliceVar(&opts.Ignore, "ignore", nil, "drop problems with this code (repeatable, or comma-separated)")
	f.IntVar(&opts.MaxProblems, "max-problems", 1000, "list at most N problems (text, table: rows) per PATH (counts are never capped; 0: no cap)")
	f.BoolVar(&opts.All, "all", false, "text and table: list each problem (not one line per repeated file, code and column)")
	f.BoolVar(&opts.Summary, "summary", false, "print the counts per code only")
	f.StringVar(&opts.Report, "report", "", "also write a self-contained HTML report to `FILE`")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion(deps.Formats.Names()...))
	_ = cmd.RegisterFlagCompletionFunc("ignore", problemCodeCompletion)
	_ = cmd.RegisterFlagCompletionFunc("input-encoding", fixedCompletion("windows-1252", "latin1"))
	outputs(cmd, allStyles...)
	return cmd
}

func problemCodeCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	out := make([]string, len(roster.Codes))
	for i, c := range roster.Codes {
		out[i] = c.Code + "\t" + c.Meaning
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// ValidateResult is the outcome for one PATH, shaped as SPEC §3.1's JSON.
type ValidateResult struct {
	Path      string            `json:"path"`
	Format    string            `json:"format"`
	Version   string            `json:"version"`
	Files     []format.FileInfo `json:"files"`
	Problems  []roster.Problem  `json:"problems"`
	Summary   Summary           `json:"summary"`
	Truncated bool              `json:"truncated"`

	// base is where the files its problems name are, for showing them with several PATHs:
	// the folder read, the zip, a lone file's folder; "" for stdin.
	base string
	// groups are every (file, code, column, severity) of the problems, for the grouped listing.
	groups []roster.Group
	// cutAt is the number of rows of a grouped listing cut by --max-problems (0: not cut).
	cutAt int
}

// Summary counts problems by severity and by code (every problem, whether listed or not).
type Summary struct {
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Infos    int            `json:"infos"`
	ByCode   map[string]int `json:"by_code"`
}

// codesByCount returns the codes of by, most frequent first (then by code).
func codesByCount(by map[string]int) []string {
	codes := make([]string, 0, len(by))
	for c := range by {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int { return cmp.Or(cmp.Compare(by[b], by[a]), cmp.Compare(a, b)) })
	return codes
}

// summaryOf is the counts of probs.
func summaryOf(probs *roster.Problems) Summary {
	by := make(map[string]int, len(probs.ByCode))
	for c, n := range probs.ByCode {
		by[c] = n
	}
	return Summary{Errors: probs.Errors, Warnings: probs.Warnings, Infos: probs.Infos, ByCode: by}
}

// byCodeText is the counts per code, most frequent first (then by code): "dangling-ref 5,
// bad-email 1"; "" when there are none.
func byCodeText(by map[string]int) string {
	codes := codesByCount(by)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c + " " + strconv.Itoa(by[c])
	}
	return strings.Join(parts, ", ")
}

func runValidate(ctx context.Context, deps *Deps, opts *ValidateOptions) error {
	if err := checkReportPath(opts.Report); err != nil {
		return err
	}
	style, err := opts.Global.outputStyle(deps)
	if err != nil {
		return err
	}
	fopts := opts.Options
	if opts.MaxProblems < 0 {
		return usageError(fmt.Errorf("--max-problems must be 0 or more"))
	}
	ignore := map[string]bool{}
	known := map[string]bool{}
	for _, c := range roster.Codes {
		known[c.Code] = true
	}
	for _, c := range opts.Ignore {
		if !known[c] {
			return usageError(fmt.Errorf("--ignore %q: no such problem code", c), "codes: "+codeList())
		}
		ignore[c] = true
	}
	stdinUsed := false
	var results []*ValidateResult
	for _, path := range opts.Paths {
		if path == "-" {
			if stdinUsed {
				return usageError(fmt.Errorf("stdin (-) given twice"))
			}
			stdinUsed = true
		}
		res, err := validatePath(ctx, deps, opts, fopts, ignore, path)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	failing := false
	for _, r := range results {
		if r.Summary.Errors > 0 || (opts.Strict && r.Summary.Warnings > 0) {
			failing = true
		}
	}
	if opts.Report != "" {
		if err := writeValidateReport(deps, opts.Report, results); err != nil {
			return err
		}
	}
	list := listing{all: opts.All, summary: opts.Summary, max: opts.MaxProblems}
	if err := writeValidateResults(deps, style, opts.Global.Quiet, failing, list, results); err != nil {
		return err
	}
	if failing {
		return errFindings
	}
	return nil
}

// baseOf is where the files an input's problems name are (see ValidateResult.base).
func baseOf(in *input) string {
	remote := transport.IsURL(in.Path)
	switch {
	case in.Path == "-" || remote && in.Single != "":
		return ""
	case in.Single != "":
		return filepath.Dir(in.Path)
	case in.Dir != "" && !remote:
		return in.Dir
	}
	return in.Path
}

func codeList() string {
	names := make([]string, len(roster.Codes))
	for i, c := range roster.Codes {
		names[i] = c.Code
	}
	return strings.Join(names, ", ")
}

// validatePath reads one PATH with its format and returns what was found.
func validatePath(ctx context.Context, deps *Deps, opts *ValidateOptions, fopts format.Options, ignore map[string]bool, path string) (*ValidateResult, error) {
	in, f, err := openPicked(ctx, deps, opts.Global, path, opts.Format.Format, false)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	probs := &roster.Problems{Max: opts.MaxProblems, Ignore: ignore}
	counted := *in
	var done func()
	counted.FS, done = readProgress(deps, opts.Global.Quiet, path, in.FS)
	info, err := readInput(ctx, f, &counted, fopts, roster.Discard{}, probs)
	done()
	if err != nil {
		return nil, err
	}
	if info.Files == nil {
		info.Files = []format.FileInfo{}
	}
	list := probs.ListFound()
	if len(list) == 0 {
		list = []roster.Problem{}
	}
	return &ValidateResult{
		Path: path, Format: shownFormat(f, in, opts.Format.Format), Version: info.Version, Files: info.Files,
		Problems: list, Truncated: probs.Truncated, base: baseOf(in), groups: probs.Groups(),
		Summary: summaryOf(probs),
	}, nil
}
