package csvio

import (
	"fmt"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// HeaderSpec says what header a file must have.
type HeaderSpec struct {
	// Columns in their expected order.
	Columns []HeaderColumn
	// Ordered: the columns present must appear in the order of Columns.
	Ordered bool
	// Extra reports whether an unknown column name is an allowed extension (OneRoster metadata.*).
	// Nil: no extra columns allowed.
	Extra func(name string) bool
	// ExtraLast: allowed extra columns must come after every known column.
	ExtraLast bool
	// Hint is appended to header messages (e.g. what the format expects).
	Hint string
}

// HeaderColumn is one expected column.
type HeaderColumn struct {
	Name     string
	Optional bool // may be absent
}

// Columns is a HeaderSpec helper: every name required.
func Columns(names ...string) []HeaderColumn {
	out := make([]HeaderColumn, len(names))
	for i, n := range names {
		out[i] = HeaderColumn{Name: n}
	}
	return out
}

// CheckHeader compares got with spec, reports header problems (all on line 1) and returns, for
// each spec column, the index of the column in got that holds it (-1 when absent). A column in the
// wrong case, misspelled or out of order is still mapped, so the values can be checked; the
// header problem stands.
//
// A first row that is no header at all gets one problem and nil, and the caller reads no rows:
// a row that splits on ";" or tabs but not on "," (another separator: every row would be one
// cell), or a row none of whose cells names a column of spec exactly or in another case (a file
// without its header row, whose first row is data: its cells, passwords and birth dates among
// them, are never shown).
func CheckHeader(file string, got []string, spec HeaderSpec, rep roster.Reporter) []int {
	report := func(col, msg string) {
		if spec.Hint != "" {
			msg += "; " + spec.Hint
		}
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeHeader, File: file, Line: 1, Column: col, Message: msg})
	}
	if msg := notAHeader(got, spec); msg != "" {
		report("", msg)
		return nil
	}
	idx := make([]int, len(spec.Columns))
	for i := range idx {
		idx[i] = -1
	}
	exact := make(map[string]int, len(spec.Columns))
	fold := make(map[string]int, len(spec.Columns))
	for i, c := range spec.Columns {
		exact[c.Name] = i
		fold[strings.ToLower(c.Name)] = i
	}
	seen := make(map[string]int, len(got))
	kind := make([]int, len(got)) // 0 unknown, 1 exact, 2 case, 3 misspelled, 4 allowed extra, 5 duplicate/empty
	specOf := make([]int, len(got))
	for j, name := range got {
		specOf[j] = -1
		if strings.TrimSpace(name) == "" {
			report("", fmt.Sprintf("column %d has an empty header name", j+1))
			kind[j] = 5
			continue
		}
		if k, dup := seen[name]; dup {
			report(name, fmt.Sprintf("column %d: header %q appears twice (also column %d)", j+1, name, k+1))
			kind[j] = 5
			continue
		}
		seen[name] = j
		if i, ok := exact[name]; ok && idx[i] < 0 {
			idx[i], kind[j], specOf[j] = j, 1, i
		}
	}
	// Second pass: wrong case, then near misses, for columns not matched exactly.
	for j, name := range got {
		if kind[j] != 0 {
			continue
		}
		if i, ok := fold[strings.ToLower(strings.TrimSpace(name))]; ok && idx[i] < 0 {
			idx[i], kind[j], specOf[j] = j, 2, i
			report(name, fmt.Sprintf("column %d is %q, expected %q (header names are case-sensitive)", j+1, name, spec.Columns[i].Name))
			continue
		}
		if spec.Extra != nil && spec.Extra(name) {
			kind[j] = 4
			continue
		}
		best, bestD := -1, 3
		for i, c := range spec.Columns {
			if idx[i] >= 0 {
				continue
			}
			if d := editDistance(strings.ToLower(name), strings.ToLower(c.Name), bestD); d < bestD {
				best, bestD = i, d
			}
		}
		if best >= 0 {
			idx[best], kind[j], specOf[j] = j, 3, best
			report(name, fmt.Sprintf("column %d is %q, expected %q (misspelled?)", j+1, name, spec.Columns[best].Name))
			continue
		}
		if spec.Extra != nil {
			report(name, fmt.Sprintf("column %d: unexpected column %q", j+1, name))
		} else {
			report(name, fmt.Sprintf("column %d: unknown column %q", j+1, name))
		}
	}
	for i, c := range spec.Columns {
		if idx[i] < 0 && !c.Optional {
			report(c.Name, fmt.Sprintf("missing column %q (expected as column %d)", c.Name, i+1))
		}
	}
	if spec.Ordered {
		// The known columns present must keep the spec's relative order, with no gaps other than
		// absent optional columns; report the first place where they do not.
		want := make([]int, 0, len(spec.Columns))
		for i := range spec.Columns {
			if idx[i] >= 0 {
				want = append(want, i)
			}
		}
		pos := 0
		for j := range got {
			if specOf[j] < 0 {
				continue
			}
			if specOf[j] != want[pos] {
				msg := fmt.Sprintf("column %d is %s, expected %s: the columns are out of order", j+1, spec.Columns[specOf[j]].Name, spec.Columns[want[pos]].Name)
				if spec.Hint == "" { // a hint gives the columns already
					msg += " (columns must be in the order " + orderList(spec.Columns) + ")"
				}
				report(got[j], msg)
				break
			}
			pos++
		}
	}
	if spec.ExtraLast {
		lastKnown := -1
		for j := range got {
			if specOf[j] >= 0 {
				lastKnown = j
			}
		}
		for j := range got {
			if kind[j] == 4 && j < lastKnown {
				report(got[j], fmt.Sprintf("column %d: extension column %q must come after every standard column", j+1, got[j]))
			}
		}
	}
	return idx
}

