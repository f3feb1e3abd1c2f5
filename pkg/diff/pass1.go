package diff

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Entry is one entity of a table: the 64-bit hash of its key and of its compared fields. Row
// is Tombstone for a row whose status is tobedeleted.
type Entry struct {
	Key, Row uint64
}

// Tombstone is the Row of an entity a row marks tobedeleted: present in the file, gone from
// the roster. No compared row hashes to it.
const Tombstone uint64 = 0

// statusDeleted is the status of a row that removes its entity.
const statusDeleted = "tobedeleted"

// hasher turns an entity's values into its key and row hashes. It reuses its buffers.
type hasher struct {
	cfg *config
	// pairEnroll keys enrollments by class and user (Compare's vote: an input's enrollment
	// IDs are made from them).
	pairEnroll bool
	fl         flattener
	kbuf       []byte
	rbuf       []byte
	kvals      []string // rawKey's
}

func newHasher(cfg *config) hasher {
	h := hasher{cfg: cfg}
	h.fl.setup(cfg)
	if cfg.orgIdent {
		h.fl.orgs = map[string]string{}
	}
	return h
}

// noteOrg records an org's identifier for Options.OrgKey "identifier". Orgs come before the
// users that refer to them in every reader.
func (h *hasher) noteOrg(o *roster.Org) {
	h.fl.noteOrgType(o)
	if h.fl.orgs != nil && o.Identifier != "" {
		if _, ok := h.fl.orgs[o.SourcedID]; !ok {
			h.fl.orgs[strings.Clone(o.SourcedID)] = strings.Clone(o.Identifier)
		}
	}
}

// key returns the key of entity e of kind k from its values. Users are keyed by
// roster.UserKey (the key field, else sourcedId: as convert writes them; an email compared
// without case). An enrollment without sourcedId, or any enrollment when sourcedId is not a
// compared field or either input's enrollment IDs are made (config.vote), is keyed by
// class/user, after a 0 byte so it never equals a real key.
func (h *hasher) key(k kindIdx, vals []string) []byte {
	b := h.kbuf[:0]
	switch {
	case k == kUser && h.cfg.userKey != fSourcedID:
		v := vals[h.cfg.userKey] // set to the key by keyed
		if h.cfg.emailKey {
			v = strings.ToLower(v)
		}
		b = append(b, v...)
	case k == kEnroll && (vals[fSourcedID] == "" || h.cfg.enrollPair || h.pairEnroll):
		// 0 before each part: no ID holds one (a NUL is an encoding problem), so class a/b
		// with user c and class a with user b/c stay two keys.
		b = append(append(b, 0), vals[eClassID]...)
		b = append(append(b, 0), vals[eUserID]...)
	default:
		b = append(b, vals[fSourcedID]...)
	}
	h.kbuf = b
	return b
}

// keyed sets, in a user's values, the key field to the key (roster.UserKey: the field, else
// sourcedId): convert writes a user without one under its sourcedId, so that is the value it
// compares as.
func (h *hasher) keyed(k kindIdx, vals []string) {
	if k == kUser && h.cfg.userKey != fSourcedID && vals[h.cfg.userKey] == "" {
		vals[h.cfg.userKey] = vals[fSourcedID]
	}
}

// displayID is the identifier a change shows for a key: an enrollment keyed by class and user
// as CLASS/USER.
func displayID(key []byte) string {
	if len(key) > 0 && key[0] == 0 {
		return strings.ReplaceAll(string(key[1:]), "\x00", "/")
	}
	return string(key)
}

