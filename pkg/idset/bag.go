package idset

import "slices"

// Bag collects hashes with the line each was seen on and finds the repeats once all are in.
// Adding is an append to one of up to 256 parts chosen by the hash's top bits, so it costs no
// random access into a table of millions of entries; Repeats then checks one small part at a
// time in a table that stays in cache. It is for the IDs of a big file that nothing refers to
// (enrollments), which only need to be unique.
type Bag struct {
	parts [][]bagEntry
	shift uint
	n     int
}

type bagEntry struct {
	key  uint64
	line int32
}

// NewBag returns a Bag sized for about hint entries.
func NewBag(hint int) *Bag {
	bits := uint(0)
	for bits < 8 && 1<<bits*1024 < hint { // at most 256 parts: their ends stay in the L1 cache
		bits++
	}
	b := &Bag{parts: make([][]bagEntry, 1<<bits), shift: 64 - bits}
	per := hint>>bits + hint>>(bits+3) + 8
	for i := range b.parts {
		b.parts[i] = make([]bagEntry, 0, per)
	}
	return b
}

// Len returns the number of hashes added.
func (b *Bag) Len() int { return b.n }

// Add records k seen on line.
func (b *Bag) Add(k uint64, line int32) {
	p := 0
	if b.shift < 64 {
		p = int(k >> b.shift)
	}
	b.parts[p] = append(b.parts[p], bagEntry{k, line})
	b.n++
}

// Repeats calls fn for every hash added more than once, for each line after the first: the
// line and the first line it was seen on, in line order (lines are expected to be added in
// increasing order).
func (b *Bag) Repeats(fn func(k uint64, line, first int32)) {
	largest := 0
	for _, p := range b.parts {
		largest = max(largest, len(p))
	}
	type rep struct {
		k           uint64
		line, first int32
	}
	var reps []rep
	m := New(largest)
	for _, p := range b.parts {
		for _, e := range p {
			if first, dup := m.Add(e.key, e.line); dup {
				reps = append(reps, rep{e.key, e.line, first})
			}
		}
		m.reset()
	}
	slices.SortFunc(reps, func(a, b rep) int { return int(a.line) - int(b.line) })
	for _, r := range reps {
		fn(r.k, r.line, r.first)
	}
}
