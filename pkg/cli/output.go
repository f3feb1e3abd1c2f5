package cli

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"golang.org/x/term"

	"github.com/rostersync/rostersync/pkg/report"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/transport"
)

// This file is the only place tablewriter is used.

// writeValidateResults prints the results in the chosen style: data on stdout, the summary on
// stderr. Quiet writes nothing unless failing (errors, or warnings under --strict). With several
// PATHs, the text, table and csv styles name a file inside a folder or zip PATH/file, so each
// line says which input it is about (JSON has the path in each object).
func writeValidateResults(deps *Deps, style string, quiet, failing bool, list listing, results []*ValidateResult) error {
	out, errOut := deps.IO.Out, deps.IO.ErrOut
	if quiet && !failing {
		return nil
	}
	if list.summary {
		for _, r := range results {
			r.Problems, r.Truncated = []roster.Problem{}, false
		}
		if style == "text" || style == "table" {
			if err := writeCodeCounts(out, style, results); err != nil {
				return err
			}
			style = "none"
		}
	}
	switch style {
	case "none":
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
			for _, row := range listedRows(r, list) {
				p := row.Problem
				line, msg := linesText(p.Line, p.Line, ""), p.Message
				if row.count > 1 {
					line, msg = linesText(p.Line, row.last, "–"), groupText(row)
				}
				rows = append(rows, []string{shownFile(results, r, p), line, string(p.Severity), p.Code, p.Column, msg})
			}
		}
		if len(rows) > 0 {
			if err := renderProblemTable(out, termWidth(deps), rows); err != nil {
				return err
			}
		}
	default:
		for _, r := range results {
			for _, row := range listedRows(r, list) {
				row.File = shownFile(results, r, row.Problem)
				if row.count > 1 {
					row.Message = groupText(row)
				}
				fmt.Fprintln(out, problemLine(row.Problem))
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

// listing says how text and table output list problems.
type listing struct {
	all     bool // each problem (the kept ones, up to max), not groups
	summary bool // the counts only
	max     int  // rows at most (0: no cap)
}

// listedRow is one row of a listing: a problem, or a group of count problems from the
// problem's line to last.
type listedRow struct {
	roster.Problem
	count, last int
}

// listedRows are the rows text and table output show for r. With list.all, its kept problems;
// else its groups: a group of more than roster.GroupKeep problems is one row, smaller ones a
// row per problem. --max-problems caps the rows so that every group gets its row before any
// small group is listed problem by problem; with more groups than rows, the first ones are
// shown and r.cutAt says so.
func listedRows(r *ValidateResult, list listing) []listedRow {
	var rows []listedRow
	if list.all || r.groups == nil {
		for _, p := range r.Problems {
			rows = append(rows, listedRow{Problem: p, count: 1, last: p.Line})
		}
		return rows
	}
	groups := r.groups
	r.cutAt = 0
	if list.max > 0 && len(groups) > list.max {
		groups, r.cutAt = groups[:list.max], list.max
	}
	spare := -1 // rows left for listing small groups problem by problem (-1: no cap)
	if list.max > 0 {
		spare = list.max - len(groups)
	}
	for _, g := range groups {
		small := g.Count <= roster.GroupKeep
		if small && (spare < 0 || spare >= g.Count-1) {
			for _, p := range g.Kept {
				rows = append(rows, listedRow{Problem: p, count: 1, last: p.Line})
			}
			if spare > 0 {
				spare -= g.Count - 1
			}
			continue
		}
		rows = append(rows, listedRow{Problem: g.Kept[0], count: g.Count, last: g.Last})
	}
	// By file and line; within a line, the groups' order: the order found (columns left to right).
	slices.SortStableFunc(rows, func(a, b listedRow) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return rows
}

// groupedLines are the text lines of probs' problems that keep says to show, grouped as
// validate's text output groups them (a (file, code, column, message) repeated more than
// roster.GroupKeep times is one line), at most max lines (0: all): push and sync list a refused
// input's problems so, and a lone problem is never hidden after a thousand alike.
func groupedLines(probs *roster.Problems, max int, keep func(roster.Problem) bool) []string {
	var groups []roster.Group
	for _, g := range probs.Groups() {
		if keep(g.Kept[0]) {
			groups = append(groups, g)
		}
	}
	var lines []string
	for _, row := range listedRows(&ValidateResult{groups: groups}, listing{max: max}) {
		if row.count > 1 {
			row.Message = groupText(row)
		}
		lines = append(lines, problemLine(row.Problem))
	}
	return lines
}

// groupText is the message of a group's row: "1,200 problems, lines 42–1241; the first: …".
func groupText(row listedRow) string {
	where := ""
	switch {
	case row.Line == 0:
	case row.Line == row.last:
		where = fmt.Sprintf(" on line %d", row.Line)
	default:
		where = ", lines " + linesText(row.Line, row.last, "–")
	}
	return fmt.Sprintf("%s problems%s; the first: %s", report.Thousands(row.count), where, row.Message)
}

// linesText is "first–last", or one line.
func linesText(first, last int, dash string) string {
	switch {
	case first == 0:
		return ""
	case first == last:
		return strconv.Itoa(first)
	}
	return strconv.Itoa(first) + dash + strconv.Itoa(last)
}

// writeCodeCounts prints the counts per code of every result (--summary): "code: N" lines, or a
// table of code and count.
func writeCodeCounts(out io.Writer, style string, results []*ValidateResult) error {
	total := map[string]int{}
	for _, r := range results {
		for c, n := range r.Summary.ByCode {
			total[c] += n
		}
	}
	var rows [][]string
	for _, code := range codesByCount(total) {
		rows = append(rows, []string{code, report.Thousands(total[code])})
	}
	if style == "table" {
		if len(rows) == 0 {
			return nil
		}
		return renderTable(out, []string{"code", "problems"}, rows)
	}
	for _, r := range rows {
		fmt.Fprintf(out, "%s: %s\n", r[0], r[1])
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
	if by := byCodeText(r.Summary.ByCode); by != "" {
		s += " (" + by + ")"
	}
	switch {
	case r.cutAt > 0:
		s += fmt.Sprintf(" (listing cut at %d: --max-problems)", r.cutAt)
	case r.Truncated && r.groups == nil:
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

// termWidth is the width a table on stdout fits in: the terminal's, else $COLUMNS, else 160.
func termWidth(deps *Deps) int {
	if f, ok := deps.IO.Out.(*os.File); ok && deps.IO.IsStdoutTTY {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if deps.Getenv != nil {
		if w, err := strconv.Atoi(deps.Getenv("COLUMNS")); err == nil && w > 0 {
			return w
		}
	}
	return 160
}

// renderProblemTable writes problem rows (file, line, severity, code, column, message) as a
// table within width: every column but the message as wide as its widest cell, the file column
// cut from the left ("…/users.csv") when the message would have fewer than 30 cells, and the
// message wrapped at words in the room left.
func renderProblemTable(w io.Writer, width int, rows [][]string) error {
	header := []string{"file", "line", "severity", "code", "column", "message"}
	safe := make([][]string, len(rows))
	for i, r := range rows {
		safe[i] = make([]string, len(r))
		for j, c := range r {
			safe[i][j] = termSafe(c)
		}
	}
	var widths [5]int
	for j := range widths {
		widths[j] = runewidth.StringWidth(header[j])
		for _, r := range safe {
			widths[j] = max(widths[j], runewidth.StringWidth(r[j]))
		}
	}
	const border, minMessage, minFile = 3*6 + 1, 30, 12
	fixed := border
	for _, n := range widths {
		fixed += n
	}
	fileW := widths[0]
	if short := minMessage - (width - fixed); short > 0 {
		fileW = max(minFile, widths[0]-short)
	}
	msgW := max(10, width-fixed+widths[0]-fileW)
	for _, r := range safe {
		r[0] = cutLeft(r[0], fileW)
		r[5] = wrapWords(r[5], msgW)
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header(toAny(header)...)
	if err := t.Bulk(safe); err != nil {
		return err
	}
	return t.Render()
}

// cutLeft shortens s to width cells by dropping its start: "…/nightly/users.csv".
func cutLeft(s string, width int) string {
	if runewidth.StringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for i := range r {
		if runewidth.StringWidth(string(r[i:])) <= width-1 {
			return "…" + string(r[i:])
		}
	}
	return "…"
}

// wrapWords breaks s into lines of at most width cells at spaces (a longer word is cut).
func wrapWords(s string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for runewidth.StringWidth(word) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			head := runewidth.Truncate(word, width, "")
			lines, word = append(lines, head), word[len(head):]
		}
		switch {
		case line == "":
			line = word
		case runewidth.StringWidth(line)+1+runewidth.StringWidth(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
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
