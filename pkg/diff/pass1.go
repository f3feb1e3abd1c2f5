package diff

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/roster"
)

// entry is one entity of pass 1: the hash of its key and the hash of its compared fields.
type entry struct {
	key, row uint64
}

// hasher turns an entity's values into its key and row hashes. It reuses its buffers.
type hasher struct {
	cfg  *config
	fl   flattener
	kbuf []byte
	rbuf []byte
}

func newHasher(cfg *config) hasher {
	h := hasher{cfg: cfg}
	if cfg.orgIdent {
		h.fl.orgs = map[string]string{}
	}
	return h
}

// noteOrg records an org's identifier for Options.OrgKey "identifier". Orgs come before the
// users that refer to them in every reader.
func (h *hasher) noteOrg(o *roster.Org) {
	if h.fl.orgs != nil && o.Identifier != "" {
		if _, ok := h.fl.orgs[o.SourcedID]; !ok {
			h.fl.orgs[strings.Clone(o.SourcedID)] = strings.Clone(o.Identifier)
		}
	}
}

// key returns the key of an entity of kind k from its values. A key that is not the entity's
// own sourcedId (a blank user key falling back to sourcedId, an enrollment without sourcedId
// keyed by class/user) starts with a 0 byte, so it never equals a real key.
func (h *hasher) key(k kindIdx, vals []string) []byte {
	b := h.kbuf[:0]
	switch {
	case k == kUser && h.cfg.userKey != fSourcedID:
		if v := vals[h.cfg.userKey]; v != "" {
			if h.cfg.emailKey {
				v = strings.ToLower(v)
			}
			b = append(b, v...)
		} else {
			b = append(append(b, 0), vals[fSourcedID]...)
		}
	case k == kEnroll && vals[fSourcedID] == "":
		b = append(append(b, 0), vals[eClassID]...)
		b = append(append(b, '/'), vals[eUserID]...)
	default:
		b = append(b, vals[fSourcedID]...)
	}
	h.kbuf = b
	return b
}

// displayID is the identifier a change shows for a key.
func displayID(key []byte) string {
	if len(key) > 0 && key[0] == 0 {
		key = key[1:]
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
	return xxhash.Sum64(b)
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
	chunks   [numKinds][][]entry // while reading
	tables   [numKinds][]entry   // sorted, after finish
	metaKeys [numKinds]map[string]struct{}
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
	p.chunks[k] = appendEntry(p.chunks[k], entry{key: xxhash.Sum64(p.h.key(k, vals)), row: p.h.row(k, vals, meta)})
	return nil
}

// finish sorts every table by key, keeping entities with equal keys in input order.
func (p *pass1) finish() {
	for k := range p.chunks {
		p.tables[k] = sortChunks(p.chunks[k])
		p.chunks[k] = nil
	}
}

// chunkLen is the number of entries of a pass-1 chunk (512 KiB): tables grow by chunks, so
// growing never copies and the slack is at most one chunk.
const chunkLen = 1 << 15

// appendEntry appends e to the chunked table t. The first chunk grows as a slice (most kinds
// are small); later chunks are allocated full size.
func appendEntry(t [][]entry, e entry) [][]entry {
	if len(t) == 0 {
		t = append(t, make([]entry, 0, 64))
	}
	last := &t[len(t)-1]
	if len(*last) == cap(*last) {
		if len(t) == 1 && cap(*last) < chunkLen {
			*last = slices.Grow(*last, cap(*last))
		} else {
			t = append(t, make([]entry, 0, chunkLen))
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
func sortChunks(chunks [][]entry) []entry {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	if n < 4096 {
		out := make([]entry, 0, n)
		for _, c := range chunks {
			out = append(out, c...)
		}
		slices.SortStableFunc(out, func(x, y entry) int { return cmp.Compare(x.key, y.key) })
		return out
	}
	start := make([]int, 1<<16+1)
	for _, c := range chunks {
		for _, e := range c {
			start[e.key>>48+1]++
		}
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]entry, n)
	next := slices.Clone(start[:1<<16])
	for i, c := range chunks {
		for _, e := range c {
			b := e.key >> 48
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
func insertionSort(a []entry) {
	for i := 1; i < len(a); i++ {
		e := a[i]
		j := i
		for j > 0 && a[j-1].key > e.key {
			a[j] = a[j-1]
			j--
		}
		a[j] = e
	}
}

// merge counts one kind from the sorted tables of both sides. With sets, it records every
// entity that differs for the second pass. Of entities with equal keys on one side, the first
// counts and the rest are ignored.
func merge(o, n []entry, sets *diffSets, k kindIdx) *Counts {
	c := &Counts{}
	i, j := 0, 0
	next := func(t []entry, i int) int {
		for i++; i < len(t) && t[i].key == t[i-1].key; i++ {
		}
		return i
	}
	for i < len(o) || j < len(n) {
		switch {
		case j >= len(n) || (i < len(o) && o[i].key < n[j].key):
			c.Removed++
			sets.add(k, o[i].key, Removed)
			i = next(o, i)
		case i >= len(o) || n[j].key < o[i].key:
			c.Added++
			sets.add(k, n[j].key, Added)
			j = next(n, j)
		default:
			if o[i].row == n[j].row {
				c.Unchanged++
			} else {
				c.Changed++
				sets.add(k, o[i].key, Changed)
			}
			i, j = next(o, i), next(n, j)
		}
	}
	return c
}
