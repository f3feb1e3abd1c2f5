package idset

// Bag collects hashes with the line each was seen on and finds the repeats once all are in.
// Adding is an append to one of up to 256 parts chosen by the hash's top bits, so it costs no
// random access into a table of millions of entries; Repeated then checks one small part at a
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

// Repeated returns the hashes added more than once, each with the line it was first added on
// (lines are expected to be added in increasing order). What it allocates grows with the
// distinct hashes of a part, not with the repeats: a million rows of one ID make a table of one.
func (b *Bag) Repeated() *Map {
	// The scratch table starts at twice a part's average and grows for a part of more distinct
	// hashes; a part swollen by repeats of a few hashes does not size it.
	m := New(2 * b.n / len(b.parts))
	out := New(0)
	for _, p := range b.parts {
		for _, e := range p {
			if first, dup := m.Add(e.key, e.line); dup {
				out.Add(e.key, first)
			}
		}
		m.reset()
	}
	return out
}
