package oneroster

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
)

// headerOf returns the first line of a package file ("" when it cannot be read).
func headerOf(r *reader, name string) string {
	return format.HeaderLine(r.fsys, name)
}

func hash(s string) uint64 { return idset.Hash(s) }

// fileReader checks the rows of one file.
type fileReader struct {
	r      *reader
	spec   *fileSpec
	file   string
	mode   string              // bulk, delta or "" (no manifest)
	idx    []int               // spec column -> record index (-1 absent)
	cols   []csvio.Placed[col] // the spec's columns the header has
	pos    map[string]int
	header []string
	meta   []int // metadata.* columns
	width  int
	ids    *idset.Map
	// bag replaces ids for a file nothing refers to: its IDs only need to be unique, which is
	// checked once the file is read (far cheaper than a table for millions of enrollments).
	bag   *idset.Bag
	refs  []refCheck // per spec column
	hasID bool       // the file's first column is its own sourcedId
	// queued are the references to other files of the current batch, and found whether each
	// is in its file's table (lookups).
	queued []queuedRef
	found  []bool
	// batchIDs: the rows' own IDs go to the table a batch at a time (addIDs), in a loop whose
	// inserts do not wait on each other's cache misses; pending holds the current batch's.
	// Not with checks that report after the ID on the same row (the Capti rules, 1.2's
	// gradebook), so that a row's problems keep their order.
	batchIDs bool
	pending  []pendingID
	// deferred are references into the file itself, checked when it has been read.
	deferred []deferredRef
	lists    bool // the file has list columns (for the ragged-row hint)
	// emit's column lookups (see at), on the checking goroutine only.
	emitCols []emitCol
	emitN    int
	// ent is the entity emit sends, one per file reused row after row (a sink copies what it
	// keeps: roster.Sink), so that a row costs no allocation of it.
	ent struct {
		org        roster.Org
		session    roster.AcademicSession
		course     roster.Course
		class      roster.Class
		user       roster.User
		demo       roster.Demographics
		enrollment roster.Enrollment
	}
}

// refCheck is how the references of one column of one file are checked, worked out once per
// file rather than on every row.
type refCheck struct {
	ids  *idset.Map // the IDs of the file referred to; nil: not checked
	self bool       // the file refers to itself: checked when it has been read
	// absent: the file referred to is left out of the package; a value is reported once.
	absent bool
	typed  map[uint64]struct{} // non-nil: the target must also be in this set (schools, school years)
	why    string              // the message when it is not
	// last is the hash of the last value found good. Exports are sorted by user or by class, so
	// a value often repeats on the next row and its lookup (a likely cache miss) is skipped. A
	// hash, not the string: the row's strings point into a read buffer that is reused.
	last uint64
	// prev is a copy of the value ref saw last in the column and prevH its hash: a value equal
	// to it is not hashed again (the lookup is still made, and hits the cache).
	prev  []byte
	prevH uint64
}

// queuedRef is a reference to another file, looked up with the rest of its batch (lookups)
// rather than on its own: the lookups of a batch do not wait on each other, so their cache
// misses overlap.
type queuedRef struct {
	h     uint64
	col   int32 // index into the spec's columns
	line  int32
	value string // valid until the batch is flushed
}

type pendingID struct {
	h      uint64
	line   int32
	report bool   // a repeat is reported (not for a row of the wrong width)
	id     string // valid until the batch is flushed
}

type deferredRef struct {
	line  int32
	col   string
	value string
}

