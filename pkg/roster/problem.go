package roster

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Severity says how serious a Problem is.
type Severity string

// Severities, most serious first.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Problem codes (SPEC §3.1). They are stable: users filter them with --ignore.
const (
	CodeEncoding        = "encoding"
	CodeParse           = "parse"
	CodeRaggedRow       = "ragged-row"
	CodeHeader          = "header"
	CodeMissingFile     = "missing-file"
	CodeEmptyFile       = "empty-file"
	CodeManifest        = "manifest"
	CodeMissingRequired = "missing-required"
	CodeTooLong         = "too-long"
	CodeBadEnum         = "bad-enum"
	CodeBadBoolean      = "bad-boolean"
	CodeBadDate         = "bad-date"
	CodeBadEmail        = "bad-email"
	CodeBadID           = "bad-id"
	CodeBadGrade        = "bad-grade"
	CodeBadList         = "bad-list"
	CodeDuplicateID     = "duplicate-id"
	CodeDanglingRef     = "dangling-ref"
	CodeExcelDamage     = "excel-damage"
	CodeFormula         = "formula"
	CodeLossy           = "lossy"
	CodeIDCollision     = "id-collision"
	CodeGuard           = "guard"
	CodeRepaired        = "repaired"
	CodePersonalData    = "personal-data"
)

// Codes lists every problem code with its meaning, for help text and completion.
var Codes = []struct{ Code, Meaning string }{
	{CodeEncoding, "not valid UTF-8, UTF-16, or bare CR line endings"},
	{CodeParse, "CSV syntax (unterminated quote, stray quote, line break in a field)"},
	{CodeRaggedRow, "a row with more or fewer cells than the header"},
	{CodeHeader, "a header missing, misspelled, duplicate, misordered or in the wrong case"},
	{CodeMissingFile, "a file the package needs is absent"},
	{CodeEmptyFile, "a file with no data rows"},
	{CodeManifest, "manifest.csv rows and versions"},
	{CodeMissingRequired, "a required value is blank"},
	{CodeTooLong, "a value longer than the format allows"},
	{CodeBadEnum, "a value not in the vocabulary (case-sensitive)"},
	{CodeBadBoolean, "a boolean other than true or false"},
	{CodeBadDate, "a date not written as the format requires"},
	{CodeBadEmail, "an e-mail address that is not valid"},
	{CodeBadID, "an identifier with characters or a length the format does not allow"},
	{CodeBadGrade, "a grade outside the vocabulary or not zero-padded"},
	{CodeBadList, "a list with empty items, spaces around items, or unquoted"},
	{CodeDuplicateID, "an identifier repeated in its file"},
	{CodeDanglingRef, "a reference to a record that is not in the package"},
	{CodeExcelDamage, "an identifier or value damaged by a spreadsheet"},
	{CodeFormula, "a cell that a spreadsheet would run as a formula"},
	{CodeLossy, "a conversion drops data"},
	{CodeIDCollision, "two rows map to one target identity"},
	{CodeGuard, "push or sync refused by the shrink guard"},
	{CodeRepaired, "a --fix repair"},
	{CodePersonalData, "a conversion writes personal data (birth dates): share it only as needed"},
}

// Problem is one finding about the input, with its position.
type Problem struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	File     string   `json:"file"`   // the name inside the package, or the path given for a single file
	Line     int      `json:"line"`   // 1-based physical line where the record starts; 0 for the whole file
	Column   string   `json:"column"` // header name, or empty
	Message  string   `json:"message"`
}

// Reporter receives problems as they are found.
type Reporter interface {
	Report(Problem)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Problem)

// Report calls f(p).
func (f ReporterFunc) Report(p Problem) { f(p) }

// Problems keeps the problems of a run: all of the counts, and the first Max of the listing.
// The zero value keeps every problem.
type Problems struct {
	// Max caps the listing (0: no cap); the counts are never capped.
	Max int
	// Ignore lists codes to drop entirely.
	Ignore map[string]bool
	// Rename maps a file name to the name shown (a single-file input shows the path given).
	Rename map[string]string

	list                    []found
	seq                     int // problems found so far
	Errors, Warnings, Infos int
	// ByCode counts every problem reported (after Ignore) per code, never capped.
	ByCode map[string]int

	groups map[groupKey]*shapes
	// Truncated says the listing was capped.
	Truncated bool
}

