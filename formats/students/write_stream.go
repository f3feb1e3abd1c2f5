package students

import (
	"context"
	"encoding/binary"
	"unsafe"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/spool"
)

// WriteStream is format.StreamWriter: students.csv from the entities as they come. A row needs
// its student's birth date (demographics come after users) and the file's columns need every
// row (MIDDLE_NAME and BIRTHDATE are left out when no student has one), so the stream keeps
// what Write reads of each student (IDs, names, e-mail, password, orgs, grades, metadata)
// packed end to end in blocks of bytes (past storeMemory, in a spool file in scratch), the
// orgs and the birth dates, and builds and writes the rows at End, as Write does. Users of other roles and the other kinds are only counted. Two
// students with one sourcedId are format.ErrStreamOrder (the whole roster is written by Write).
func (Format) WriteStream(ctx context.Context, dst format.Dest, scratch string, opts format.Options, rep roster.Reporter) (format.Stream, error) {
	b, err := newBuild(opts, rep)
	if err != nil {
		return nil, err
	}
	return &stream{ctx: ctx, dst: dst, b: b, index: idset.NewStrings[int32](1 << 10), keys: idset.NewBag(1 << 16), students: store{scratch: scratch, budget: storeMemory}}, nil
}

// stream is the state of one WriteStream.
type stream struct {
	ctx      context.Context
	dst      format.Dest
	b        *build
	students store  // each student packed (pack)
	strs     blocks // the strings kept of the orgs, the birth dates and the spooled students' sourcedIds
	// index is each student's place among students, by sourcedId, and births each one's
	// birth date: a demographics record's is kept only for a student, and found at End
	// by place, not looked up.
	index  *idset.Strings[int32]
	keys   *idset.Bag // each student's STUDENT_ID hash: the few repeated are found at End
	births []string
	other  *idset.Strings[string] // birth dates of users not (yet) met as students
	rec    []byte
	meta   []roster.KV
	n      int
}

func (s *stream) MarkDelta(roster.Kind) {}

func (s *stream) Org(v *roster.Org) error {
	o := &roster.Org{SourcedID: s.strs.str(v.SourcedID), Name: s.strs.str(v.Name), Type: s.strs.str(v.Type),
		Identifier: s.strs.str(v.Identifier)}
	s.b.w.orgs[o.SourcedID] = o
	return nil
}

func (s *stream) User(u *roster.User) error {
	if s.n++; s.n%4096 == 0 {
		if err := s.ctx.Err(); err != nil {
			return err
		}
	}
	if s.b.skip(u) {
		return nil
	}
	if _, dup := s.index.Get(u.SourcedID); dup {
		return format.ErrStreamOrder // Write gives both students the one birth date: it is written from the whole roster
	}
	// Only the metadata a column takes is kept: the rest would take memory for nothing.
	meta := s.meta[:0]
	for _, kv := range u.Metadata {
		if _, ok := s.b.w.idx[kv.Key]; ok {
			meta = append(meta, kv)
		}
	}
	s.rec = pack(s.rec[:0], u, meta)
	clear(meta)
	s.meta = meta
	kept, err := s.students.add(s.rec)
	if err != nil {
		return err
	}
	var id string
	if kept != nil {
		id, _ = spool.NextString(kept) // the sourcedId, packed first: the key is its copy there
	} else {
		id = s.strs.str(u.SourcedID) // spooled: the spool's bytes are not kept
	}
	s.index.Set(id, int32(len(s.births)))
	if key := s.b.w.studentID(u); key != "" {
		s.keys.Add(idset.Hash(key), int32(len(s.births)))
	}
	s.births = append(s.births, "")
	return nil
}

func (s *stream) Demographics(d *roster.Demographics) error {
	if s.b.demographics(d) {
		if i, ok := s.index.Get(d.SourcedID); ok {
			s.births[i] = s.strs.str(d.BirthDate)
		} else {
			if s.other == nil {
				s.other = idset.NewStrings[string](1 << 10)
			}
			s.other.Set(s.strs.str(d.SourcedID), s.strs.str(d.BirthDate))
		}
	}
	return nil
}

// The other kinds are only counted (count, at End).
func (s *stream) AcademicSession(*roster.AcademicSession) error { return nil }
func (s *stream) Course(*roster.Course) error                   { return nil }
func (s *stream) Class(*roster.Class) error                     { return nil }
func (s *stream) Enrollment(*roster.Enrollment) error           { return nil }