// readFile reads one file of the package in full, checking every row.
func (r *reader) readFile(spec *fileSpec) error {
	name := spec.name
	f, cr, err := csvio.OpenFile(r.fsys, name, name, csvio.Options{Encoding: r.opts.InputEncoding}, r.rep,
		spec.names())
	if err != nil {
		return err
	}
	defer f.Close()
	if cr == nil { // reported
		r.info.Files = append(r.info.Files, format.FileInfo{Name: name, Source: r.alias[name]})
		return nil
	}
	s := *spec
	s.cols = append([]col(nil), spec.cols...)
	for i := range s.cols {
		n := s.cols[i].name
		s.cols[i].secret = secret(n)
		s.cols[i].stamp = (n == "status" || n == "dateLastModified") && r.version != "1.0"
	}
	if name == "demographics.csv" && len(s.cols) > 0 && s.cols[0].ref == "" {
		// A demographics row belongs to the user with the same sourcedId.
		s.cols[0].ref = "users.csv"
	}
	spec = &s
	hint := rowsHint(f, cr)
	fr := &fileReader{r: r, spec: spec, file: name, mode: r.modes[name], width: len(cr.Header()), pos: map[string]int{}}
	fr.hasID = len(spec.cols) > 0 && (spec.cols[0].name == "sourcedId" || spec.cols[0].name == "userSourcedId" && name == "demographics.csv")
	// A reread skips the checks (pre and row): they only report, and --fix's repairs, which
	// change values, are made in pre, so a reread with Fix checks again.
	check := !r.opts.Reread || r.opts.Fix
	fr.refs = make([]refCheck, len(spec.cols))
	self := false
	for i, c := range spec.cols {
		fr.refs[i] = r.refCheckFor(fr, c)
		self = self || fr.refs[i].self
	}
	switch {
	case !check:
	case unreferenced(r.version, name) && !self:
		fr.bag = idset.NewBag(hint)
	default:
		fr.ids = idset.New(hint)
		fr.batchIDs = r.capti == nil && r.version != "1.2"
	}
	hspec := csvio.HeaderSpec{Ordered: true, ExtraLast: true,
		Extra: func(n string) bool { return strings.HasPrefix(n, "metadata.") && len(n) > len("metadata.") },
		Hint:  "OneRoster " + r.version + " " + name + " is " + strings.Join(spec.names(), ",") + " (extensions only as trailing metadata.* columns)"}
	for _, c := range spec.cols {
		hspec.Columns = append(hspec.Columns, csvio.HeaderColumn{Name: c.name, Optional: c.optional})
		if c.typ == tGUIDList || c.typ == tStringList || c.typ == tGrades || c.typ == tUserIDs || c.typ == tEnumList || c.typ == tScoreScale {
			fr.lists = true
		}
	}
	if len(spec.cols) == 0 {
		// A file checked by header presence only (1.2 gradebook files).
		hspec = csvio.HeaderSpec{}
	} else {
		fr.idx = csvio.CheckHeader(name, cr.Header(), hspec, r.rep)
		if fr.idx == nil {
			// Not a header at all (another separator, a first row of data): reported once, and
			// the rows are not read.
			r.info.Files = append(r.info.Files, format.FileInfo{Name: name, Source: r.alias[name]})
			return nil
		}
		fr.cols = csvio.Place(spec.cols, fr.idx)
		if fr.hasID && fr.idx[0] < 0 {
			// The file's own ID column is missing (reported): its rows are checked, but their IDs
			// are neither kept nor looked up, so references to the file are not checked.
			fr.hasID = false
			for i := range fr.refs {
				if fr.refs[i].self {
					fr.refs[i] = refCheck{}
				}
			}
		}
	}
	for i, c := range spec.cols {
		if fr.idx[i] >= 0 {
			fr.pos[c.name] = fr.idx[i]
		}
	}
	fr.header = cr.Header()
	for j, h := range fr.header {
		if strings.HasPrefix(h, "metadata.") {
			fr.meta = append(fr.meta, j)
		}
	}
	build := !r.discard && spec.kind != ""
	sel, selective := r.sink.(roster.Selective)
	if build && selective && !sel.Wants(spec.kind) {
		build = false // the sink would drop them: count them after the file instead
	}
	if rs, ok := r.sink.(interface{ Reserve(roster.Kind, int) }); ok && build {
		rs.Reserve(spec.kind, hint)
	}
	borrow := roster.Borrows(r.sink)
	raw := r.rawRows(fr, build)
	var sinkErr error
	var keep []string
	var pre csvio.Pre
	if len(spec.cols) > 0 && check {
		pre = fr.pre
	}
	err = csvio.EachPreBatch(r.ctx, cr, pre, func(rec []string, line int, clean bool) error {
		if len(spec.cols) == 0 {
			return nil
		}
		if check {
			rec = fr.row(rec, line, clean)
		}
		if raw != nil {
			if err := fr.emitRaw(rec, raw); err != nil {
				sinkErr = err
				return errStop
			}
			return nil
		}
		if build {
			if !borrow {
				keep = csvio.Clone(keep, rec) // the sink keeps the strings: not the file's whole block
				rec = keep
			}
			if err := fr.emit(rec); err != nil {
				sinkErr = err
				return errStop
			}
		}
		return nil
	}, func() error {
		fr.addIDs()
		fr.lookups()
		return nil
	})
	if sinkErr != nil {
		return sinkErr
	}
	if err != nil {
		return err
	}
	rows := cr.Rows()
	if !r.discard && spec.kind != "" && !build {
		sel.SkipN(spec.kind, rows)
	}
	r.info.Files = append(r.info.Files, format.FileInfo{Name: name, Rows: rows, Source: r.alias[name]})
	if rows == 0 && r.modes[name] != "delta" && !cr.Lost() {
		r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: name,
			Message: fmt.Sprintf("%s has a header but no rows: leave it out and mark it absent in manifest.csv, or fill it", name)})
	}
	if fr.bag != nil {
		if err := fr.reportRepeats(); err != nil {
			return err
		}
	}
	for _, d := range fr.deferred {
		if !fr.ids.Has(hash(d.value)) {
			fr.dangling(int(d.line), d.col, d.value, name, "")
		}
	}
	if fr.hasID && fr.ids != nil {
		r.ids[name] = fr.ids
	}
	return nil
}