// notAHeader says why got cannot be read as a header of spec, or "" when it can. Its message
// never holds a cell of got.
func notAHeader(got []string, spec HeaderSpec) string {
	if len(spec.Columns) == 0 {
		return ""
	}
	if len(got) == 1 {
		if msg := OtherSeparator(got[0]); msg != "" {
			return msg
		}
	}
	known := make(map[string]bool, len(spec.Columns))
	for _, c := range spec.Columns {
		known[strings.ToLower(c.Name)] = true
	}
	for _, name := range got {
		n := strings.TrimSpace(name)
		if known[strings.ToLower(n)] || spec.Extra != nil && spec.Extra(n) {
			return ""
		}
	}
	msg := fmt.Sprintf("the first row looks like data, not a header: none of its %s is a column name (its values are not shown); add the header row", plural(len(got), "cell"))
	if spec.Hint == "" { // a hint gives the columns already
		msg += " (" + orderList(spec.Columns) + ")"
	}
	return msg
}

// OtherSeparator says, for a header line with no comma that splits on ";" or tabs, which
// separator the file uses and the fix; "" otherwise.
func OtherSeparator(header string) string {
	if strings.Contains(header, ",") {
		return ""
	}
	semi, tab := strings.Count(header, ";"), strings.Count(header, "\t")
	switch {
	case semi > 0 && semi >= tab:
		return fmt.Sprintf("the header splits on \";\", not on \",\" (%d columns): the file uses semicolons between values, as Excel does in many countries; save it again as \"CSV UTF-8 (Comma delimited)\", or replace the separators with commas", semi+1)
	case tab > 0:
		return fmt.Sprintf("the header splits on tabs, not on \",\" (%d columns): the file is tab-separated; save it again as \"CSV UTF-8 (Comma delimited)\", or replace the tabs with commas", tab+1)
	}
	return ""
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func orderList(cols []HeaderColumn) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	s := strings.Join(names, ",")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// editDistance is the Levenshtein distance of a and b, or limit when it is at least limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
