package diff

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Unknown is the Row of an entity whose fields are not known (a snapshot from before its rows
// were comparable): it equals any row, so such an entity is never counted as changed.
const Unknown uint64 = 1

// Table is what Compare's first pass keeps of one input, by kind: an Entry per entity, sorted
// by key, one per key (the first of repeated keys), and how each kind's rows apply. It is what
// a snapshot records, so a snapshot compares by Compare's rules.
type Table struct {
	Kinds map[roster.Kind][]Entry
	// Modes holds the kinds that do not apply as Bulk (a delta's); nil when every kind does.
	Modes map[roster.Kind]Mode
	// Stripped holds, per kind, an Entry for each ID with leading zeros (Builder.KeepStripped):
	// Key is the hash of the ID without them, Row the ID's key hash; sorted by Key. A later
	// input whose new IDs are among them lost its zeros to a spreadsheet (ExcelDamage).
	Stripped map[roster.Kind][]Entry
}

// KeepStripped makes the Builder keep the Table's Stripped entries.
func (b *Builder) KeepStripped() { b.keepStripped = true }

// Builder is a roster.Sink (and a ModeSetter) that builds the Table of an input with the
// comparison rules of its Options, as Compare's first pass does.
type Builder struct {
	*pass1
}

// NewBuilder returns an empty Builder comparing as opts says (Detail and Limit aside).
func NewBuilder(opts Options) (*Builder, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Builder{newPass1(context.Background(), cfg)}, nil
}

// Table sorts and returns what was built. The Builder must not be used afterwards.
func (b *Builder) Table() *Table {
	b.finish()
	modes := b.effectiveModes()
	t := &Table{Kinds: map[roster.Kind][]Entry{}}
	for k := range numKinds {
		if e := dedupe(b.tables[k]); len(e) > 0 {
			t.Kinds[kinds[k]] = e
		}
		b.tables[k] = nil
		if z := sortChunks(b.stripped[k]); len(z) > 0 {
			if t.Stripped == nil {
				t.Stripped = map[roster.Kind][]Entry{}
			}
			t.Stripped[kinds[k]] = dedupe(z)
		}
		b.stripped[k] = nil
		if m := modes[k]; m != Bulk {
			if t.Modes == nil {
				t.Modes = map[roster.Kind]Mode{}
			}
			t.Modes[kinds[k]] = m
		}
	}
	return t
}

// dedupe keeps the first entry of each key of a sorted table.
func dedupe(e []Entry) []Entry {
	out := e[:0]
	for i, x := range e {
		if i == 0 || x.Key != e[i-1].Key {
			out = append(out, x)
		}
	}
	return out
}

// CompareTables counts, per kind either table holds, old against new by Compare's rules (new's
// kinds applied by its Modes), and returns the table new leaves: new itself for a bulk kind,
// old with new applied for a delta's (a kind the delta leaves out as old was). The tables must
// hash alike (the same Options, the same key).
func CompareTables(old, new *Table) (map[roster.Kind]*Counts, *Table) {
	out := map[roster.Kind]*Counts{}
	state := &Table{Kinds: map[roster.Kind][]Entry{}}
	for k := range numKinds {
		kind := kinds[k]
		o, n := old.Kinds[kind], new.Kinds[kind]
		if len(o) == 0 && len(n) == 0 {
			continue
		}
		// The state holds at most the entries of both sides (of new's alone for bulk rows):
		// sized once, not grown by appends (each copy of millions of entries costs).
		size := len(n)
		if new.Modes[kind] != Bulk {
			size += len(o)
		}
		kept := make([]Entry, 0, size)
		c := merge(newSeq(o), newSeq(n), new.Modes[kind], nil, kindIdx(k), &kept)
		if old := c.Old(); old > 0 {
			c.RemovedPercent = math.Round(float64(c.Removed)/float64(old)*1000) / 10
		}
		out[kind] = c
		if len(kept) > 0 {
			state.Kinds[kind] = kept
		}
	}
	// The IDs with leading zeros the state holds: new's, and for a delta's kinds old's too.
	for k := range numKinds {
		kind := kinds[k]
		z := new.Stripped[kind]
		if new.Modes[kind] != Bulk {
			z = dedupe(mergeSorted(old.Stripped[kind], z))
		}
		if len(z) > 0 {
			if state.Stripped == nil {
				state.Stripped = map[roster.Kind][]Entry{}
			}
			state.Stripped[kind] = z
		}
	}
	return out, state
}

// mergeSorted merges two tables sorted by key.
func mergeSorted(a, b []Entry) []Entry {
	out := make([]Entry, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].Key < a[0].Key {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// ExcelDamage counts, per kind, the entities new adds (their key not in old) whose ID is an ID
// of old without its leading zeros (old.Stripped): IDs a spreadsheet rewrote. The tables
// must hash alike.
func ExcelDamage(old, new *Table) map[roster.Kind]int {
	out := map[roster.Kind]int{}
	for kind, z := range old.Stripped {
		o := old.Kinds[kind]
		for _, e := range new.Kinds[kind] {
			if e.Row == Tombstone || has(o, e.Key) {
				continue
			}
			if has(z, e.Key) {
				out[kind]++
			}
		}
	}
	return out
}

// has reports whether the sorted table t holds key (a live entry, for an entity table).
func has(t []Entry, key uint64) bool {
	i, ok := slices.BinarySearchFunc(t, key, func(e Entry, k uint64) int { return cmp.Compare(e.Key, k) })
	return ok && t[i].Row != Tombstone
}