func (fr *fileReader) report(sev roster.Severity, code string, line int, col, msg string) {
	fr.r.rep.Report(roster.Problem{Severity: sev, Code: code, File: fr.file, Line: line, Column: col, Message: msg})
}

// entityWord names what a file's IDs are, for reference messages.
var entityWord = map[string]string{
	"orgs.csv": "org", "academicSessions.csv": "academic session", "courses.csv": "course",
	"classes.csv": "class", "users.csv": "user", "resources.csv": "resource", "categories.csv": "category",
	"lineItems.csv": "line item", "userProfiles.csv": "user profile", "results.csv": "result",
	"scoreScales.csv": "score scale",
}

func (fr *fileReader) dangling(line int, col, v, target, why string) {
	msg := fmt.Sprintf("%s %q is not in %s", entityWord[target], v, target)
	if why != "" {
		msg = fmt.Sprintf("%s %q %s", entityWord[target], v, why)
	}
	fr.report(roster.Error, roster.CodeDanglingRef, line, col, msg)
}

// secret reports whether a column's value must never appear in a message.
func secret(col string) bool {
	switch strings.ToLower(col) {
	case "password", "birthdate":
		return true
	}
	return false
}

// row checks one record.
// pre checks one record, on either goroutine: everything that needs no state shared with other
// rows (width, required values, types, --fix repairs). It returns the record to keep and false
// when an identifier in it is unusable (reported).
func (fr *fileReader) pre(rec []string, line int) ([]string, bool) {
	r := fr.r
	// Empty cells past the header: a trailing comma (or, with list columns, maybe an unquoted
	// list whose last value was blank).
	emptyTail := len(rec) > fr.width && strings.Join(rec[fr.width:], "") == ""
	if r.opts.Fix && emptyTail {
		fr.repaired(line, "", fmt.Sprintf("dropped %s past the header's %d columns (a trailing comma)", plural(len(rec)-fr.width, "empty cell"), fr.width))
		rec = rec[:fr.width]
	}
	if len(rec) != fr.width {
		msg := fmt.Sprintf("row has %d cells, the header has %d", len(rec), fr.width)
		switch {
		case emptyTail:
			extra := "the extra cell is empty"
			if n := len(rec) - fr.width; n > 1 {
				extra = fmt.Sprintf("the %d extra cells are empty", n)
			}
			msg += ": " + extra + " (a trailing comma?): remove it, or convert --fix drops empty cells past the header"
			if fr.lists {
				msg += "; or a list with commas is not quoted (\"a,b\")"
			}
		case len(rec) > fr.width && fr.lists:
			msg += ": a list with commas must be quoted (\"a,b\")"
		}
		fr.report(roster.Error, roster.CodeRaggedRow, line, "", msg)
		return rec, false
	}
	clean := true
	for _, col := range fr.cols {
		c, j := col.Spec, col.At
		v := rec[j]
		if v == "" { // most stamps in bulk files, and optional columns: nothing else to check
			switch {
			case c.stamp && fr.mode == "delta":
				fr.report(roster.Error, roster.CodeMissingRequired, line, c.name, fmt.Sprintf(
					"%s is blank: a delta file needs status and dateLastModified on every row", c.name))
			case c.req:
				fr.report(roster.Error, roster.CodeMissingRequired, line, c.name, c.name+" is blank: it is required")
			}
			continue
		}
		if csvio.Formula(v) { // every column, passwords too, for what a spreadsheet would run
			fr.formula(line, c.name, v)
		}
		if c.stamp {
			switch {
			case fr.mode == "bulk" && c.name == "status" && roster.Deleted(v):
				// Never blanked, even by --fix: the row would come back as an active record.
				fr.report(roster.Error, roster.CodeManifest, line, c.name, fmt.Sprintf(
					"status is tobedeleted, but manifest.csv marks %s bulk: a bulk file lists the records that exist, so the row would be read as active (remove the row, or mark the file delta; --fix does not blank it)", fr.file))
				continue
			case fr.mode == "bulk" && v != "" && r.opts.Fix && (c.name != "status" || strings.EqualFold(strings.TrimSpace(v), "active")):
				// Only "active" is blanked: another status (inactive, deleted) is a record the
				// export did not mean as active, to fix by hand.
				fr.repaired(line, c.name, c.name+" blanked: manifest.csv marks "+fr.file+" bulk")
				rec[j] = ""
				continue
			case fr.mode == "bulk" && v != "":
				fr.report(roster.Error, roster.CodeManifest, line, c.name, fmt.Sprintf(
					"%s is filled, but manifest.csv marks %s bulk: leave status and dateLastModified blank in bulk files (or mark the file delta)", c.name, fr.file))
				fr.value(c, v, line) // a bad date is bad-date too, whatever else is wrong
				continue
			case fr.mode == "delta" && v == "":
				fr.report(roster.Error, roster.CodeMissingRequired, line, c.name, fmt.Sprintf(
					"%s is blank: a delta file needs status and dateLastModified on every row", c.name))
				continue
			}
		}
		if v == "" {
			if c.req {
				fr.report(roster.Error, roster.CodeMissingRequired, line, c.name, c.name+" is blank: it is required")
			}
			continue
		}
		if r.opts.Fix {
			if nv, what := repair(c, v); what != "" {
				fr.repaired(line, c.name, what)
				rec[j], v = nv, nv
			}
		}
		clean = fr.value(c, v, line) && clean
	}
	for _, j := range fr.meta { // the standard columns' cells are checked above
		if v := rec[j]; csvio.Formula(v) {
			fr.formula(line, fr.header[j], v)
		}
	}
	if fr.r.version == "1.2" {
		fr.gradebook12(rec, line)
	}
	return rec, clean
}

