package sds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/suggest"
	"github.com/rostersync/rostersync/pkg/value"
)

func hash(s string) uint64 { return xxhash.Sum64String(s) }

// keyHash hashes the values that together identify a row: each value's hash mixed into the
// last, so that the order of the values counts and no allocation is made.
func keyHash(rec []string, idx []int) uint64 {
	var h uint64
	for _, j := range idx {
		v := ""
		if j >= 0 && j < len(rec) {
			v = rec[j]
		}
		h = (h^xxhash.Sum64String(v))*0x9e3779b97f4a7c15 + 1
	}
	return h
}

// The users' ID table holds each user's line with two flags in the bits no line reaches: the
// user has givenName, familyName and email (as a contact needs), and roles.csv gives it a role.
const (
	flagComplete = 1 << 30
	flagRoled    = 1 << 29
	lineMask     = flagRoled - 1
)

// userRole is what roles.csv says of one user, kept to build the model's users.
type userRole struct {
	role    string // the primary row's role (else the first row's)
	primary bool   // role came from a row with isPrimary true
	orgs    []string
	grades  []string
	orgSet  longList[string] // orgs, for a user in many
	primOrg bool             // orgs[0] is a primary row's org
}

// longList tells whether a list holds a value: a scan while the list is short, a map once it
// is long (a user in thousands of orgs, a contact of thousands of students), so building a
// list of n values takes time in n, not n².
type longList[T comparable] struct{ m map[T]struct{} }

// has reports whether list holds v.
func (l *longList[T]) has(list []T, v T) bool {
	if l.m == nil {
		if len(list) < 32 {
			return slices.Contains(list, v)
		}
		l.m = make(map[T]struct{}, 2*len(list))
		for _, x := range list {
			l.m[x] = struct{}{}
		}
	}
	_, ok := l.m[v]
	return ok
}

// added records that v was added to the list.
func (l *longList[T]) added(v T) {
	if l.m != nil {
		l.m[v] = struct{}{}
	}
}

// reader is the state of one Read.
type reader struct {
	ctx     context.Context
	fsys    fs.FS
	opts    format.Options
	sink    roster.Sink
	rep     roster.Reporter
	build   bool // entities are sent to the sink (not a validation only)
	borrow  bool
	check   bool
	present map[string]bool
	lone    bool                  // one SDS file given alone
	ids     map[string]*idset.Map // own sourcedIds of each file read, with their lines
	said    map[string]bool       // missing referenced files already reported
	// contacts are the users that are someone's contact (relationshipUserSourcedId).
	contacts  *idset.Map
	usernames *idset.Map
	orgParent map[string]string // org -> parent, for the cycle check
	orgLine   map[string]int
	// building only
	roles    map[uint64]*userRole // hash of the user's sourcedId -> what roles.csv says
	agents   map[uint64][]string  // student -> contacts, from relationships.csv
	contactR map[uint64]string    // contact -> relationshipRole
	students map[uint64][]uint64  // contact -> the students it is a contact of
	// studentIDs holds the same students' sourcedIds, in relationships.csv order: a contact's
	// agentSourcedIds.
	studentIDs map[uint64][]string
	interned   map[string]string // orgs, roles and grades, kept once
	school     map[string]string // class -> org
	info       format.Info
}

