package oneroster

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// WriteStream is format.StreamWriter: the package Write writes, written as the entities come.
// Each file's rows go to a private file in scratch as they arrive (its header's metadata.*
// columns are known only once every row is: they are added in the order first met, and the
// rows written before a column was met are padded when the file is finished). What a later
// row needs is kept: the academic sessions (a few; schoolYear is filled from the whole set)
// and, for 1.2's roles.csv, each org's type. Files are published into dst in package order at
// End, each renamed into place when dst can adopt it (format.Adopter) and no row needs padding.
func (f Format) WriteStream(ctx context.Context, dst format.Dest, scratch string, opts format.Options, rep roster.Reporter) (format.Stream, error) {
	s := &stream{ctx: ctx, dst: dst, scratch: scratch, opts: opts, rep: rep, version: settingsOf(opts).Version,
		delta: map[roster.Kind]bool{},
		fill:  &filler{rep: rep, fix: opts.Fix, years: map[string]string{}, examples: map[string]string{}}}
	specs := map[roster.Kind]*fileSpec{}
	for _, spec := range writeSpecs(s.version) {
		specs[spec.kind] = spec
	}
	s.orgs = newKindFile(s, specs[roster.OrgKind], orgColumns)
	s.sessions = newKindFile(s, specs[roster.AcademicSessionKind], sessionColumns)
	s.courses = newKindFile(s, specs[roster.CourseKind], courseColumns)
	s.classes = newKindFile(s, specs[roster.ClassKind], classColumns)
	s.users = newKindFile(s, specs[roster.UserKind], userColumns)
	s.demos = newKindFile(s, specs[roster.DemographicsKind], demographicsColumns)
	s.enrollments = newKindFile(s, specs[roster.EnrollmentKind], enrollmentColumns)
	if s.version == "1.2" {
		s.roles = newKindFile(s, v12Spec("roles.csv"), roleColumns)
		s.orgTypes = map[string]string{}
	}
	return s, nil
}

// stream is the state of one WriteStream.
type stream struct {
	ctx     context.Context
	dst     format.Dest
	scratch string
	opts    format.Options
	rep     roster.Reporter
	version string
	delta   map[roster.Kind]bool
	fill    *filler

	orgs        *kindFile[roster.Org]
	sessions    *kindFile[roster.AcademicSession]
	courses     *kindFile[roster.Course]
	classes     *kindFile[roster.Class]
	users       *kindFile[roster.User]
	demos       *kindFile[roster.Demographics]
	enrollments *kindFile[roster.Enrollment]
	roles       *kindFile[roleRow]

	held         []roster.AcademicSession // copied: written at End, once schoolYear can be filled
	orgTypes     map[string]string        // 1.2: org sourcedId -> type, for roles.csv
	usersSeen    bool
	noRole       int    // 1.2: users written without a role row
	firstNoRole  string // the first of them
	with12       int    // 1.1: users whose 1.2 columns are not written
	demographics int
	rows         int
}

func (s *stream) MarkDelta(k roster.Kind) { s.delta[k] = true }

// tick checks for an interrupt every 4,096 rows.
func (s *stream) tick() error {
	if s.rows++; s.rows&4095 == 0 {
		return s.ctx.Err()
	}
	return nil
}

func (s *stream) Org(v *roster.Org) error {
	if s.orgTypes != nil {
		if s.usersSeen {
			return format.ErrStreamOrder // roles.csv rows already written without this org's type
		}
		s.orgTypes[strings.Clone(v.SourcedID)] = strings.Clone(v.Type)
	}
	return s.orgs.add(v)
}

func (s *stream) AcademicSession(v *roster.AcademicSession) error {
	c := *v
	c.SourcedID, c.Status, c.DateLastModified = strings.Clone(c.SourcedID), strings.Clone(c.Status), strings.Clone(c.DateLastModified)
	c.Title, c.Type, c.StartDate, c.EndDate = strings.Clone(c.Title), strings.Clone(c.Type), strings.Clone(c.StartDate), strings.Clone(c.EndDate)
	c.ParentID, c.SchoolYear = strings.Clone(c.ParentID), strings.Clone(c.SchoolYear)
	c.Metadata = make([]roster.KV, len(v.Metadata))
	for i, kv := range v.Metadata {
		c.Metadata[i] = roster.KV{Key: strings.Clone(kv.Key), Value: strings.Clone(kv.Value)}
	}
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	s.held = append(s.held, c)
	return nil
}

func (s *stream) Course(v *roster.Course) error { return s.courses.add(v) }
func (s *stream) Class(v *roster.Class) error   { return s.classes.add(v) }