// formula reports a cell a spreadsheet would run as a formula; a secret column's shows nothing
// of the value.
func (fr *fileReader) formula(line int, col, v string) {
	fr.report(roster.Warning, roster.CodeFormula, line, col, csvio.FormulaMessage(col, v, secret(col)))
}

// row does the checks of one record that need the file's and the package's ID tables
// (duplicates, references), on the checking goroutine, after pre.
func (fr *fileReader) row(rec []string, line int, clean bool) []string {
	r := fr.r
	if len(rec) != fr.width {
		// Reported by pre. Keep the ID so later files do not report references to it as dangling.
		if fr.hasID && len(rec) > 0 && rec[0] != "" {
			fr.addID(hash(rec[0]), rec[0], line, false)
		}
		return rec
	}
	var orgType, sessionType string
	for _, col := range fr.cols {
		c, i, v := col.Spec, col.I, rec[col.At]
		if v == "" {
			continue
		}
		switch {
		case c.ref != "" && c.typ == tGUID:
			if clean || usableID(v) {
				fr.ref(i, v, line)
			}
		case c.ref != "" && c.typ == tGUIDList:
			if clean || listProblem(v) == "" {
				for item := range strings.SplitSeq(v, ",") {
					if clean || usableID(item) {
						fr.ref(i, item, line)
					}
				}
			}
		case c.name == "type" && fr.file == "orgs.csv":
			orgType = v
		case c.name == "type" && fr.file == "academicSessions.csv":
			sessionType = v
		}
	}
	if fr.hasID {
		id := rec[fr.idx[0]]
		if id != "" {
			h := hash(id)
			fr.addID(h, id, line, true)
			switch {
			case orgType == "school":
				r.schools[h] = struct{}{}
			case orgType == "district":
				r.districts[h] = struct{}{}
			case sessionType == "schoolYear":
				r.schoolYears[h] = struct{}{}
			}
		}
	}
	if r.roled != nil && fr.file == "roles.csv" {
		if u := fr.get(rec, "userSourcedId"); u != "" {
			r.roled.Set(hash(u), 0)
		}
	}
	if r.version == "1.2" {
		fr.gradebookRow12(rec, line)
	}
	if r.capti != nil {
		r.capti.row(fr, rec, line)
	}
	return rec
}

