package diff

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
)

// diffSets holds, per kind, the entities that differ: pass 1's merge adds their key hashes,
// pass 2 fills in their values from each side.
type diffSets struct {
	idx   [numKinds]*idset.Map // key hash -> index in slots
	slots [numKinds][]slot
	// orgs holds, per side, the orgs read in pass 2 by the name users give them.
	orgs [2]map[string]orgInfo
	// filter, per kind, is a two-probe Bloom filter of idx's keys (seal): pass 2 reads every
	// entity of both inputs and few of them differ, so most lookups stop at one bit in a
	// table that stays in cache instead of probing the map.
	filter [numKinds]bloom
}

// bloom is a bit table of 16 bits per key, probed at two positions taken from the key hash
// (about 1.4% false positives). A zero bloom holds every key.
type bloom struct {
	bits []uint64
	mask uint64
}

func newBloom(keys *idset.Map) bloom {
	n := uint64(64)
	for n < uint64(keys.Len())*16 {
		n <<= 1
	}
	b := bloom{bits: make([]uint64, n/64), mask: n - 1}
	keys.All(func(k uint64, _ int32) {
		i, j := k&b.mask, (k>>32^k>>13)&b.mask
		b.bits[i/64] |= 1 << (i % 64)
		b.bits[j/64] |= 1 << (j % 64)
	})
	return b
}

// mayHold reports whether key may be in the set the filter was built from; false is certain.
func (b *bloom) mayHold(k uint64) bool {
	if b.bits == nil {
		return true
	}
	i, j := k&b.mask, (k>>32^k>>13)&b.mask
	return b.bits[i/64]&(1<<(i%64)) != 0 && b.bits[j/64]&(1<<(j%64)) != 0
}

// seal builds the filters once every differing entity is added, before pass 2.
func (s *diffSets) seal() {
	for k, idx := range s.idx {
		if idx != nil {
			s.filter[k] = newBloom(idx)
		}
	}
}

// orgInfo is what the per-school counts show of an org.
type orgInfo struct{ name, typ string }

// slot is one differing entity.
type slot struct {
	kind    string // Added, Removed or Changed
	deleted bool   // removed by a tobedeleted row
	side    [2]slotSide
}

// slotSide is what one input holds of a differing entity. Each side is written only by the
// goroutine reading that input.
type slotSide struct {
	seen bool
	id   string
	vals []string
	meta []roster.KV
}

// add records a differing entity; a nil *diffSets records nothing (counts only).
func (s *diffSets) add(k kindIdx, key uint64, kind string, deleted bool) {
	if s == nil {
		return
	}
	if s.idx[k] == nil {
		s.idx[k] = idset.New(64)
	}
	s.idx[k].Set(key, int32(len(s.slots[k])))
	s.slots[k] = append(s.slots[k], slot{kind: kind, deleted: deleted})
}

// errPass2Done stops a reader in the second pass once it has sent every entity wanted from it.
var errPass2Done = errors.New("every differing entity read")

// pass2 is the sink of the second pass: it keeps the values of the entities that differ.
type pass2 struct {
	entitySink
	ctx  context.Context
	h    hasher
	n    int
	sets *diffSets
	side int
	need int // entities still wanted from this side
}

func newPass2(ctx context.Context, cfg *config, sets *diffSets, side int) *pass2 {
	p := &pass2{ctx: ctx, h: newHasher(cfg), sets: sets, side: side}
	p.entitySink.fn = p.add
	for k := range sets.slots {
		for i := range sets.slots[k] {
			if kind := sets.slots[k][i].kind; kind == Changed || (kind == Removed) == (side == 0) {
				p.need++
			}
		}
	}
	return p
}

// Wants tells a reader which kinds pass 2 uses (roster.Selective): the kinds with differing
// entities, and orgs for their identifiers.
func (p *pass2) Wants(kind roster.Kind) bool {
	k, ok := kindIndex(kind)
	return ok && (k == kOrg || p.sets.idx[k] != nil)
}

// SkipN is roster.Selective's count of entities not sent; pass 2 has no use for it.
func (p *pass2) SkipN(roster.Kind, int) {}

// BorrowsStrings is roster.Borrower: pass2 copies every string it keeps.
func (p *pass2) BorrowsStrings() bool { return true }