// Read reads and validates an SDS v2.1 file set from fsys.
func (f Format) Read(ctx context.Context, fsys fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	rep = csvio.NewSyncReporter(rep)
	names, err := format.Files(fsys)
	if err != nil {
		return format.Info{}, fmt.Errorf("list the files: %w", err)
	}
	r := &reader{ctx: ctx, fsys: fsys, opts: opts, sink: sink, rep: rep,
		present: map[string]bool{}, ids: map[string]*idset.Map{}, said: map[string]bool{},
		contacts:  idset.New(0),
		orgParent: map[string]string{}, orgLine: map[string]int{},
		info: format.Info{Format: Name, Version: "2.1", Files: []format.FileInfo{}}}
	_, discard := sink.(roster.Discard)
	r.build = !discard
	r.borrow = roster.Borrows(sink)
	r.check = !opts.Reread || opts.Fix
	if refused := r.legacy(names); refused {
		return r.info, nil
	}
	var stray []string
	for _, n := range names {
		if specByName(n) != nil {
			r.present[n] = true
		} else {
			stray = append(stray, n)
		}
	}
	var ignored []string
	for _, n := range stray {
		if c := folded(n); c != "" && !r.present[c] {
			rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: n,
				Message: fmt.Sprintf("%s is not read: SDS file names are case-sensitive, rename it %s", n, c)})
			continue
		} else if c != "" {
			// Beside the file of the right name: SDS reads that one, but which the district meant
			// is not known, and a copy to Windows or macOS keeps only one of the two.
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: n,
				Message: fmt.Sprintf("%s is not read: it is %s in another case, and %s is read (remove one of them: on Windows and macOS they are one file)", n, c, c)})
			continue
		}
		ignored = append(ignored, n)
	}
	// A Clever upload beside the SDS files (one zip of both exports): SDS is read, which the
	// user may not have meant, so its files are named, as a warning.
	var clever []string
	ignored = slices.DeleteFunc(ignored, func(n string) bool {
		if slices.Contains(cleverFiles, n) {
			clever = append(clever, n)
			return true
		}
		return false
	})
	if len(clever) >= 2 {
		rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: clever[0],
			Message: fmt.Sprintf("%s are a Clever upload's files, not read: this input is read as SDS (give --format clever to read it as Clever, or keep the two in separate folders)", andList(clever))})
	} else {
		ignored = append(ignored, clever...)
		slices.Sort(ignored)
	}
	if len(ignored) > 0 {
		// missing-file, as a file of the set not read (SDS has no manifest to name them).
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeMissingFile, File: ignored[0],
			Message: fmt.Sprintf("not read, as no SDS v2.1 file is so named: %s", strings.Join(ignored, ", "))})
	}
	// One SDS file given alone (validate users.csv): its own rules are checked, and the files
	// it would need are named as warnings, as for a lone OneRoster file.
	r.lone = len(names) == 1 && len(r.present) == 1
	for _, n := range requiredFiles {
		if r.present[n] {
			continue
		}
		if r.lone {
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: n,
				Message: fmt.Sprintf("%s is not here: only the rules of the file given were checked, not references into other files", n)})
			continue
		}
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: n,
			Message: fmt.Sprintf("%s is missing: SDS v2.1 requires orgs.csv, users.csv and roles.csv (roles.csv links each user to an org with a role); add it to the export", n)})
	}
	for _, pair := range [][2]string{{fileClasses, fileEnrollments}, {fileEnrollments, fileClasses}} {
		if r.present[pair[0]] && !r.present[pair[1]] && !r.lone {
			rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: pair[1],
				Message: fmt.Sprintf("%s is missing: SDS v2.1 takes classes.csv and enrollments.csv together", pair[1])})
		}
	}
	if r.wants(roster.UserKind) {
		// Users need their roles and contacts, read ahead (only when users are kept).
		if err := r.preRead(); err != nil {
			return r.info, err
		}
	}
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			return r.info, err
		}
		if !r.present[spec.name] {
			continue
		}
		if err := r.readFile(spec); err != nil {
			return r.info, err
		}
		if spec.name == fileOrgs && r.check {
			r.checkOrgTree()
		}
	}
	if r.check {
		r.checkRoles()
	}
	return r.info, nil
}

// wants reports whether entities of kind k are sent to the sink: not in a validation, nor to a
// sink that keeps none of them (roster.Selective).
func (r *reader) wants(k roster.Kind) bool {
	if !r.build || k == "" {
		return false
	}
	if sel, ok := r.sink.(roster.Selective); ok {
		return sel.Wants(k)
	}
	return true
}

// folded returns the SDS v2.1 file name that name is in another case ("Users.csv"), or "".
func folded(name string) string {
	for _, s := range specs {
		if strings.EqualFold(s.name, name) {
			return s.name
		}
	}
	return ""
}

// legacy recognises the file sets of the legacy SDS v1 format and of the retired SDS v2, and
// refuses them with one problem that says what they are.
func (r *reader) legacy(names []string) bool {
	var v1 []string
	for _, n := range names {
		if slices.ContainsFunc(v1Files, func(v string) bool { return strings.EqualFold(v, n) }) {
			v1 = append(v1, n)
		}
	}
	if len(v1) > 0 && !slices.Contains(names, fileUsers) && !slices.Contains(names, fileOrgs) {
		r.info.Version = "1"
		r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: v1[0],
			Message: fmt.Sprintf("%s: this is the legacy SDS v1 format (School.csv, Student.csv, Teacher.csv …), which rostersync does not read: export SDS v2.1 instead (orgs.csv, users.csv, roles.csv …)", strings.Join(v1, ", "))})
		return true
	}
	if slices.Contains(names, fileUsers) && !slices.Contains(names, fileRoles) {
		if v2Users(format.HeaderLine(r.fsys, fileUsers)) {
			r.info.Version = "2"
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: fileRoles,
				Message: "this is the retired SDS v2 format (users.csv with orgSourcedIds and role, no roles.csv), which Microsoft stopped accepting in 2022: export SDS v2.1 instead (roles.csv links users to orgs)"})
			return true
		}
	}
	return false
}