// Report records p.
func (ps *Problems) Report(p Problem) {
	if ps.Ignore[p.Code] {
		return
	}
	if n, ok := ps.Rename[p.File]; ok {
		p.File = n
	}
	if ps.ByCode == nil {
		ps.ByCode = map[string]int{}
	}
	ps.ByCode[p.Code]++
	if len(p.Message) > maxMessage {
		p.Message = shortenQuoted(p.Message)
	}
	ps.seq++
	f := found{p, ps.seq}
	ps.group(f)
	switch p.Severity {
	case Error:
		ps.Errors++
	case Warning:
		ps.Warnings++
	default:
		ps.Infos++
	}
	ps.list = append(ps.list, f)
	if ps.Max > 0 && len(ps.list) > ps.Max {
		ps.Truncated = true
		if len(ps.list) >= 2*ps.Max {
			ps.keepFirst() // amortized: the first Max in sorted order are all that can be listed
		}
	}
}

// maxMessage is the longest message kept as it is: a longer one quotes a value of up to a
// megabyte (a record may be that long), which is shortened to its start and its length.
const maxMessage = 1024

// quoteKeep is how many bytes of a long quoted value a shortened message keeps.
const quoteKeep = 64

// shortenQuoted cuts each quoted value of msg longer than quoteKeep bytes to its first
// quoteKeep bytes (on a character boundary), an ellipsis and its length in bytes, and the
// result to maxMessage bytes: the listing keeps a few hundred bytes a problem, whatever the
// values it quotes.
func shortenQuoted(msg string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			b.WriteString(msg)
			break
		}
		b.WriteString(msg[:i+1])
		msg = msg[i+1:]
		end := closingQuote(msg)
		if end < 0 {
			end = len(msg) // no closing quote: the rest is the value
		}
		if v := msg[:end]; len(v) > quoteKeep {
			k := quoteKeep
			for k > 0 && !utf8.RuneStart(v[k]) {
				k--
			}
			for k > 0 && v[k-1] == '\\' {
				k-- // not half an escape
			}
			fmt.Fprintf(&b, "%s…\" (%d bytes)", v[:k], len(v))
		} else {
			b.WriteString(v)
			if end < len(msg) {
				b.WriteByte('"')
			}
		}
		if end >= len(msg) {
			break
		}
		msg = msg[end+1:]
	}
	out := b.String()
	if len(out) > maxMessage {
		k := maxMessage
		for k > 0 && !utf8.RuneStart(out[k]) {
			k--
		}
		out = out[:k] + "…"
	}
	return out
}

// closingQuote returns the index in s of the quote that ends a value %q wrote (backslash
// escapes skipped), or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// keepFirst cuts the list to the first Max problems in List's order.
func (ps *Problems) keepFirst() {
	slices.SortFunc(ps.list, compareKept)
	clear(ps.list[ps.Max:])
	ps.list = ps.list[:ps.Max]
}

// List returns the kept problems sorted by Compare (file, line, then severity, column, code):
// with Max, the first Max of all the problems reported in that order, wherever they were found.
func (ps *Problems) List() []Problem {
	return ps.list2(compareKept)
}

// ListFound returns the problems List keeps sorted by file and line, and within a line in the
// order they were reported: a row's columns left to right, a header's problems in its order.
func (ps *Problems) ListFound() []Problem {
	return ps.list2(compareFound)
}

func (ps *Problems) list2(order func(a, b found) int) []Problem {
	if ps.Max > 0 && len(ps.list) > ps.Max {
		ps.keepFirst()
	}
	slices.SortFunc(ps.list, order)
	out := make([]Problem, len(ps.list))
	for i, f := range ps.list {
		out[i] = f.Problem
	}
	return out
}

// compareKept is Compare, then the order reported.
func compareKept(a, b found) int {
	return cmp.Or(Compare(a.Problem, b.Problem), cmp.Compare(a.seq, b.seq))
}

// found is a problem and when it was reported.
type found struct {
	Problem
	seq int
}

