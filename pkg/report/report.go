// Package report renders validate and diff results as one self-contained HTML file that a
// person opens from an e-mail: styles and a small filter script inline, no network, no external
// fonts. It stays small whatever the input's size: problems are shown by group (file, code,
// column, severity), and the lists of notes and changes are capped, their counts never.
//
// Every value is escaped by html/template; secrets (passwords, birth dates) are masked even
// when the diff was asked to show them, since a report is made to be passed on.
package report

import (
	"cmp"
	"embed"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/state"
)

// Summary counts problems by severity and by code (validate's JSON summary).
type Summary struct {
	Errors   int
	Warnings int
	Infos    int
	ByCode   map[string]int
}

// Validation is one validated input, as validate's JSON shows it, with the problem groups its
// text output lists.
type Validation struct {
	Path    string
	Format  string
	Version string
	Files   []format.FileInfo
	Summary Summary
	Groups  []roster.Group
}

// Diff is a comparison, as diff's JSON shows it.
type Diff struct {
	Old, New             string
	OldFormat, NewFormat string
	OldSummary           Summary // the inputs' validation counts
	NewSummary           Summary
	Result               *diff.Result
}

// Meta says what made the report.
type Meta struct {
	Version string    // rostersync's
	Time    time.Time // when it ran
}

// The caps on what a report lists (the counts are never capped).
const (
	MaxSchools = 100 // schools in the per-school chart
	MaxNotes   = 100 // notes listed per note kind
	MaxChanges = 200 // changes listed
)

//go:embed report.html.tmpl
var files embed.FS

var page = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"n":   Thousands,
	"pct": func(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) + "%" },
	"bar": func(n, max int) string { // a bar's width in percent of the widest
		if max <= 0 || n <= 0 {
			return "0"
		}
		return strconv.FormatFloat(max1(float64(n)*100/float64(max)), 'f', 1, 64)
	},
	"join": strings.Join,
	"lines": func(first, last int) string {
		switch {
		case first == 0:
			return ""
		case first == last:
			return strconv.Itoa(first)
		}
		return strconv.Itoa(first) + "–" + strconv.Itoa(last)
	},
}).ParseFS(files, "report.html.tmpl"))

func max1(p float64) float64 { return max(p, 0.5) } // a non-zero count stays visible

// view is what the template renders.
type view struct {
	Title  string
	Meta   Meta
	Run    *Run
	Inputs []inputView
	Diff   *diffView
}

// Run is what a push or sync did (its report: in a profile).
type Run struct {
	Command     string // push or sync
	Profile     string
	Destination string
	Result      string // pushed, held, refused, dry-run, failed
	ID          string // the run record's (a held run's)
	Error       string // why it failed or was refused, when it was
	Guard       []*state.GuardStats
	Notes       []string
	Warnings    []string
}

// Publish writes the report of a push or sync: the run, then each input checked.
func Publish(w io.Writer, meta Meta, run Run, checked []Validation) error {
	v := view{Title: "rostersync " + run.Command, Meta: meta, Run: &run}
	if run.Profile != "" {
		v.Title += " " + run.Profile
	}
	for _, r := range checked {
		v.Inputs = append(v.Inputs, inputOf(r))
	}
	return page.Execute(w, v)
}

type inputView struct {
	Validation
	PerFile []fileRow
	Rows    int
	Codes   []codeCount
	Table   []problemRow
	Sevs    []string
}

// fileRow is a file's rows (Read false for a file that is not data, such as a manifest with
// problems) and its problems by severity.
type fileRow struct {
	Name                    string
	Rows                    int
	Read                    bool
	Errors, Warnings, Infos int
}

type codeCount struct {
	Code    string
	Count   int
	Meaning string
}

// problemRow is a row of the problem table: one problem, or a group of Count.
type problemRow struct {
	roster.Problem
	Count, Last int
}

// Validate writes the report of validated inputs to w.
func Validate(w io.Writer, meta Meta, results []Validation) error {
	v := view{Title: "rostersync validate", Meta: meta}
	for _, r := range results {
		v.Inputs = append(v.Inputs, inputOf(r))
	}
	if len(results) == 1 {
		v.Title += " " + results[0].Path
	}
	return page.Execute(w, v)
}

var meanings = func() map[string]string {
	m := map[string]string{}
	for _, c := range roster.Codes {
		m[c.Code] = c.Meaning
	}
	return m
}()

func inputOf(r Validation) inputView {
	in := inputView{Validation: r}
	at := map[string]int{}
	for _, f := range r.Files {
		in.Rows += f.Rows
		at[f.Name] = len(in.PerFile)
		in.PerFile = append(in.PerFile, fileRow{Name: f.Name, Rows: f.Rows, Read: true})
	}
	for _, g := range r.Groups {
		name := g.Kept[0].File
		i, ok := at[name]
		if !ok {
			i, at[name] = len(in.PerFile), len(in.PerFile)
			in.PerFile = append(in.PerFile, fileRow{Name: name})
		}
		switch g.Kept[0].Severity {
		case roster.Error:
			in.PerFile[i].Errors += g.Count
		case roster.Warning:
			in.PerFile[i].Warnings += g.Count
		default:
			in.PerFile[i].Infos += g.Count
		}
	}
	for c, n := range r.Summary.ByCode {
		in.Codes = append(in.Codes, codeCount{c, n, meanings[c]})
	}
	slices.SortFunc(in.Codes, func(a, b codeCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code)) })
	// As text output lists them: a group of more than roster.GroupKeep is one row, a smaller
	// one a row per problem; by file and line.
	for _, g := range r.Groups {
		if g.Count <= roster.GroupKeep {
			for _, p := range g.Kept {
				in.Table = append(in.Table, problemRow{Problem: p, Count: 1, Last: p.Line})
			}
			continue
		}
		in.Table = append(in.Table, problemRow{Problem: g.Kept[0], Count: g.Count, Last: g.Last})
	}
	slices.SortStableFunc(in.Table, func(a, b problemRow) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	for _, s := range []roster.Severity{roster.Error, roster.Warning, roster.Info} {
		if slices.ContainsFunc(in.Table, func(p problemRow) bool { return p.Severity == s }) {
			in.Sevs = append(in.Sevs, string(s))
		}
	}
	return in
}