// headerCells splits a header line into its names, quotes and spaces trimmed.
func headerCells(h string) []string {
	if h == "" {
		return nil
	}
	cells := strings.Split(h, ",")
	for i, c := range cells {
		cells[i] = strings.Trim(strings.TrimSpace(c), `"`)
	}
	return cells
}

// v2Users reports whether a users.csv header is the retired SDS v2 one: orgSourcedIds and
// role in users.csv, without OneRoster's status and dateLastModified.
func v2Users(h string) bool {
	cells := headerCells(h)
	return slices.Contains(cells, "orgSourcedIds") && slices.Contains(cells, "role") &&
		!slices.Contains(cells, "status") && !slices.Contains(cells, "dateLastModified")
}

// preRead reads what users need from later files (their roles and contacts), so each user is
// sent whole. Only when entities are built: a validation keeps none of it.
func (r *reader) preRead() error {
	copts := csvio.Options{Encoding: r.opts.InputEncoding}
	if r.present[fileRoles] {
		r.roles = map[uint64]*userRole{}
		idx := r.columnsOf(fileRoles, "userSourcedId", "orgSourcedId", "role", "grade", "isPrimary")
		err := csvio.Reread(r.fsys, fileRoles, copts, func(rec []string, _ int) {
			u, org, role, grade, prim := at(rec, idx[0]), at(rec, idx[1]), at(rec, idx[2]), at(rec, idx[3]), at(rec, idx[4])
			if u == "" {
				return
			}
			h := hash(u)
			ur := r.roles[h]
			if ur == nil {
				ur = &userRole{}
				r.roles[h] = ur
			}
			isPrim := strings.EqualFold(prim, "true")
			if role != "" && (ur.role == "" || isPrim && !ur.primary) {
				ur.role, ur.primary = r.intern(modelRole(canon(roleValues, role))), isPrim
			}
			if org != "" && !ur.orgSet.has(ur.orgs, org) {
				org = r.intern(org)
				if isPrim && !ur.primOrg {
					// The first primary row's org first, as its role is the user's.
					ur.orgs, ur.primOrg = slices.Insert(ur.orgs, 0, org), true
				} else {
					ur.orgs = append(ur.orgs, org)
				}
				ur.orgSet.added(org)
			}
			if grade != "" && !slices.Contains(ur.grades, grade) {
				ur.grades = append(ur.grades, r.intern(grade))
			}
		})
		if err != nil && !errors.Is(err, csvio.ErrEncoding) {
			return err
		}
	}
	if r.present[fileRelationships] {
		r.agents, r.contactR, r.students = map[uint64][]string{}, map[uint64]string{}, map[uint64][]uint64{}
		r.studentIDs = map[uint64][]string{}
		pairs := map[[2]uint64]struct{}{} // (student, contact) rows read
		idx := r.columnsOf(fileRelationships, "userSourcedId", "relationshipUserSourcedId", "relationshipRole")
		err := csvio.Reread(r.fsys, fileRelationships, copts, func(rec []string, _ int) {
			s, c, role := at(rec, idx[0]), at(rec, idx[1]), at(rec, idx[2])
			if s == "" || c == "" {
				return
			}
			hs, hc := hash(s), hash(c)
			pair := [2]uint64{hs, hc}
			if _, seen := pairs[pair]; seen {
				return // a repeated row (duplicate-id)
			}
			pairs[pair] = struct{}{}
			r.agents[hs] = append(r.agents[hs], strings.Clone(c))
			r.students[hc] = append(r.students[hc], hs)
			r.studentIDs[hc] = append(r.studentIDs[hc], strings.Clone(s))
			if _, ok := r.contactR[hc]; !ok {
				r.contactR[hc] = r.intern(canon(relationshipRoles, role))
			}
		})
		if err != nil && !errors.Is(err, csvio.ErrEncoding) {
			return err
		}
	}
	return nil
}