// addID records a row's own ID: in the bag (which finds repeats when the file has been read),
// queued for the table with the rest of the batch, or in the table at once, reporting a repeat
// when report is set.
func (fr *fileReader) addID(h uint64, id string, line int, report bool) {
	switch {
	case fr.bag != nil:
		fr.bag.Add(h, int32(line))
	case fr.batchIDs:
		fr.pending = append(fr.pending, pendingID{h: h, line: int32(line), report: report, id: id})
	default:
		if first, dup := fr.ids.Add(h, int32(line)); dup && report {
			fr.duplicate(id, line, int(first))
		}
	}
}

// addIDs adds the IDs queued by addID to the table, in row order, as addID would have one by
// one, before the batch's references are looked up (so a row's repeat is reported before its
// references, as then).
func (fr *fileReader) addIDs() {
	p := fr.pending
	for k := range p {
		if first, dup := fr.ids.Add(p[k].h, p[k].line); dup && p[k].report {
			fr.duplicate(p[k].id, int(p[k].line), int(first))
		}
	}
	clear(p) // the IDs point into the batch's block
	fr.pending = p[:0]
}

func (fr *fileReader) duplicate(id string, line, first int) {
	n := fr.spec.cols[0].name
	fr.report(roster.Error, roster.CodeDuplicateID, line, n, fmt.Sprintf("%s %q is also on line %d: each %s appears once", n, id, first, n))
}

// reportRepeats reports the repeated IDs of a bag file. Only hashes and lines were kept, so the
// file is read again, only when there are repeats, for the IDs to name; what is kept for it is
// one entry per distinct repeated ID, however often each repeats.
func (fr *fileReader) reportRepeats() error {
	rep := fr.bag.Repeated()
	if rep.Len() == 0 {
		return nil
	}
	return csvio.Reread(fr.r.fsys, fr.file, csvio.Options{Encoding: fr.r.opts.InputEncoding}, func(rec []string, line int) {
		// A row of the wrong width (as row saw it, after --fix dropped a trailing comma) kept
		// its first cell as its ID, and is not itself reported as a repeat.
		if len(rec) != fr.width && !(fr.r.opts.Fix && len(rec) > fr.width && strings.Join(rec[fr.width:], "") == "") {
			return
		}
		id := rec[fr.idx[0]]
		if id == "" {
			return
		}
		if first, ok := rep.Get(hash(id)); ok && int(first) != line {
			fr.duplicate(id, line, int(first))
		}
	})
}

// usableID reports whether an identifier passed its checks in pre (which reported it if not),
// so that it is looked up as a reference.
func usableID(v string) bool {
	return validGUID(v) && !excelNumber(v)
}

func (fr *fileReader) repaired(line int, col, what string) {
	fr.report(roster.Info, roster.CodeRepaired, line, col, what)
}

// repair fixes the safe, common export damage of one value (--fix): booleans and vocabulary
// tokens in the wrong case, grades written 9 or K, spaces around list items. It returns the
// new value and what it did, or "" when it changed nothing.
func repair(c *col, v string) (string, string) {
	fixCase := func(v string, e []string) string {
		for _, t := range e {
			if strings.EqualFold(t, v) {
				return t
			}
		}
		return v
	}
	var nv string
	switch c.typ {
	case tBool:
		nv = strings.ToLower(v)
		if nv != "true" && nv != "false" {
			return v, ""
		}
	case tEnum:
		nv = fixCase(strings.TrimSpace(v), c.enum)
	case tGrades, tGUIDList, tStringList, tEnumList:
		items := strings.Split(v, ",")
		for i, it := range items {
			it = strings.TrimSpace(it)
			switch c.typ {
			case tGrades:
				if !slices.Contains(cedsGrades, it) {
					if g := gradeFix(it); g != "" {
						it = g
					}
				}
			case tEnumList:
				it = fixCase(it, c.enum)
			}
			items[i] = it
		}
		nv = strings.Join(items, ",")
	default:
		return v, ""
	}
	if nv == v {
		return v, ""
	}
	if c.secret {
		return nv, c.name + " repaired"
	}
	return nv, fmt.Sprintf("%s %q written %q", c.name, v, nv)
}

