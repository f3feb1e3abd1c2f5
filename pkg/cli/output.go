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
		w := csv.NewWriter(out)
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
		return fmt.Sprintf("%s: %s %s%s: %s", p.File, p.Severity, p.Code, col, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s %s%s: %s", p.File, p.Line, p.Severity, p.Code, col, p.Message)
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
	s := fmt.Sprintf("%s: %s, %s, %s: %s, %s, %s", r.Path, what,
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

// renderTable writes rows under header as a terminal table.
func renderTable(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithMaxWidth(160),
	)
	t.Header(toAny(header)...)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
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