func (s *stream) User(u *roster.User) error {
	s.usersSeen = true
	bulk := !s.delta[roster.UserKind]
	written := !bulk || !roster.Deleted(u.Status)
	if s.roles != nil && written {
		n := 0
		for k, org := range u.OrgIDs {
			if org == "" || u.Role == "" || containsBefore(u.OrgIDs, k, org) {
				continue
			}
			row := roleRow{u: u, n: n, role: mapRole11to12(u.Role, s.orgTypes[org]), org: org}
			if err := s.roles.add(&row); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			if s.noRole++; s.firstNoRole == "" {
				s.firstNoRole = strings.Clone(u.SourcedID)
			}
		}
	}
	if s.roles == nil && written && loses12Columns(u) {
		s.with12++
	}
	return s.users.add(u)
}

// containsBefore reports whether l[:k] holds v.
func containsBefore(l []string, k int, v string) bool {
	for _, x := range l[:k] {
		if x == v {
			return true
		}
	}
	return false
}

func (s *stream) Demographics(v *roster.Demographics) error {
	s.demographics++
	return s.demos.add(v)
}

func (s *stream) Enrollment(v *roster.Enrollment) error { return s.enrollments.add(v) }

// End writes the academic sessions, publishes every file in package order, reports what Write
// reports and writes the manifest.
func (s *stream) End(func(roster.Kind) int) error {
	s.fill.addYears(s.held)
	for i := range s.held {
		if err := s.sessions.add(&s.held[i]); err != nil {
			return err
		}
	}
	s.held = nil
	modes := map[string]string{}
	for _, spec := range writeSpecs(s.version) {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		var n, deleted int
		var err error
		switch spec.kind {
		case roster.OrgKind:
			n, deleted, err = s.orgs.finish()
		case roster.AcademicSessionKind:
			n, deleted, err = s.sessions.finish()
		case roster.CourseKind:
			n, deleted, err = s.courses.finish()
		case roster.ClassKind:
			n, deleted, err = s.classes.finish()
		case roster.UserKind:
			n, deleted, err = s.users.finish()
		case roster.DemographicsKind:
			n, deleted, err = s.demos.finish()
		case roster.EnrollmentKind:
			n, deleted, err = s.enrollments.finish()
		}
		if err != nil {
			return err
		}
		if deleted > 0 {
			s.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: spec.name,
				Message: fmt.Sprintf("%s with status tobedeleted not written: a bulk file lists the records that exist", plural(deleted, spec.kind.Singular()))})
		}
		if n > 0 {
			modes[spec.name] = mode(s.delta[spec.kind])
		}
	}
	if s.roles == nil {
		if s.with12 > 0 {
			s.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: "users.csv",
				Message: fmt.Sprintf("%s OneRoster 1.2 columns (userMasterIdentifier, preferred names, primaryOrgSourcedId, pronouns) not written: 1.1 has no place for them (write OneRoster 1.2 to keep them)", possessive(s.with12, "user"))})
		}
	} else {
		if s.noRole > 0 {
			s.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeLossy, File: "roles.csv", Column: "role",
				Message: fmt.Sprintf("%s no role in roles.csv (the first is %q): a 1.2 role needs a role and an org, and %s none", hasHave(s.noRole), s.firstNoRole, hasHaveWord(s.noRole))})
		}
		n, _, err := s.roles.finish()
		if err != nil {
			return err
		}
		if n > 0 {
			modes["roles.csv"] = mode(s.delta[roster.UserKind])
		}
	}
	s.fill.report()
	if s.demographics > 0 {
		s.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodePersonalData, File: "demographics.csv",
			Message: fmt.Sprintf("%d demographics records written: they hold birth dates, share them only when the vendor needs them", s.demographics)})
	}
	return writeManifest(s.dst, s.version, modes)
}

func mode(delta bool) string {
	if delta {
		return "delta"
	}
	return "bulk"
}

// kindFile writes one file of a stream: each row as it comes into a private file in the
// stream's scratch folder, published into the Dest by finish.
type kindFile[T any] struct {
	s       *stream
	spec    *fileSpec
	cols    columns[T]
	started bool
	bulk    bool
	get     []field[T]
	base    int      // the spec's columns
	header  []string // the spec's columns, then the metadata columns met so far
	metaCol map[string]int
	byKey   map[string]int // metaCol by key as the records spell it

	f      *os.File
	buf    []byte
	line   []string
	skip   int      // the bytes of the header line written into f
	lens   []uint32 // each row's bytes, its newline included
	widths []widthFrom
	n      int
	del    int
}

// widthFrom says that the rows from row on were written with width cells.
type widthFrom struct{ row, width int }

func newKindFile[T any](s *stream, spec *fileSpec, cols columns[T]) *kindFile[T] {
	return &kindFile[T]{s: s, spec: spec, cols: cols, metaCol: map[string]int{}, byKey: map[string]int{}}
}

// start resolves the columns once the kind's delta mark is known (it comes before its rows).
func (k *kindFile[T]) start() {
	k.started = true
	k.bulk = !k.s.delta[k.spec.kind]
	if k.spec.name == "roles.csv" {
		k.bulk = !k.s.delta[roster.UserKind]
	}
	k.header = k.spec.names()
	k.base = len(k.header)
	k.get = make([]field[T], k.base)
	for i, name := range k.header {
		k.get[i] = k.cols.fields[name]
		if k.bulk && (name == "status" || name == "dateLastModified") {
			k.get[i] = nil
		}
	}
}