// End builds each student's row, in the order they came, and writes students.csv.
func (s *stream) End(count func(roster.Kind) int) error {
	// The rows share the budget with the students they are built from, who stay in memory
	// until the last row is built.
	rows := store{scratch: s.students.scratch, budget: storeMemory - s.students.size}
	defer s.students.close()
	defer rows.close()
	var u roster.User
	n := 0
	s.b.w.repeated, s.keys = s.keys.Repeated(), nil // only these STUDENT_IDs can be written twice
	err := s.students.each(func(rec []byte, stable bool) error {
		s.b.w.cloneSeen = !stable // a spooled record's bytes are reused after the call
		if n++; n%4096 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		unpack(rec, &u)
		birth := s.births[n-1]
		if birth == "" && s.other != nil {
			birth, _ = s.other.Get(u.SourcedID) // a demographics record that came before its user
		}
		if row, ok := s.b.student(&u, birth); ok {
			s.rec = s.rec[:0]
			for _, v := range row {
				s.rec = spool.AppendString(s.rec, v)
			}
			_, err := rows.add(s.rec)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.students.close()
	s.index, s.births, s.other = nil, nil, nil // the rows are built: release what they were built from
	width := len(s.b.w.cols)
	row := make(outRow, width)
	return s.b.finish(s.dst, count, func(write func(outRow) error) error {
		return rows.each(func(rec []byte, _ bool) error {
			for i := range row {
				row[i], rec = spool.NextString(rec)
			}
			return write(row)
		})
	})
}

// store keeps records in blocks in memory up to budget bytes, and the rest in a spool file in
// scratch: the memory a conversion takes grows with its students, not with the length of their
// rows.
type store struct {
	mem     blocks
	size    int
	budget  int
	scratch string
	sp      *spool.Spool
}

// storeMemory is the most bytes of records the stream keeps in memory, the students' and, at
// End, their rows' together (a variable for tests).
var storeMemory = 256 << 20

// add keeps a copy of rec, and returns it when it is kept in memory (nil when spooled).
func (st *store) add(rec []byte) ([]byte, error) {
	if st.sp == nil && st.size+len(rec) <= st.budget {
		st.size += len(rec)
		return st.mem.add(rec), nil
	}
	if st.sp == nil {
		sp, err := spool.New(st.scratch)
		if err != nil {
			return nil, err
		}
		st.sp = sp
	}
	return nil, st.sp.Add(rec)
}

// each calls f with each record, in the order added, until f returns an error. A record is
// stable when it is kept in memory (its bytes do not move until close); a spooled one is
// valid during the call only.
func (st *store) each(f func(rec []byte, stable bool) error) error {
	var err error
	st.mem.each(func(rec []byte) bool {
		err = f(rec, true)
		return err == nil
	})
	if err != nil || st.sp == nil {
		return err
	}
	return st.sp.Each(func(rec []byte) error { return f(rec, false) })
}

// close lets go of the records.
func (st *store) close() {
	st.mem, st.size = blocks{}, 0
	if st.sp != nil {
		st.sp.Close()
		st.sp = nil
	}
}

// pack appends what a students.csv row is built from of u to buf, with meta for its metadata.
func pack(buf []byte, u *roster.User, meta []roster.KV) []byte {
	for _, v := range [...]string{u.SourcedID, u.Identifier, u.GivenName, u.FamilyName, u.MiddleName, u.Email, u.Password} {
		buf = spool.AppendString(buf, v)
	}
	buf = spool.AppendList(buf, u.OrgIDs)
	buf = spool.AppendList(buf, u.Grades)
	return spool.AppendKVs(buf, meta)
}

// unpack sets u to what pack packed into rec; its strings are rec's bytes.
func unpack(rec []byte, u *roster.User) {
	orgs, grades, meta := u.OrgIDs[:0], u.Grades[:0], u.Metadata[:0]
	*u = roster.User{Role: "student"}
	for _, f := range [...]*string{&u.SourcedID, &u.Identifier, &u.GivenName, &u.FamilyName, &u.MiddleName, &u.Email, &u.Password} {
		*f, rec = spool.NextString(rec)
	}
	orgs, rec = spool.NextList(rec, orgs)
	grades, rec = spool.NextList(rec, grades)
	meta, _ = spool.NextKVs(rec, meta)
	if len(orgs) > 0 {
		u.OrgIDs = orgs
	}
	if len(grades) > 0 {
		u.Grades = grades
	}
	if len(meta) > 0 {
		u.Metadata = meta
	}
}

// blocks keeps records (and strings) end to end in blocks of 4 MB, which never move: a string
// made of their bytes stays valid while the blocks are kept.
type blocks struct{ list [][]byte }

const blockSize = 4 << 20

// room returns the last block with room for n more bytes, starting a new one when needed.
func (b *blocks) room(n int) *[]byte {
	if len(b.list) == 0 || cap(b.list[len(b.list)-1])-len(b.list[len(b.list)-1]) < n+binary.MaxVarintLen64 {
		b.list = append(b.list, make([]byte, 0, max(blockSize, n+binary.MaxVarintLen64)))
	}
	return &b.list[len(b.list)-1]
}

// add keeps a copy of rec as one record, and returns the copy (its bytes never move).
func (b *blocks) add(rec []byte) []byte {
	t := b.room(len(rec))
	*t = binary.AppendUvarint(*t, uint64(len(rec)))
	at := len(*t)
	*t = append(*t, rec...)
	return (*t)[at:len(*t):len(*t)]
}

// each calls f with each record, in the order added, until f returns false.
func (b *blocks) each(f func(rec []byte) bool) {
	for _, blk := range b.list {
		for len(blk) > 0 {
			n, k := binary.Uvarint(blk)
			if !f(blk[k : k+int(n)]) {
				return
			}
			blk = blk[k+int(n):]
		}
	}
}

// str returns a copy of v kept in the blocks.
func (b *blocks) str(v string) string {
	if v == "" {
		return ""
	}
	t := b.room(len(v))
	at := len(*t)
	*t = append(*t, v...)
	return unsafe.String(&(*t)[at], len(v))
}
