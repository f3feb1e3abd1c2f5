package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/transport"
)

// This file is the only place tablewriter is used.

// writeValidateResults prints the results in the chosen style: data on stdout, the summary on
// stderr. Quiet writes nothing unless failing (errors, or warnings under --strict). With several
// PATHs, the text, table and csv styles name a file inside a folder or zip PATH/file, so each
// line says which input it is about (JSON has the path in each object).
func writeValidateResults(deps *Deps, style string, quiet, failing bool, results []*ValidateResult) error {
	out, errOut := deps.IO.Out, deps.IO.ErrOut
	if quiet && !failing {
		return nil
	}
	switch style {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if len(results) == 1 {
			enc.SetIndent("", "  ")
		}
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		w := newSafeCSV(out)
		w.Write([]string{"severity", "code", "file", "line", "column", "message"}) //nolint:errcheck // checked by Flush
		for _, r := range results {
			for _, p := range r.Problems {
				w.Write([]string{string(p.Severity), p.Code, shownFile(results, r, p), strconv.Itoa(p.Line), p.Column, p.Message}) //nolint:errcheck
			}
		}
		w.Flush()
		return w.Error()
	case "table":
		var rows [][]string
		for _, r := range results {
			for _, p := range r.Problems {
				rows = append(rows, []string{shownFile(results, r, p), strconv.Itoa(p.Line), string(p.Severity), p.Code, p.Column, p.Message})
			}
		}
		if len(rows) > 0 {
			if err := renderTable(out, []string{"file", "line", "severity", "code", "column", "message"}, rows); err != nil {
				return err
			}
		}
	default:
		for _, r := range results {
			for _, p := range r.Problems {
				p.File = shownFile(results, r, p)
				fmt.Fprintln(out, problemLine(p))
			}
		}
	}
	if quiet {
		return nil
	}
	for _, r := range results {
		fmt.Fprintln(errOut, validateSummaryLine(r))
	}
	return nil
}

// shownFile is the file a problem of r is shown under: with several results, joined to where
// its input's files are (a folder, the folder inside it that was read, a zip, a URL; a lone
// file's folder for the other files of its package), so each line says which input it is
// about. A zip's own problems name the zip's path; stdin's stay as they are.
func shownFile(results []*ValidateResult, r *ValidateResult, p roster.Problem) string {
	switch {
	case len(results) < 2 || p.File == "" || p.File == r.Path:
		return p.File
	case p.File == filepath.Base(r.Path): // a zip's own problem
		return r.Path
	case r.base == "":
		return p.File
	case transport.IsURL(r.base): // path.Join would fold its "//"
		return strings.TrimSuffix(r.base, "/") + "/" + p.File
	}
	return path.Join(filepath.ToSlash(r.base), p.File)
}

// problemLine is the text form of a problem: file:line: severity code [column]: message
// (file: … for a problem about the whole file).
func problemLine(p roster.Problem) string {
	col := ""
	if p.Column != "" {
		col = " [" + p.Column + "]"
	}
	if p.Line == 0 { // a file-level problem
		return termSafe(fmt.Sprintf("%s: %s %s%s: %s", p.File, p.Severity, p.Code, col, p.Message))
	}
	return termSafe(fmt.Sprintf("%s:%d: %s %s%s: %s", p.File, p.Line, p.Severity, p.Code, col, p.Message))
}

func validateSummaryLine(r *ValidateResult) string {
	rows := 0
	for _, f := range r.Files {
		rows += f.Rows
	}
	what := r.Format
	if r.Version != "" {
		what += " " + r.Version
	}
	s := fmt.Sprintf("%s: %s, %s, %s: %s, %s, %s", termSafe(r.Path), what,
		plural(len(r.Files), "file"), plural(rows, "row"),
		plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"), plural(r.Summary.Infos, "info"))
	if r.Truncated {
		s += fmt.Sprintf(" (listing cut at %d: --max-problems)", len(r.Problems))
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// renderTable writes rows under header as a terminal table, every cell escaped (termSafe).
func renderTable(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithMaxWidth(160),
	)
	t.Header(toAny(header)...)
	safe := make([][]string, len(rows))
	for i, r := range rows {
		safe[i] = make([]string, len(r))
		for j, c := range r {
			safe[i][j] = termSafe(c)
		}
	}
	if err := t.Bulk(safe); err != nil {
		return err
	}
	return t.Render()
}

// termSafe is s as a terminal may show it: the characters a terminal obeys or that hide or
// reorder text are written as Go escapes (\x1b, \u202e): control characters (ESC, BEL, CR,
// tab, C1), format characters (bidi controls such as U+202E, zero-width spaces and joiners, a
// BOM), line and paragraph separators, and bytes that are not UTF-8. Every table and text
// output goes through it; JSON escapes by its own rules, CSV output through csvSafe.
func termSafe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	if r >= 0x20 && r < 0x7f {
		return false // the common case, first
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// csvSafe neutralises a cell a spreadsheet would run as a formula, by OWASP's rule: a cell
// starting with = + - @, a tab or a CR gets a single quote in front. For the CSV output people
// open (validate -o csv, diff -o csv); the roster files rostersync writes stay byte-faithful.
func csvSafe(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// safeCSV is a csv.Writer whose every cell goes through csvSafe.
type safeCSV struct {
	*csv.Writer
	rec []string
}

func newSafeCSV(w io.Writer) *safeCSV { return &safeCSV{Writer: csv.NewWriter(w)} }

// Write writes rec with its cells neutralised.
func (s *safeCSV) Write(rec []string) error {
	s.rec = s.rec[:0]
	for _, c := range rec {
		s.rec = append(s.rec, csvSafe(c))
	}
	return s.Writer.Write(s.rec)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// writeJSON prints v as indented JSON on stdout.
func writeJSON(deps *Deps, v any) error {
	enc := json.NewEncoder(deps.IO.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