// intern returns s kept once for the read (s may point into a read buffer that is reused).
func (r *reader) intern(s string) string {
	if v, ok := r.interned[s]; ok {
		return v
	}
	if r.interned == nil {
		r.interned = map[string]string{}
	}
	c := strings.Clone(s)
	r.interned[c] = c
	return c
}

// columnsOf returns the index of each named column in file's header (-1 when absent).
func (r *reader) columnsOf(file string, names ...string) []int {
	cells := headerCells(format.HeaderLine(r.fsys, file))
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = slices.Index(cells, n)
	}
	return out
}

func at(rec []string, j int) string {
	if j < 0 || j >= len(rec) {
		return ""
	}
	return rec[j]
}

// canon returns the form SDS stores an enumerated value in (values match ignoring case), or v
// itself when it is not in vocab.
// cleverFiles are the files of a Clever upload (SDS has none of these names).
var cleverFiles = []string{"schools.csv", "students.csv", "teachers.csv", "sections.csv", "staff.csv", "admins.csv"}

// andList joins names as "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// modelRole is the model's role for an SDS role (canonical spelling): SDS's teacherAssistant
// is the model's (OneRoster's) aide, which the writer writes as teacherAssistant; every other
// role is kept as SDS spells it.
func modelRole(role string) string {
	if role == "teacherAssistant" {
		return "aide"
	}
	return role
}

func canon(vocab map[string]string, v string) string {
	if c, ok := vocab[strings.ToLower(v)]; ok {
		return c
	}
	return v
}

// fileReader reads one file.
type fileReader struct {
	r     *reader
	spec  *fileSpec
	idx   []int               // spec column -> record index (-1 absent)
	cols  []csvio.Placed[col] // the spec's columns the header has
	width int
	own   *idset.Map
	bag   *idset.Bag
	key   []int // record indexes of the key columns
	refs  []*idset.Map
	// last is, per column, the hash of the last reference found good: exports are sorted by
	// user or class, so a value often repeats on the next row and its lookup is skipped.
	last []uint64
	// queued are the references of the current batch, looked up together in flush: lookups
	// that do not wait on each other overlap their cache misses.
	queued []queuedRef
	lists  bool
	pos    map[string]int
	// header and secret name each record cell's column, and whether it is never shown.
	header []string
	secret []bool
}

func (fr *fileReader) report(sev roster.Severity, code string, line int, column, msg string) {
	fr.r.rep.Report(roster.Problem{Severity: sev, Code: code, File: fr.spec.name, Line: line, Column: column, Message: msg})
}