// flushAt is how many bytes a kindFile buffers before writing them.
const flushAt = 256 << 10

// add writes one record (a bulk file leaves out and counts a record whose status is
// tobedeleted). Its metadata keys not met before become columns.
func (k *kindFile[T]) add(v *T) error {
	if !k.started {
		k.start()
	}
	if k.bulk && roster.Deleted(k.cols.status(v)) {
		k.del++
		return nil
	}
	if err := k.s.tick(); err != nil {
		return err
	}
	if k.f == nil {
		f, err := os.CreateTemp(k.s.scratch, k.spec.name+"-*")
		if err != nil {
			return fmt.Errorf("create %s: %w", k.spec.name, err)
		}
		k.f = f
		k.buf = csvio.AppendRecord(k.buf, k.header)
		k.skip = len(k.buf)
		k.widths = append(k.widths, widthFrom{0, k.base})
	}
	meta := k.cols.meta(v)
	for _, kv := range meta {
		if _, ok := k.byKey[kv.Key]; ok {
			continue
		}
		key := strings.Clone(metaColumn(kv.Key))
		c, ok := k.metaCol[key]
		if !ok {
			c = len(k.header)
			k.metaCol[key] = c
			k.header = append(k.header, key)
			k.widths = append(k.widths, widthFrom{k.n, len(k.header)})
		}
		k.byKey[strings.Clone(kv.Key)] = c
	}
	if cap(k.line) < len(k.header) {
		k.line = make([]string, len(k.header), 2*len(k.header))
	}
	line := k.line[:len(k.header)]
	for c, g := range k.get {
		if g == nil {
			line[c] = ""
			continue
		}
		line[c] = g(v, k.s.fill)
	}
	clear(line[k.base:])
	for _, kv := range meta {
		line[k.byKey[kv.Key]] = kv.Value
	}
	at := len(k.buf)
	k.buf = csvio.AppendRecord(k.buf, line)
	clear(line) // the record's strings are the reader's: hold none
	k.lens = append(k.lens, uint32(len(k.buf)-at))
	k.n++
	if len(k.buf) >= flushAt {
		if _, err := k.f.Write(k.buf); err != nil {
			return fmt.Errorf("write %s: %w", k.spec.name, err)
		}
		k.buf = k.buf[:0]
	}
	return nil
}

// finish publishes the file into the stream's Dest and returns how many records it holds and,
// for a bulk file, how many it left out as tobedeleted. No file is published without a row.
func (k *kindFile[T]) finish() (n, deleted int, err error) {
	if k.f == nil {
		return 0, k.del, nil
	}
	name := k.spec.name
	defer func() {
		k.f.Close()
		os.Remove(k.f.Name())
		k.f, k.buf, k.lens = nil, nil, nil
	}()
	if _, err := k.f.Write(k.buf); err != nil {
		return 0, 0, fmt.Errorf("write %s: %w", name, err)
	}
	if len(k.header) == k.base {
		// Every row has the header's width: the scratch file is the file.
		if a, ok := k.s.dst.(format.Adopter); ok {
			if err := k.f.Close(); err != nil {
				return 0, 0, fmt.Errorf("write %s: %w", name, err)
			}
			if err := a.Adopt(name, k.f.Name()); err != nil {
				return 0, 0, fmt.Errorf("write %s: %w", name, err)
			}
			return k.n, k.del, nil
		}
	}
	if _, err := k.f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("write %s: %w", name, err)
	}
	w, err := k.s.dst.Create(name)
	if err != nil {
		return 0, 0, fmt.Errorf("create %s: %w", name, err)
	}
	err = k.copyPadded(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, fmt.Errorf("write %s: %w", name, err)
	}
	return k.n, k.del, nil
}

// copyPadded copies the scratch file into w under the whole header, each row padded with the
// empty cells of the metadata columns met after it was written.
func (k *kindFile[T]) copyPadded(w io.Writer) error {
	bw := bufio.NewWriterSize(w, flushAt)
	br := bufio.NewReaderSize(k.f, flushAt)
	if _, err := br.Discard(k.skip); err != nil {
		return err
	}
	if _, err := bw.Write(csvio.AppendRecord(nil, k.header)); err != nil {
		return err
	}
	final := len(k.header)
	if final == k.base {
		if _, err := io.Copy(bw, br); err != nil {
			return err
		}
		return bw.Flush()
	}
	pad := strings.Repeat(",", final-k.base)
	seg := 0
	var row []byte
	for i, l := range k.lens {
		for seg+1 < len(k.widths) && k.widths[seg+1].row <= i {
			seg++
		}
		if cap(row) < int(l) {
			row = make([]byte, l)
		}
		row = row[:l]
		if _, err := io.ReadFull(br, row); err != nil {
			return err
		}
		bw.Write(row[:l-1])
		bw.WriteString(pad[:final-k.widths[seg].width])
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