func (p *pass2) add(k kindIdx, e any) error {
	if p.n++; p.n&4095 == 0 {
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
	if k == kOrg {
		o := e.(*roster.Org)
		p.h.noteOrg(o)
		p.sets.noteOrg(p.side, o, p.h.cfg.orgIdent)
	}
	if p.sets.idx[k] == nil {
		return nil
	}
	vals, meta := p.h.fl.values(k, e)
	if !p.h.cfg.holds(k, vals) {
		return nil
	}
	p.h.keyed(k, vals)
	if vals[fStatus] == statusDeleted {
		return nil // gone from its side: pass 1 counted it so
	}
	key := p.h.key(k, vals)
	s := p.slot(k, key)
	if s == nil {
		return nil
	}
	return p.keep(k, s, key, vals, meta)
}

// slot returns this side's part of the differing entity of kind k with the key, nil when the
// entity does not differ or was already seen (a repeated key: the first counts).
func (p *pass2) slot(k kindIdx, key []byte) *slotSide {
	kh := xxhash.Sum64(key)
	if !p.sets.filter[k].mayHold(kh) {
		return nil
	}
	i, ok := p.sets.idx[k].Get(kh)
	if !ok {
		return nil
	}
	s := &p.sets.slots[k][i].side[p.side]
	if s.seen {
		return nil
	}
	return s
}

// keep fills in s, this side of a differing entity, from its values, and stops the read once
// every differing entity of this side is kept.
func (p *pass2) keep(k kindIdx, s *slotSide, key []byte, vals []string, meta []roster.KV) error {
	s.seen = true
	s.id = displayID(key)
	s.vals = csvio.Clone(nil, vals) // one allocation, not the reader's buffers
	for _, kv := range p.h.fl.sortedMeta(meta) {
		if kv.Value != "" && p.h.cfg.metaIncluded(k, kv.Key) {
			s.meta = append(s.meta, roster.KV{Key: strings.Clone(kv.Key), Value: strings.Clone(kv.Value)})
		}
	}
	if p.need--; p.need == 0 {
		return errPass2Done // the rest of the input holds nothing wanted
	}
	return nil
}

// report turns the filled sets into the sorted changes and the notes.
func (s *diffSets) report(cfg *config) ([]Change, []Note) {
	changes := []Change{}
	for k := range numKinds {
		slots := s.slots[k]
		// Sort by identifier; the side that holds the entity names it.
		slices.SortFunc(slots, func(a, b slot) int { return cmp.Compare(a.id(), b.id()) })
		for i := range slots {
			if cfg.opts.Limit > 0 && len(changes) >= cfg.opts.Limit {
				break
			}
			sl := &slots[i]
			c := Change{Entity: kinds[k].Singular(), ID: sl.id(), Kind: sl.kind}
			if sl.deleted {
				c.Status = statusDeleted
			}
			if sl.kind == Changed {
				c.Fields = fieldChanges(cfg, kindIdx(k), &sl.side[0], &sl.side[1])
			}
			changes = append(changes, c)
		}
	}
	return changes, s.notes(cfg)
}

// id is the identifier of a differing entity: the new side's, else the old side's.
func (sl *slot) id() string {
	if sl.side[1].seen {
		return sl.side[1].id
	}
	return sl.side[0].id
}

// fieldChanges lists the compared fields whose values differ, secrets masked.
func fieldChanges(cfg *config, k kindIdx, o, n *slotSide) map[string]FieldChange {
	out := map[string]FieldChange{}
	if !o.seen || !n.seen {
		return out
	}
	for i, name := range fieldNames[k] {
		if cfg.include[k][i] && o.vals[i] != n.vals[i] {
			out[name] = cfg.fieldChange(name, o.vals[i], n.vals[i])
		}
	}
	get := func(m []roster.KV, key string) string {
		for _, kv := range m {
			if kv.Key == key {
				return kv.Value
			}
		}
		return ""
	}
	for _, m := range [2][]roster.KV{o.meta, n.meta} {
		for _, kv := range m {
			name := "metadata." + kv.Key
			if _, done := out[name]; done {
				continue
			}
			if ov, nv := get(o.meta, kv.Key), get(n.meta, kv.Key); ov != nv {
				out[name] = FieldChange{Old: ov, New: nv}
			}
		}
	}
	return out
}

// fieldChange masks secret values unless they are to be shown; a blank value stays blank.
func (c *config) fieldChange(name, o, n string) FieldChange {
	if secretFields[name] && !c.opts.ShowSecrets {
		return Masked(FieldChange{Old: o, New: n})
	}
	return FieldChange{Old: o, New: n}
}

// IsSecret reports whether a field's values are secrets (password, birthDate), masked in
// changes unless Options.ShowSecrets.
func IsSecret(field string) bool { return secretFields[field] }

// Masked is a secret field's change as shown: each value "***", a blank one blank.
func Masked(fc FieldChange) FieldChange {
	if fc.Old != "" {
		fc.Old = mask
	}
	if fc.New != "" {
		fc.New = mask
	}
	return fc
}