// readFile reads one file in full, checking every row and sending its entities.
func (r *reader) readFile(spec *fileSpec) error {
	name := spec.name
	f, cr, err := csvio.OpenFile(r.fsys, name, name, csvio.Options{Encoding: r.opts.InputEncoding}, r.rep,
		spec.names())
	if err != nil {
		return err
	}
	defer f.Close()
	fi := format.FileInfo{Name: name}
	if cr == nil { // reported
		r.info.Files = append(r.info.Files, fi)
		return nil
	}
	fr := &fileReader{r: r, spec: spec, width: len(cr.Header()), pos: map[string]int{}}
	hint := rowsHint(r.fsys, f, name)
	known := spec.names()
	hs := csvio.HeaderSpec{
		// An unknown column that is no near miss of a known one is a warning (below), not an error.
		// Only a word (letters, '.', '_') can be such a column: a cell with digits or an @ may be
		// a value of a file without its header, which is never shown.
		Extra: func(n string) bool { return isWord(n) && suggest.Closest(n, known) == "" },
		Hint:  "SDS v2.1 " + name + " has the columns " + strings.Join(known, ",") + " (case-sensitive)",
	}
	for _, c := range spec.cols {
		hs.Columns = append(hs.Columns, csvio.HeaderColumn{Name: c.name, Optional: !c.req})
	}
	fr.idx = csvio.CheckHeader(name, cr.Header(), hs, r.rep)
	if fr.idx == nil {
		r.info.Files = append(r.info.Files, fi)
		return nil
	}
	fr.cols = csvio.Place(spec.cols, fr.idx)
	for i, c := range spec.cols {
		if fr.idx[i] >= 0 {
			fr.pos[c.name] = fr.idx[i]
		}
		if c.typ == tIDList || c.typ == tEnumList {
			fr.lists = true
		}
	}
	fr.header = cr.Header()
	fr.secret = make([]bool, len(fr.header))
	for i, c := range spec.cols {
		if fr.idx[i] >= 0 {
			fr.secret[fr.idx[i]] = c.secret
		}
	}
	for j, h := range cr.Header() {
		if slices.Contains(fr.idx, j) || strings.TrimSpace(h) == "" {
			continue
		}
		if hs.Extra(h) && !slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, h) }) {
			r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeHeader, File: name, Line: 1, Column: h,
				Message: fmt.Sprintf("column %d: %q is not an SDS v2.1 column of %s: it is not read (SDS may ignore or refuse it; remove it)", j+1, h, name)})
		}
	}
	if r.check {
		switch {
		case spec.own && fr.idx[0] >= 0:
			fr.own = idset.New(hint)
			r.ids[name] = fr.own
		case len(spec.key) > 0:
			fr.bag = idset.NewBag(hint)
			for _, k := range spec.key {
				j, ok := fr.pos[k]
				if !ok {
					j = -1
				}
				fr.key = append(fr.key, j)
			}
		}
		fr.refs = make([]*idset.Map, len(spec.cols))
		fr.last = make([]uint64, len(spec.cols))
		for i, c := range spec.cols {
			if c.ref != "" && fr.idx[i] >= 0 {
				fr.refs[i] = r.ids[c.ref] // nil: the file is absent (reported once, on first use)
			}
		}
	}
	if spec.name == fileUsers && r.check {
		r.usernames = idset.New(hint)
	}
	var pre csvio.Pre
	if r.check {
		pre = fr.pre
	}
	// emit: the rows' entities are built and sent; skip: the sink keeps none of this kind, so
	// they are only counted; schools: enrollments (kept) need their classes' schools.
	emit := r.wants(spec.kind)
	skip := !emit && r.build && spec.kind != ""
	schools := !emit && name == fileClasses && r.wants(roster.EnrollmentKind)
	if schools || emit && name == fileClasses && r.wants(roster.EnrollmentKind) {
		r.school = map[string]string{}
	}
	rows := 0
	var flush func() error
	if r.check {
		flush = fr.flush
	}
	err = csvio.EachPreBatch(r.ctx, cr, pre, func(rec []string, line int, ok bool) error {
		rows++
		if len(rec) != fr.width {
			if r.check {
				fr.report(roster.Error, roster.CodeRaggedRow, line, "", fr.raggedMessage(len(rec)))
				if fr.own != nil && fr.idx[0] == 0 && len(rec) > 0 && rec[0] != "" {
					// The row's own ID is its first cell whatever its other cells: kept, so the
					// rows that refer to it are not reported as well.
					fr.own.Add(hash(rec[0]), int32(line))
				}
			}
			return nil
		}
		if r.check {
			fr.row(rec, line)
		}
		if emit {
			return fr.emit(rec)
		}
		if schools {
			r.school[strings.Clone(at(rec, fr.pos["sourcedId"]))] = strings.Clone(at(rec, fr.pos["orgSourcedId"]))
		}
		return nil
	}, flush)
	fi.Rows = rows
	if skip {
		r.sink.(roster.Selective).SkipN(spec.kind, rows)
	}
	r.info.Files = append(r.info.Files, fi)
	if err != nil {
		return err
	}
	if fr.bag != nil && fr.bag.Len() > 0 {
		return fr.repeats()
	}
	return nil
}

// isWord reports whether s is a word of ASCII letters, '.' and '_' (a column name's form).
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func (fr *fileReader) raggedMessage(n int) string {
	msg := fmt.Sprintf("the row has %d cells, the header %d", n, fr.width)
	if fr.lists && n > fr.width {
		msg += ": a list (several IDs or codes in one cell) must be quoted, \"a,b\""
	}
	return msg
}

// rowsHint estimates the rows of a file from its size and the length of its first lines, so
// that ID tables are made at their size rather than grown (and copied) row by row.
func rowsHint(fsys fs.FS, f fs.File, name string) int {
	fi, err := f.Stat()
	if err != nil || fi.Size() <= 0 {
		return 0
	}
	g, err := fsys.Open(name)
	if err != nil {
		return 0
	}
	defer g.Close()
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(g, buf)
	lines := bytes.Count(buf[:n], []byte{'\n'})
	if lines < 2 {
		return 0
	}
	per := max(int64(n)/int64(lines), 8)
	return int(min(fi.Size()/per, 1<<26))
}