// value checks one non-blank value against its column's type. It returns false for an
// unusable identifier or list of them (reported), which row then does not look up.
func (fr *fileReader) value(c *col, v string, line int) bool {
	show := func() string { return c.show(v) } // only when there is a problem to report
	switch c.typ {
	case tGUID:
		return fr.guid(c, v, line) // references are checked by row, on the checking goroutine
	case tGUIDList:
		if p := listProblem(v); p != "" {
			fr.report(roster.Error, roster.CodeBadList, line, c.name, fmt.Sprintf("%s %s: %s", c.name, show(), p))
			return false
		}
		ok := true
		for item := range strings.SplitSeq(v, ",") {
			ok = fr.guid(c, item, line) && ok
		}
		return ok
	case tIdent:
		if !fr.excelDamaged(c, v, line) {
			if ch := csvio.Invisible(v); ch != 0 {
				fr.report(roster.Error, roster.CodeBadID, line, c.name, csvio.InvisibleMessage(c.name, ch))
			}
		}
	case tDate:
		if !validDate(v) {
			fr.report(roster.Error, roster.CodeBadDate, line, c.name, fmt.Sprintf("%s %s is not a date written YYYY-MM-DD", c.name, show()))
		}
	case tDateTime:
		if !validDateTime(v, fr.r.version == "1.0") {
			fr.report(roster.Error, roster.CodeBadDate, line, c.name, fmt.Sprintf("%s %s is not an ISO 8601 date-time in UTC (2024-08-01T12:00:00.000Z, or +00:00 for Z)", c.name, show()))
		}
	case tYear:
		if len(v) != 4 || !digits(v) {
			fr.report(roster.Error, roster.CodeBadDate, line, c.name, fmt.Sprintf("%s %s is not a year written YYYY", c.name, show()))
		}
	case tBool:
		if v != "true" && v != "false" {
			hint := ""
			if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
				hint = " (write " + strings.ToLower(v) + ": values are case-sensitive)"
			}
			fr.report(roster.Error, roster.CodeBadBoolean, line, c.name, fmt.Sprintf("%s %s must be true or false%s", c.name, show(), hint))
		}
	case tEnum:
		if !inEnum(v, c.enum, fr.r.version == "1.2") {
			fr.report(roster.Error, roster.CodeBadEnum, line, c.name, fmt.Sprintf("%s %s is not a OneRoster %s value%s", c.name, show(), c.name, enumHint(v, c.enum)))
		}
	case tEnumList:
		if p := listProblem(v); p != "" {
			fr.report(roster.Error, roster.CodeBadList, line, c.name, fmt.Sprintf("%s %s: %s", c.name, show(), p))
			return true
		}
		for item := range strings.SplitSeq(v, ",") {
			if !inEnum(item, c.enum, fr.r.version == "1.2") {
				fr.report(roster.Error, roster.CodeBadEnum, line, c.name, fmt.Sprintf("%s item %q is not a OneRoster value%s", c.name, item, enumHint(item, c.enum)))
			}
		}
	case tGrades:
		if p := listProblem(v); p != "" {
			fr.report(roster.Error, roster.CodeBadList, line, c.name, fmt.Sprintf("%s %s: %s", c.name, show(), p))
			return true
		}
		for item := range strings.SplitSeq(v, ",") {
			if inEnum(item, cedsGrades, false) {
				continue
			}
			msg := fmt.Sprintf("grade %q is not a CEDS grade", item)
			if fix := gradeFix(item); fix != "" {
				msg += fmt.Sprintf(gradeFixNote+"%q)", fix)
			} else {
				msg += " (KG, 01 … 12, PK, Other …)"
			}
			fr.report(roster.Error, roster.CodeBadGrade, line, c.name, msg)
		}
	case tStringList:
		if p := listProblem(v); p != "" {
			fr.report(roster.Error, roster.CodeBadList, line, c.name, fmt.Sprintf("%s %s: %s", c.name, show(), p))
		}
	case tUserIDs:
		for item := range strings.SplitSeq(v, ",") {
			if p := userIDProblem(item); p != "" {
				fr.report(roster.Error, roster.CodeBadID, line, c.name, fmt.Sprintf("userIds item %q %s", item, p))
			}
		}
	case tScoreScale:
		if p := listProblem(v); p != "" {
			fr.report(roster.Error, roster.CodeBadList, line, c.name, fmt.Sprintf("%s %s: %s", c.name, show(), p))
			return true
		}
		for item := range strings.SplitSeq(v, ",") {
			if !scoreScaleItem(item) {
				fr.report(roster.Error, roster.CodeBadList, line, c.name, fmt.Sprintf("%s item %q is not written {lhs:rhs}, as in \"{A:90},{B:80}\"", c.name, item))
			}
		}
	case tFloat:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			fr.report(roster.Error, roster.CodeBadEnum, line, c.name, fmt.Sprintf("%s %s is not a number", c.name, show()))
		}
	case tString:
		if c.name == "email" && !validEmail(v) {
			fr.report(roster.Error, roster.CodeBadEmail, line, c.name, fmt.Sprintf("email %s is not a valid address", show()))
		}
	}
	return true
}