type diffView struct {
	Diff
	Kinds      []kindRow
	MaxKind    int
	Schools    []diff.SchoolCounts
	MoreSchool int
	MaxSchool  int
	NoteKinds  []noteKind
	Fields     []fieldCount
	Changes    []changeRow
	MoreChange int
	Inputs     []inputView // the inputs' validation counts
}

type kindRow struct {
	Kind string
	*diff.Counts
	Old, New int
}

type noteKind struct {
	Kind, Meaning string
	Count         int
	Notes         []noteRow
}

type noteRow struct{ Entity, ID, Detail string }

type fieldCount struct {
	Entity, Field string
	Count         int
}

type changeRow struct {
	Entity, ID, Kind, Field, Old, New string
}

// NoteMeaning explains each note kind.
var NoteMeaning = map[string]string{
	diff.NoteExcelDamage: "IDs a spreadsheet rewrote (leading zeros lost, scientific notation): fix the export",
	diff.NoteRekey:       "likely ID changes, not new students",
	diff.NoteSchoolMove:  "users whose schools changed",
	diff.NoteClassMove:   "users who left some classes and joined others",
}

// DiffReport writes the report of a comparison to w.
func DiffReport(w io.Writer, meta Meta, d Diff) error {
	return page.Execute(w, view{Title: "rostersync diff " + d.Old + " " + d.New, Meta: meta, Diff: diffOf(d)})
}

func diffOf(d Diff) *diffView {
	v := &diffView{Diff: d}
	res := d.Result
	for _, k := range diff.Kinds() {
		c, ok := res.Summary[k]
		if !ok {
			continue
		}
		v.Kinds = append(v.Kinds, kindRow{Kind: string(k), Counts: c, Old: c.Old(), New: c.New()})
		v.MaxKind = max(v.MaxKind, c.Added, c.Removed, c.Changed)
	}
	v.Schools = res.Schools
	if len(v.Schools) > MaxSchools {
		v.Schools, v.MoreSchool = v.Schools[:MaxSchools], len(v.Schools)-MaxSchools
	}
	for _, s := range v.Schools {
		v.MaxSchool = max(v.MaxSchool, s.Added, s.Removed, s.Changed)
	}
	for _, k := range []string{diff.NoteExcelDamage, diff.NoteRekey, diff.NoteSchoolMove, diff.NoteClassMove} {
		nk := noteKind{Kind: k, Meaning: NoteMeaning[k]}
		for _, n := range res.Notes {
			if n.Kind != k {
				continue
			}
			if nk.Count++; len(nk.Notes) < MaxNotes {
				nk.Notes = append(nk.Notes, noteOf(n))
			}
		}
		if nk.Count > 0 {
			v.NoteKinds = append(v.NoteKinds, nk)
		}
	}
	fields := map[[2]string]int{}
	for _, c := range res.Changes {
		for f := range c.Fields {
			fields[[2]string{c.Entity, f}]++
		}
		if len(v.Changes) >= MaxChanges {
			v.MoreChange++
			continue
		}
		v.Changes = append(v.Changes, changeRows(c)...)
	}
	for k, n := range fields {
		v.Fields = append(v.Fields, fieldCount{Entity: k[0], Field: k[1], Count: n})
	}
	slices.SortFunc(v.Fields, func(a, b fieldCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Field, b.Field))
	})
	v.MoreChange += res.Total() - len(res.Changes) // left out by --limit
	v.Inputs = []inputView{
		inputOf(Validation{Path: d.Old, Format: d.OldFormat, Summary: d.OldSummary}),
		inputOf(Validation{Path: d.New, Format: d.NewFormat, Summary: d.NewSummary}),
	}
	return v
}

func noteOf(n diff.Note) noteRow {
	switch n.Kind {
	case diff.NoteRekey, diff.NoteExcelDamage:
		return noteRow{n.Entity, n.OldID + " → " + n.NewID, n.Why}
	}
	return noteRow{n.Entity, n.ID, strings.Join(n.Old, ", ") + " → " + strings.Join(n.New, ", ")}
}

// changeRows is a change as rows of the changes table, one per field, secrets masked.
func changeRows(c diff.Change) []changeRow {
	if c.Status != "" {
		return []changeRow{{c.Entity, c.ID, c.Kind, "status", "active", c.Status}}
	}
	if len(c.Fields) == 0 {
		return []changeRow{{Entity: c.Entity, ID: c.ID, Kind: c.Kind}}
	}
	names := make([]string, 0, len(c.Fields))
	for f := range c.Fields {
		names = append(names, f)
	}
	slices.Sort(names)
	rows := make([]changeRow, 0, len(names))
	for _, f := range names {
		fc := c.Fields[f]
		if diff.IsSecret(f) {
			fc = diff.Masked(fc)
		}
		rows = append(rows, changeRow{c.Entity, c.ID, c.Kind, f, fc.Old, fc.New})
	}
	return rows
}

// Thousands writes n with commas between thousands, as the reports and the command line's
// tables show counts: 10,732.
func Thousands(n int) string {
	if n < 0 {
		return "-" + Thousands(-n)
	}
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