// pre checks the values of one row on their own: required, vocabularies, dates, forms.
func (fr *fileReader) pre(rec []string, line int) ([]string, bool) {
	if len(rec) != fr.width {
		return rec, false
	}
	for j, v := range rec {
		if csvio.Formula(v) { // every column, passwords too, for what a spreadsheet would run
			fr.report(roster.Warning, roster.CodeFormula, line, fr.header[j], csvio.FormulaMessage(fr.header[j], v, fr.secret[j]))
		}
	}
	ok := true
	for _, p := range fr.cols {
		c, v := p.Spec, rec[p.At]
		if v == "" {
			if c.req {
				ok = false
				fr.report(roster.Error, roster.CodeMissingRequired, line, c.name, fmt.Sprintf("%s is blank: SDS requires a value in every row", c.name))
			}
			continue
		}
		if code, msg := checkValue(c, v); code != "" {
			ok = false
			sev := roster.Error
			if c.typ == tOpenEnum {
				sev = roster.Warning
			}
			fr.report(sev, code, line, c.name, msg)
		}
	}
	// An end before its start (both valid dates; *choice*: SDS would take the row as ended).
	for _, pair := range [][2]string{{"startDate", "endDate"}, {"roleStartDate", "roleEndDate"}} {
		a, aok := fr.pos[pair[0]]
		b, bok := fr.pos[pair[1]]
		if aok && bok && isDate(rec[a]) && isDate(rec[b]) && rec[b] < rec[a] {
			ok = false
			fr.report(roster.Error, roster.CodeBadDate, line, pair[1], fmt.Sprintf("%s %s is before %s %s", pair[1], rec[b], pair[0], rec[a]))
		}
	}
	return rec, ok
}

// checkValue checks one non-blank value; it returns the problem code and message, or "".
func checkValue(c *col, v string) (code, msg string) {
	switch c.typ {
	case tID, tIDList, tUsername, tEmail:
		// An ID that looks like another but is not (a line break is reported as a parse problem).
		if r := csvio.Invisible(v); r != 0 && r != '\n' && r != '\r' {
			return roster.CodeBadID, csvio.InvisibleMessage(c.name, r)
		}
	}
	show := func() string {
		if c.secret {
			return "(value not shown: personal data)"
		}
		return fmt.Sprintf("%q", v)
	}
	switch c.typ {
	case tID:
		if strings.TrimSpace(v) != v {
			return roster.CodeBadID, fmt.Sprintf("%s %q has spaces around it: IDs are matched exactly", c.name, v)
		}
	case tIDList:
		for _, item := range strings.Split(v, ",") {
			if item == "" || strings.TrimSpace(item) != item {
				return roster.CodeBadList, fmt.Sprintf("%s %q has an empty item or spaces around an item: write the IDs as \"a,b\"", c.name, v)
			}
		}
	case tEnum, tOpenEnum:
		if _, ok := c.vocab[strings.ToLower(v)]; !ok {
			return roster.CodeBadEnum, fmt.Sprintf("%s %s is not an SDS value (%s)", c.name, show(), vocabHint(c))
		}
	case tEnumList:
		for _, item := range strings.Split(v, ",") {
			if _, ok := c.vocab[strings.ToLower(item)]; !ok {
				return roster.CodeBadEnum, fmt.Sprintf("%s item %q is not an SDS value (%s)", c.name, item, vocabHint(c))
			}
		}
	case tGrade:
		if _, ok := c.vocab[strings.ToLower(v)]; !ok {
			return roster.CodeBadGrade, fmt.Sprintf("%s %q is not in SDS's default grade list (kg, 01–12, ps1 …); a grade your district added to SDS's list can be let through with --ignore bad-grade", c.name, v)
		}
	case tDate:
		if !isDate(v) {
			return roster.CodeBadDate, fmt.Sprintf("%s %s is not a date written YYYY-MM-DD", c.name, show())
		}
	case tYear:
		if len(v) != 4 || strings.Trim(v, "0123456789") != "" {
			return roster.CodeBadDate, fmt.Sprintf("%s %q is not a year written YYYY", c.name, v)
		}
	case tBool:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return roster.CodeBadBoolean, fmt.Sprintf("%s %q is not true or false", c.name, v)
		}
	case tEmail:
		if why := value.EmailProblem(v); why != "" {
			return roster.CodeBadEmail, fmt.Sprintf("%s %q %s", c.name, v, why)
		}
	case tUsername:
		if !strings.Contains(v, "@") {
			return roster.CodeBadID, fmt.Sprintf("username %q has no domain: SDS usernames are name@domain, the user's sign-in (%s@school.org)", v, v)
		}
		if why := value.EmailProblem(v); why != "" {
			return roster.CodeBadID, fmt.Sprintf("username %q %s: SDS usernames are name@domain", v, why)
		}
	}
	return "", ""
}