// show quotes a value for a message, unless the column's values are never shown.
func (c *col) show(v string) string {
	if c.secret {
		return "(value not shown)"
	}
	return strconv.Quote(v)
}

// excelDamaged reports an identifier a spreadsheet rewrote in scientific notation.
func (fr *fileReader) excelDamaged(c *col, v string, line int) bool {
	if !excelNumber(v) {
		return false
	}
	fr.report(roster.Error, roster.CodeExcelDamage, line, c.name, fmt.Sprintf(
		"%s %q looks like a number a spreadsheet rewrote in scientific notation: export the ID as text", c.name, v))
	return true
}

// guid checks one identifier; false when it is unusable.
func (fr *fileReader) guid(c *col, v string, line int) bool {
	if usableID(v) {
		return true // nearly every one: no call, nothing to report
	}
	return fr.badGUID(c, v, line)
}

// badGUID reports what is wrong with an identifier usableID refused.
func (fr *fileReader) badGUID(c *col, v string, line int) bool {
	if fr.excelDamaged(c, v, line) {
		return false
	}
	if !validGUID(v) {
		why := "is longer than 255 characters"
		if ch := csvio.Invisible(v); ch != 0 {
			fr.report(roster.Error, roster.CodeBadID, line, c.name, csvio.InvisibleMessage(c.name, ch))
			return false
		}
		if ch := badGUIDChar(v); ch != "" {
			why = strings.TrimPrefix(ch, "it ")
			if strings.HasPrefix(ch, "it holds") {
				why += " (allowed characters: letters, digits and . - _ / @)"
			}
		}
		fr.report(roster.Error, roster.CodeBadID, line, c.name, fmt.Sprintf("%s %q %s", c.name, v, why))
		return false
	}
	return true
}

// refCheckFor works out how column c of the file fr reads is checked for references: only when
// both files are bulk (or there is no manifest) and the file referred to was read.
func (r *reader) refCheckFor(fr *fileReader, c col) refCheck {
	if c.ref == "" || (fr.mode != "bulk" && fr.mode != "") {
		return refCheck{}
	}
	if r.absentRefs[c.ref] {
		return refCheck{absent: true}
	}
	if m := r.modes[c.ref]; m != "bulk" && m != "" {
		return refCheck{}
	}
	if c.ref == fr.file {
		return refCheck{self: true}
	}
	rc := refCheck{ids: r.ids[c.ref]} // nil: the file is missing (reported) or was not read
	switch c.refType {
	case "school":
		rc.typed, rc.why = r.schools, "is not a school (its orgs.csv type is not school)"
	case "schoolYear":
		rc.typed, rc.why = r.schoolYears, "is not a schoolYear session"
	}
	return rc
}