// compareFound orders problems by file, line, then the order they were reported in.
func compareFound(a, b found) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.seq, b.seq),
	)
}

// Compare orders problems by file, line, severity (errors first), column and code.
func Compare(a, b Problem) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Severity.rank(), b.Severity.rank()),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Code, b.Code),
	)
}

func (s Severity) rank() int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Has reports whether any problem of the given code was kept.
func (ps *Problems) Has(code string) bool {
	for _, p := range ps.list {
		if p.Code == code {
			return true
		}
	}
	return false
}

// GroupKeep is how many problems a Group keeps: a group of more problems than this is shown as
// one line (count, first and last lines, the first message) by text and table output.
const GroupKeep = 3

// Group is every problem of one (file, code, column, severity) and one message shape (the
// message but for the values it quotes and its numbers, see shape): how many, the first and
// last lines, and the first GroupKeep of them in List's order.
type Group struct {
	Count       int
	First, Last int // lines
	Kept        []Problem
	seq         []int // when each of Kept was reported
}

type groupKey struct {
	file, code, column string
	sev                Severity
}

// shapes are the groups of one groupKey, one per message shape in the order met.
type shapes struct {
	shape  []uint64
	groups []*Group
	// the last message seen and its shape: a message repeated word for word is not hashed again
	lastMsg   string
	lastShape uint64
}

// maxShapes is how many message shapes one (file, code, column, severity) is split into at
// most; problems of further shapes join its first group, so the groups stay few whatever the
// messages.
const maxShapes = 8

// shape hashes a message without what varies from row to row among problems alike: its quoted
// values ("TRUE", "stu05") and its numbers (lines, counts). `enabledUser "TRUE" must be true or
// false (write true: …)` and `enabledUser "yes" must be true or false` differ in shape (the
// second is no case slip); `user "stu05" is not in users.csv` and `user "stu06" …` do not.
func shape(msg string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	quoted, escaped := false, false
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case quoted:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				quoted = false
			}
			continue
		case c == '"':
			quoted = true
		case c >= '0' && c <= '9':
			continue
		}
		h = (h ^ uint64(c)) * prime
	}
	return h
}

// group records p in its group. The groups are as many as the distinct (file, code, column,
// severity) times their message shapes (at most maxShapes each), a few hundred at most
// whatever the size of the input.
func (ps *Problems) group(f found) {
	p := f.Problem
	if ps.groups == nil {
		ps.groups = map[groupKey]*shapes{}
	}
	k := groupKey{p.File, p.Code, p.Column, p.Severity}
	sh := ps.groups[k]
	if sh == nil {
		sh = &shapes{}
		ps.groups[k] = sh
	}
	if len(sh.groups) == 0 || p.Message != sh.lastMsg {
		sh.lastMsg, sh.lastShape = p.Message, shape(p.Message)
	}
	j := slices.Index(sh.shape, sh.lastShape)
	if j < 0 && len(sh.shape) >= maxShapes {
		j = 0
	}
	if j < 0 {
		j = len(sh.shape)
		sh.shape = append(sh.shape, sh.lastShape)
		sh.groups = append(sh.groups, &Group{First: p.Line, Last: p.Line})
	}
	g := sh.groups[j]
	g.Count++
	g.First, g.Last = min(g.First, p.Line), max(g.Last, p.Line)
	i := 0
	for i < len(g.Kept) && compareFound(found{g.Kept[i], g.seq[i]}, f) < 0 {
		i++
	}
	if i < GroupKeep {
		g.Kept, g.seq = slices.Insert(g.Kept, i, p), slices.Insert(g.seq, i, f.seq)
		if len(g.Kept) > GroupKeep {
			g.Kept, g.seq = g.Kept[:GroupKeep], g.seq[:GroupKeep]
		}
	}
}

// Groups returns every group, ordered by their first kept problem (List's order).
func (ps *Problems) Groups() []Group {
	out := make([]Group, 0, len(ps.groups))
	for _, sh := range ps.groups {
		for _, g := range sh.groups {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b Group) int {
		return compareFound(found{a.Kept[0], a.seq[0]}, found{b.Kept[0], b.seq[0]})
	})
	return out
}