func vocabHint(c *col) string {
	if len(c.vocab) > 12 {
		return "see Microsoft's Default List of Values; case does not matter"
	}
	vals := make([]string, 0, len(c.vocab))
	for _, v := range c.vocab {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	return "one of " + strings.Join(vals, ", ")
}

func isDate(v string) bool {
	if len(v) != 10 {
		return false
	}
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

// row checks what a row shares with others: unique IDs and keys, references.
func (fr *fileReader) row(rec []string, line int) {
	r, spec := fr.r, fr.spec
	if fr.own != nil {
		if v := at(rec, fr.idx[0]); v != "" {
			val := int32(line)
			if spec.name == fileUsers && at(rec, fr.pos["givenName"]) != "" && at(rec, fr.pos["familyName"]) != "" && at(rec, fr.pos["email"]) != "" {
				val |= flagComplete
			}
			if first, dup := fr.own.Add(hash(v), val); dup {
				fr.report(roster.Error, roster.CodeDuplicateID, line, "sourcedId", fmt.Sprintf("sourcedId %q is also on line %d: IDs must be unique in %s", v, first&lineMask, spec.name))
			}
		}
	}
	if fr.bag != nil {
		fr.bag.Add(keyHash(rec, fr.key), int32(line))
	}
	for i := range spec.cols {
		c := &spec.cols[i]
		j := fr.idx[i]
		if c.ref == "" || j < 0 || rec[j] == "" {
			continue
		}
		if !r.present[c.ref] {
			if !r.said[c.ref] && !slices.Contains(requiredFiles, c.ref) && !r.lone {
				r.said[c.ref] = true
				r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: c.ref,
					Message: fmt.Sprintf("%s is missing, but %s refers to it in %s (line %d): SDS needs it to avoid import errors", c.ref, spec.name, c.name, line)})
			}
			continue
		}
		ids := fr.refs[i]
		if ids == nil || c.ref == spec.name {
			continue // the file was not read (reported), or refers to itself (checked after)
		}
		if c.typ == tIDList {
			for _, v := range strings.Split(rec[j], ",") {
				fr.ref(i, v, line)
			}
			continue
		}
		fr.ref(i, rec[j], line)
	}
	switch spec.name {
	case fileOrgs:
		id := at(rec, fr.idx[0])
		if _, ok := r.orgLine[id]; !ok && id != "" {
			id = strings.Clone(id)
			r.orgLine[id] = line
			if p := at(rec, fr.idx[3]); p != "" {
				r.orgParent[id] = strings.Clone(p)
			}
		}
	case fileUsers:
		if un := at(rec, fr.pos["username"]); un != "" {
			if first, dup := r.usernames.Add(hash(strings.ToLower(un)), int32(line)); dup {
				fr.report(roster.Error, roster.CodeDuplicateID, line, "username", fmt.Sprintf("username %q is also on line %d (ignoring case): each user signs in with their own", un, first))
			}
		}
	case fileRoles:
		if users := r.ids[fileUsers]; users != nil {
			h := hash(at(rec, fr.idx[0]))
			if l, ok := users.Get(h); ok {
				users.Set(h, l|flagRoled)
			}
		}
	case fileRelationships:
		cid := at(rec, fr.idx[1])
		if cid == "" {
			break
		}
		if cid == at(rec, fr.idx[0]) {
			fr.report(roster.Error, roster.CodeDanglingRef, line, "relationshipUserSourcedId",
				fmt.Sprintf("relationshipUserSourcedId %q is the user of the row: a contact is another user", cid))
			break
		}
		h := hash(cid)
		r.contacts.Set(h, 0)
		if users := r.ids[fileUsers]; users != nil {
			if ul, ok := users.Get(h); ok && ul&flagComplete == 0 {
				fr.report(roster.Error, roster.CodeMissingRequired, line, "relationshipUserSourcedId",
					fmt.Sprintf("contact %q (users.csv line %d) lacks a givenName, familyName or email: SDS requires all three for a contact", cid, ul&lineMask))
			}
		}
	}
}

// queuedRef is one reference waiting for its batch's lookups (flush).
type queuedRef struct {
	h     uint64
	col   int32
	line  int32
	value string // valid until the batch is flushed
}