// row returns the hash of the compared fields and metadata of an entity of kind k.
func (h *hasher) row(k kindIdx, vals []string, meta []roster.KV) uint64 {
	b := h.rbuf[:0]
	inc := h.cfg.include[k]
	for i, v := range vals {
		if inc[i] {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	if len(meta) > 0 && !h.cfg.metaNone[k] {
		for _, kv := range h.fl.sortedMeta(meta) {
			if kv.Value == "" || !h.cfg.metaIncluded(k, kv.Key) {
				continue
			}
			b = append(b, 0xff) // after the fixed fields: a metadata item
			b = binary.AppendUvarint(b, uint64(len(kv.Key)))
			b = append(b, kv.Key...)
			b = binary.AppendUvarint(b, uint64(len(kv.Value)))
			b = append(b, kv.Value...)
		}
	}
	h.rbuf = b
	if vals[fStatus] == statusDeleted {
		return Tombstone
	}
	if r := xxhash.Sum64(b); r != Tombstone && r != Unknown {
		return r
	}
	return Unknown + 1
}

// values flattens an entity of any kind and returns its metadata.
func (f *flattener) values(k kindIdx, e any) ([]string, []roster.KV) {
	switch k {
	case kOrg:
		o := e.(*roster.Org)
		return f.org(o), o.Metadata
	case kSession:
		s := e.(*roster.AcademicSession)
		return f.session(s), s.Metadata
	case kCourse:
		c := e.(*roster.Course)
		return f.course(c), c.Metadata
	case kClass:
		c := e.(*roster.Class)
		return f.class(c), c.Metadata
	case kUser:
		u := e.(*roster.User)
		return f.user(u), u.Metadata
	case kDemo:
		d := e.(*roster.Demographics)
		return f.demographics(d), d.Metadata
	default:
		en := e.(*roster.Enrollment)
		return f.enrollment(en), en.Metadata
	}
}

// entitySink adapts the typed Sink methods to one function of a kind and an entity.
type entitySink struct {
	fn func(kindIdx, any) error
}

func (s entitySink) Org(v *roster.Org) error                         { return s.fn(kOrg, v) }
func (s entitySink) AcademicSession(v *roster.AcademicSession) error { return s.fn(kSession, v) }
func (s entitySink) Course(v *roster.Course) error                   { return s.fn(kCourse, v) }
func (s entitySink) Class(v *roster.Class) error                     { return s.fn(kClass, v) }
func (s entitySink) User(v *roster.User) error                       { return s.fn(kUser, v) }
func (s entitySink) Demographics(v *roster.Demographics) error       { return s.fn(kDemo, v) }
func (s entitySink) Enrollment(v *roster.Enrollment) error           { return s.fn(kEnroll, v) }

// pass1 is the sink of the first pass: it keeps an entry per entity and the metadata keys seen.
type pass1 struct {
	entitySink
	ctx      context.Context
	h        hasher
	n        int
	parts    [numKinds]parts     // while reading
	tables   [numKinds][]Entry   // sorted, after finish
	blocks   [numKinds][][]Entry // sorted in place, after finishInPlace
	metaKeys [numKinds]map[string]struct{}
	modes    [numKinds]Mode // as the source tells (SetMode); Bulk unless told
	// stripped, when kept (Builder.KeepStripped), holds per kind an entry for each ID with
	// leading zeros: the hash of the ID without them, and the ID's key hash.
	stripped     [numKinds][][]Entry
	keepStripped bool
	side         int  // 0 old, 1 new: this input's vote (config.vote)
	voted        bool // the vote on enrollment IDs is cast
}

// ModeSetter is implemented by the sinks Compare and a Builder hand to a Source: a source
// that reads a OneRoster delta package tells, after sending its entities, how each kind's rows
// apply (Delta, or Kept for a file the manifest marks absent). Untold kinds are Bulk.
type ModeSetter interface {
	SetMode(roster.Kind, Mode)
}

// SetMode is ModeSetter's: kind's rows apply as m.
func (p *pass1) SetMode(kind roster.Kind, m Mode) {
	if k, ok := kindIndex(kind); ok {
		p.modes[k] = m
	}
}

func newPass1(ctx context.Context, cfg *config) *pass1 {
	p := &pass1{ctx: ctx, h: newHasher(cfg)}
	p.entitySink.fn = p.add
	return p
}

// Wants tells a reader which kinds pass 1 uses (roster.Selective): the compared kinds, and
// orgs for their identifiers.
func (p *pass1) Wants(kind roster.Kind) bool {
	k, ok := kindIndex(kind)
	return ok && (k == kOrg || p.h.cfg.want[k])
}

// SkipN is roster.Selective's count of entities not sent; pass 1 has no use for it.
func (p *pass1) SkipN(roster.Kind, int) {}

// BorrowsStrings is roster.Borrower: pass1 copies every string it keeps.
func (p *pass1) BorrowsStrings() bool { return true }

func (p *pass1) add(k kindIdx, e any) error {
	if p.n++; p.n&4095 == 0 {
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
	if k == kOrg {
		p.h.noteOrg(e.(*roster.Org))
	}
	if !p.h.cfg.want[k] {
		return nil
	}
	vals, meta := p.h.fl.values(k, e)
	return p.addValues(k, vals, meta)
}

// addValues keeps the entry of an entity of kind k from its flattened values and metadata.
func (p *pass1) addValues(k kindIdx, vals []string, meta []roster.KV) error {
	if !p.h.cfg.holds(k, vals) {
		return nil
	}
	p.h.keyed(k, vals)
	if k == kEnroll && p.h.cfg.vote != nil && !p.voted {
		// Both inputs must key enrollments alike: wait for the other's first enrollment.
		p.voted = true
		p.h.cfg.vote.vote(p.side, madeEnrollmentID(vals))
		pair, err := p.h.cfg.vote.result(p.ctx)
		if err != nil {
			return err
		}
		p.h.pairEnroll = pair
	}
	for _, kv := range meta {
		if kv.Value == "" {
			continue
		}
		if _, ok := p.metaKeys[k][kv.Key]; !ok {
			if p.metaKeys[k] == nil {
				p.metaKeys[k] = map[string]struct{}{}
			}
			p.metaKeys[k][strings.Clone(kv.Key)] = struct{}{}
		}
	}
	kb := p.h.key(k, vals)
	x := Entry{Key: xxhash.Sum64(kb), Row: p.h.row(k, vals, meta)}
	p.parts[k].add(x)
	if p.keepStripped && x.Row != Tombstone {
		// The ID is made a string only when it has leading zeros (one allocation per
		// entity otherwise).
		if b := bytes.TrimPrefix(kb, []byte{0}); len(b) > 1 && b[0] == '0' {
			id := displayID(kb)
			if z := StripZeros(id); z != id {
				p.stripped[k] = appendEntry(p.stripped[k], Entry{Key: xxhash.Sum64String(z), Row: x.Key})
			}
		}
	}
	return nil
}

// finish sorts every table by key, keeping entities with equal keys in input order.
func (p *pass1) finish() {
	for k := range p.parts {
		p.tables[k] = flat(p.parts[k].sort())
		p.parts[k] = parts{}
	}
}

// finishInPlace sorts every table in place (no second copy of a table is made), for merge to
// read its blocks in order.
func (p *pass1) finishInPlace() {
	for k := range p.parts {
		p.blocks[k] = p.parts[k].sort()
		p.parts[k] = parts{}
	}
}

// chunkLen is the number of entries of a pass-1 chunk (512 KiB): tables grow by chunks, so
// growing never copies and the slack is at most one chunk.
const chunkLen = 1 << 15

// appendEntry appends e to the chunked table t. The first chunk grows as a slice (most kinds
// are small); later chunks are allocated full size.
func appendEntry(t [][]Entry, e Entry) [][]Entry {
	if len(t) == 0 {
		t = append(t, make([]Entry, 0, 64))
	}
	last := &t[len(t)-1]
	if len(*last) == cap(*last) {
		if len(t) == 1 && cap(*last) < chunkLen {
			*last = slices.Grow(*last, cap(*last))
		} else {
			t = append(t, make([]Entry, 0, chunkLen))
			last = &t[len(t)-1]
		}
	}
	*last = append(*last, e)
	return t
}

// sortChunks returns the entries of the chunks in one slice sorted by key, stably. Large
// tables are scattered by the top 16 bits of the key (the keys are hashes: evenly spread),
// freeing each chunk once scattered, then each bucket of a few dozen entries is sorted by
// insertion; small ones are sorted by comparison.
func sortChunks(chunks [][]Entry) []Entry {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	if n < 4096 {
		out := make([]Entry, 0, n)
		for _, c := range chunks {
			out = append(out, c...)
		}
		slices.SortStableFunc(out, func(x, y Entry) int { return cmp.Compare(x.Key, y.Key) })
		return out
	}
	start := make([]int, 1<<16+1)
	for _, c := range chunks {
		for _, e := range c {
			start[e.Key>>48+1]++
		}
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]Entry, n)
	next := slices.Clone(start[:1<<16])
	for i, c := range chunks {
		for _, e := range c {
			b := e.Key >> 48
			out[next[b]] = e
			next[b]++
		}
		chunks[i] = nil
	}
	for b := range 1 << 16 {
		insertionSort(out[start[b]:start[b+1]])
	}
	return out
}

// insertionSort sorts a by key, stably.
func insertionSort(a []Entry) {
	for i := 1; i < len(a); i++ {
		e := a[i]
		j := i
		for j > 0 && a[j-1].Key > e.Key {
			a[j] = a[j-1]
			j--
		}
		a[j] = e
	}
}

// Mode says how a file's rows apply to the roster before it.
type Mode uint8

// Modes of a kind's rows.
const (
	// Bulk rows are the whole roster of their kind: what they leave out is removed.
	Bulk Mode = iota
	// Delta rows are changes: what they leave out is unchanged; a tobedeleted row removes.
	Delta
	// Kept is a kind a delta package leaves out (its manifest marks the file absent):
	// unchanged.
	Kept
)

// merge counts one kind from the sorted tables of both sides, the new side's rows applied by
// mode. With sets, it records every entity that differs for the second pass; with state, it
// appends the entries the new side leaves (sorted, one per key, no tombstones). Of entities
// with equal keys on one side, the first counts and the rest are ignored. A tombstone on the
// old side is an entity already gone; on the new side it removes the entity if the old side
// has it, and is nothing otherwise.
func merge(o, n *seq, mode Mode, sets *diffSets, k kindIdx, state *[]Entry) *Counts {
	c := &Counts{}
	keep := func(e Entry) {
		if state != nil {
			*state = append(*state, e)
		}
	}
	if mode == Kept {
		n = newSeq()
	}
	for o.more() || n.more() {
		var oe, ne Entry
		if o.more() {
			oe = o.head()
		}
		if n.more() {
			ne = n.head()
		}
		switch {
		case !n.more() || (o.more() && oe.Key < ne.Key):
			switch {
			case oe.Row == Tombstone:
			case mode == Bulk:
				c.Removed++
				sets.add(k, oe.Key, Removed, false)
			default: // left out of a delta
				c.Unchanged++
				keep(oe)
			}
			o.skip()
		case !o.more() || ne.Key < oe.Key:
			if ne.Row != Tombstone {
				c.Added++
				sets.add(k, ne.Key, Added, false)
				keep(ne)
			}
			n.skip()
		default:
			switch {
			case oe.Row == Tombstone && ne.Row == Tombstone:
			case oe.Row == Tombstone:
				c.Added++
				sets.add(k, ne.Key, Added, false)
				keep(ne)
			case ne.Row == Tombstone:
				c.Removed++
				sets.add(k, oe.Key, Removed, true)
			case oe.Row == ne.Row || oe.Row == Unknown:
				c.Unchanged++
				keep(ne)
			default:
				c.Changed++
				sets.add(k, oe.Key, Changed, false)
				keep(ne)
			}
			o.skip()
			n.skip()
		}
	}
	return c
}
