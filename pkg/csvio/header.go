package csvio

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/suggest"
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
//
// The problems are reported in the order of the columns (a missing column where it was
// expected), the Hint on the first only, and a run of empty names as one problem.
func CheckHeader(file string, got []string, spec HeaderSpec, rep roster.Reporter) []int {
	type found struct {
		pos      int
		col, msg string
	}
	var problems []found
	at := func(pos int) func(col, msg string) {
		return func(col, msg string) { problems = append(problems, found{pos, col, msg}) }
	}
	defer func() {
		slices.SortStableFunc(problems, func(a, b found) int { return cmp.Compare(a.pos, b.pos) })
		for i, p := range problems {
			if i == 0 && spec.Hint != "" {
				p.msg += "; " + spec.Hint
			}
			rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeHeader, File: file, Line: 1, Column: p.col, Message: p.msg})
		}
	}()
	if msg := notAHeader(got, spec); msg != "" {
		at(0)("", msg)
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
		report := at(j + 1)
		if strings.TrimSpace(name) == "" {
			kind[j] = 5
			if j > 0 && strings.TrimSpace(got[j-1]) == "" {
				continue // reported with the run's first
			}
			end := j
			for end+1 < len(got) && strings.TrimSpace(got[end+1]) == "" {
				end++
			}
			switch {
			case end == j:
				report("", fmt.Sprintf("column %d has an empty header name", j+1))
			case end == len(got)-1:
				report("", fmt.Sprintf("columns %d–%d have empty header names (a trailing %q? remove them)", j+1, end+1, strings.Repeat(",", end-j+1)))
			default:
				report("", fmt.Sprintf("columns %d–%d have empty header names", j+1, end+1))
			}
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
		report := at(j + 1)
		if i, ok := fold[strings.ToLower(strings.TrimSpace(name))]; ok && idx[i] < 0 {
			idx[i], kind[j], specOf[j] = j, 2, i
			report(name, fmt.Sprintf("column %d is %q, expected %q (header names are case-sensitive)", j+1, name, spec.Columns[i].Name))
			continue
		}
		if spec.Extra != nil && spec.Extra(name) {
			kind[j] = 4
			continue
		}
		var unmatched []string
		for i, c := range spec.Columns {
			if idx[i] < 0 {
				unmatched = append(unmatched, c.Name)
			}
		}
		best := -1
		if near := suggest.Closest(name, unmatched); near != "" {
			best = slices.IndexFunc(spec.Columns, func(c HeaderColumn) bool { return c.Name == near })
		}
		if best >= 0 {
			idx[best], kind[j], specOf[j] = j, 3, best
			report(name, fmt.Sprintf("column %d is %q, expected %q (misspelled?)", j+1, name, spec.Columns[best].Name))
			continue
		}
		if dataLike(name) { // perhaps a birth date or an e-mail: never shown
			report(fmt.Sprintf("column %d", j+1), fmt.Sprintf("column %d: its name looks like a value (a number, a date or an e-mail), not a column name; it is not shown", j+1))
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
			at(i+1)(c.Name, fmt.Sprintf("missing column %q (expected as column %d)", c.Name, i+1))
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
				at(j+1)(got[j], msg)
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
				at(j+1)(got[j], fmt.Sprintf("column %d: extension column %q must come after every standard column", j+1, got[j]))
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
	names, values := 0, 0
	for _, name := range got {
		n := strings.TrimSpace(name)
		switch {
		case known[strings.ToLower(n)] || spec.Extra != nil && spec.Extra(n):
			names++
		case dataLike(n):
			values++
		}
	}
	// A header with a column name is a header, unless most of it is not and some of it looks
	// like values: a row of data whose password happens to be "password".
	if names > 0 && (values == 0 || 2*names > len(got)) {
		return ""
	}
	msg := fmt.Sprintf("the first row looks like data, not a header: none of its %s is a column name (its values are not shown); add the header row", plural(len(got), "cell"))
	if spec.Hint == "" { // a hint gives the columns already
		msg += " (" + orderList(spec.Columns) + ")"
	}
	return msg
}

// dataLike reports whether a header cell looks like a value rather than a column name: an
// e-mail address, or only digits with date separators (a number, a date).
func dataLike(s string) bool {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		return true
	}
	digits := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r == '-' || r == '/' || r == '.' || r == ':' || r == ' ' || r == 'T' || r == 'Z':
		default:
			return false
		}
	}
	return digits
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

// Placed is a column of a file's spec that its header has: the spec's column, its index in the
// spec, and its index in a record.
type Placed[C any] struct {
	Spec *C
	I    int
	At   int
}

// Place returns the columns of spec that idx places in a record (idx maps a spec column to
// its record index, -1 when the header lacks it, as CheckHeader returns), in spec order: what a
// reader's per-row checks walk, each row, without the columns the file does not have.
func Place[C any](spec []C, idx []int) []Placed[C] {
	var out []Placed[C]
	for i := range spec {
		if i < len(idx) && idx[i] >= 0 {
			out = append(out, Placed[C]{Spec: &spec[i], I: i, At: idx[i]})
		}
	}
	return out
}