// ref queues v, in column i, to be looked up in the file it refers to.
func (fr *fileReader) ref(i int, v string, line int) {
	if v == "" || strings.TrimSpace(v) != v {
		return // reported as bad-id or bad-list
	}
	fr.queued = append(fr.queued, queuedRef{h: hash(v), col: int32(i), line: int32(line), value: v})
}

// flush looks up the references of a batch, in order, skipping a value the column's last
// reference found good (exports are sorted by user or class).
func (fr *fileReader) flush() error {
	for _, q := range fr.queued {
		if q.h == fr.last[q.col] {
			continue
		}
		if fr.refs[q.col].Has(q.h) {
			fr.last[q.col] = q.h
			continue
		}
		c := &fr.spec.cols[q.col]
		fr.report(roster.Error, roster.CodeDanglingRef, int(q.line), c.name, fmt.Sprintf("%s %q is not a sourcedId in %s", c.name, q.value, c.ref))
	}
	fr.queued = fr.queued[:0]
	return nil
}

// repeats reports every row whose key repeats an earlier row's (a second pass, only when the
// first found repeats).
func (fr *fileReader) repeats() error {
	rep := fr.bag.Repeated()
	if rep.Len() == 0 {
		return nil
	}
	return csvio.Reread(fr.r.fsys, fr.spec.name, csvio.Options{Encoding: fr.r.opts.InputEncoding}, func(rec []string, line int) {
		if len(rec) != fr.width {
			return
		}
		first, ok := rep.Get(keyHash(rec, fr.key))
		if !ok || int(first) == line {
			return
		}
		fr.report(roster.Error, roster.CodeDuplicateID, line, fr.spec.key[0],
			fmt.Sprintf("this row repeats line %d: %s must be unique together in %s", first, strings.Join(fr.spec.key, ", "), fr.spec.name))
	})
}

// checkOrgTree reports parentSourcedIds that are no org, and parents that form a cycle.
func (r *reader) checkOrgTree() {
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range r.orgParent {
			if !yield(id) {
				return
			}
		}
	})
	inCycle := r.orgCycles(ids)
	for _, id := range ids {
		p := r.orgParent[id]
		if _, ok := r.orgLine[p]; !ok {
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeDanglingRef, File: fileOrgs, Line: r.orgLine[id], Column: "parentSourcedId",
				Message: fmt.Sprintf("parentSourcedId %q is not a sourcedId in orgs.csv", p)})
			continue
		}
		if inCycle[id] {
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeDanglingRef, File: fileOrgs, Line: r.orgLine[id], Column: "parentSourcedId",
				Message: fmt.Sprintf("org %q is its own ancestor through parentSourcedId: the parents form a cycle", id)})
		}
	}
}

// orgCycles returns the orgs whose parents lead back to themselves. Each org is walked once
// (marked on the path, then done), so a long chain of parents costs its length, not its square.
func (r *reader) orgCycles(ids []string) map[string]bool {
	const onPath, done = 1, 2
	inCycle := map[string]bool{}
	state := make(map[string]uint8, len(ids))
	var path []string
	for _, id := range ids {
		path = path[:0]
		cur := id
		for cur != "" && state[cur] == 0 {
			state[cur] = onPath
			path = append(path, cur)
			cur = r.orgParent[cur]
		}
		if cur != "" && state[cur] == onPath {
			for _, c := range path[slices.Index(path, cur):] {
				inCycle[c] = true
			}
		}
		for _, c := range path {
			state[c] = done
		}
	}
	return inCycle
}

// checkRoles warns, once, about the users roles.csv gives no role, other than contacts.
func (r *reader) checkRoles() {
	users := r.ids[fileUsers]
	if users == nil || !r.present[fileRoles] {
		return
	}
	none, first := 0, int32(0)
	users.All(func(h uint64, v int32) {
		line := v & lineMask
		if v&flagRoled == 0 && !r.contacts.Has(h) {
			if none++; first == 0 || line < first {
				first = line
			}
		}
	})
	if none > 0 {
		who := "1 user has"
		if none > 1 {
			who = fmt.Sprintf("%d users have", none)
		}
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingRequired, File: fileUsers, Line: int(first), Column: "sourcedId",
			Message: fmt.Sprintf("%s no row in roles.csv and %s no one's contact (first on line %d): SDS links a user to a school through roles.csv", who, isAre(none), first)})
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