// ref checks that identifier v of column i resolves, when the package is complete enough to tell.
func (fr *fileReader) ref(i int, v string, line int) {
	rc := &fr.refs[i]
	var h uint64
	if rc.prev != nil && string(rc.prev) == v {
		h = rc.prevH
	} else {
		h = hash(v)
		rc.prev, rc.prevH = append(rc.prev[:0], v...), h
	}
	if h == rc.last && h != 0 {
		return
	}
	c := &fr.spec.cols[i]
	switch {
	case rc.self:
		if !fr.ids.Has(h) {
			fr.deferred = append(fr.deferred, deferredRef{line: int32(line), col: c.name, value: strings.Clone(v)})
			return
		}
	case rc.absent:
		if r := fr.r; !r.refSaid[c.ref] {
			r.refSaid[c.ref] = true
			r.missing(c.ref, fmt.Sprintf("%s (bulk) refers to it in %s (first on line %d)", fr.file, c.name, line))
		}
		return
	case rc.ids == nil:
		return
	default:
		// Looked up with the rest of the batch: the other file's table no longer changes.
		fr.queued = append(fr.queued, queuedRef{h: h, col: int32(i), line: int32(line), value: v})
		return
	}
	rc.last = h
}

// lookups checks the references queued by ref, in row order, as ref would have one by one:
// first every lookup, in a loop whose steps do not depend on each other (so the processor
// has several cache misses in flight instead of one at a time), then the verdicts.
func (fr *fileReader) lookups() {
	q := fr.queued
	if len(q) == 0 {
		return
	}
	found := fr.found[:0]
	for k := range q {
		found = append(found, fr.refs[q[k].col].ids.Has(q[k].h))
	}
	fr.found = found
	for k := range q {
		e := &q[k]
		rc := &fr.refs[e.col]
		if e.h == rc.last && e.h != 0 {
			continue // the value of the row before, found good
		}
		c := &fr.spec.cols[e.col]
		if !found[k] {
			fr.dangling(int(e.line), c.name, e.value, c.ref, "")
			continue
		}
		if rc.typed != nil {
			if _, ok := rc.typed[e.h]; !ok {
				fr.dangling(int(e.line), c.name, e.value, c.ref, rc.why)
				continue
			}
		}
		rc.last = e.h
	}
	clear(q) // the values point into the batch's block
	fr.queued = q[:0]
}

// rowsHint guesses a file's row count from its size and its first rows, or its header (rows
// are rarely shorter than three quarters of the header line) when no row is read yet, so the
// ID table of a big file is sized once instead of grown, and not much larger than it needs
// (a table twice too big misses the cache on lookups twice as often).
func rowsHint(f fs.File, cr *csvio.Reader) int {
	fi, err := f.Stat()
	if err != nil || fi.Size() <= 0 {
		return 0
	}
	if n := cr.RowsHint(fi.Size()); n > 0 {
		return n
	}
	per := max(40, len(strings.Join(cr.Header(), ","))*3/4)
	return int(min(fi.Size()/int64(per), 1<<26))
}

// rawRower is an optional ability of a sink (the diff's): it takes the rows of a kind as they
// are read instead of entities, so nothing is built for rows it only hashes. It is asked once
// per file, with col (the record index of a OneRoster 1.1 column, -1 when the file has none),
// the header and the indexes of its metadata.* columns; a nil function declines (entities are
// sent). A row is the header's width (a ragged one cut to it, as for entities) and is valid
// only during the call.
type rawRower interface {
	RawRows(kind roster.Kind, col func(name string) int, header []string, meta []int) func(rec []string) error
}

// rawRows returns the sink's function for the rows of the file fr reads, when the sink takes
// them raw: only of a 1.1 package (the columns of 1.0 and 1.2 are not one for one the
// entities' fields), only for a kind the sink takes.
func (r *reader) rawRows(fr *fileReader, build bool) func([]string) error {
	rr, ok := r.sink.(rawRower)
	if !ok || !build || r.version == "1.0" || r.version == "1.2" {
		return nil
	}
	return rr.RawRows(fr.spec.kind, func(name string) int {
		if j, ok := fr.pos[name]; ok {
			return j
		}
		return -1
	}, fr.header, fr.meta)
}

// emitRaw sends a row to a raw sink, one of the wrong width as emit sends its entity (or not).
func (fr *fileReader) emitRaw(rec []string, raw func([]string) error) error {
	rec, ok := fr.fit(rec)
	if !ok {
		return nil
	}
	return raw(rec)
}
