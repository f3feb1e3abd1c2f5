package diff

import (
	"cmp"
	"slices"
)

// parts is one kind's pass-1 table while it is read and after: once it outgrows a small slice,
// its entries go by the top 8 bits of their key (hashes: evenly spread) into 256 parts, each a
// list of blocks. Sorting it then sorts each part in place, one at a time through a scratch
// buffer the size of a part, so the table is never held twice (as a sort into one new slice
// would), and the parts in order are the table in key order, read by a seq.
type parts struct {
	small []Entry // before the table is split (nil after)
	p     [][][]Entry
	n     int
}

const (
	// splitAt is the number of entries at which a table is split into parts (1 MiB).
	splitAt = 1 << 16
	// blockLen is the number of entries of a block of a part (16 KiB): a part's last block is
	// at most that much unfilled, 4 MiB for the 256 parts of a table.
	blockLen = 1 << 10
)

func (t *parts) add(e Entry) {
	t.n++
	if t.p == nil {
		if len(t.small) < splitAt {
			t.small = append(t.small, e)
			return
		}
		t.p = make([][][]Entry, 256)
		for _, x := range t.small {
			t.put(x)
		}
		t.small = nil
	}
	t.put(e)
}

func (t *parts) put(e Entry) {
	p := &t.p[e.Key>>56]
	if n := len(*p); n == 0 || len((*p)[n-1]) == blockLen {
		*p = append(*p, make([]Entry, 0, blockLen))
	}
	b := &(*p)[len(*p)-1]
	*b = append(*b, e)
}

// sort sorts the table by key in place, stably (entities with equal keys stay in input
// order), and returns it as blocks in key order.
func (t *parts) sort() [][]Entry {
	if t.p == nil {
		if len(t.small) == 0 {
			return nil
		}
		sortRun(t.small, make([]Entry, len(t.small)), 52)
		return [][]Entry{t.small}
	}
	var out [][]Entry
	var scratch, tmp []Entry
	for _, p := range t.p {
		scratch = scratch[:0]
		for _, b := range p {
			scratch = append(scratch, b...)
		}
		if len(tmp) < len(scratch) {
			tmp = make([]Entry, len(scratch)+len(scratch)/4)
		}
		sortRun(scratch, tmp, 44)
		i := 0
		for _, b := range p {
			i += copy(b, scratch[i:])
		}
		out = append(out, p...)
	}
	return out
}

// flat returns the sorted blocks in one slice (a Builder's table).
func flat(blocks [][]Entry) []Entry {
	n := 0
	for _, b := range blocks {
		n += len(b)
	}
	out := make([]Entry, 0, n)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

// seq reads sorted blocks in key order.
type seq struct {
	b [][]Entry
}

func newSeq(blocks ...[]Entry) *seq {
	s := &seq{}
	for _, b := range blocks {
		if len(b) > 0 {
			s.b = append(s.b, b)
		}
	}
	return s
}

// more reports whether an entry is left.
func (s *seq) more() bool { return len(s.b) > 0 }

// head returns the next entry; more must be true.
func (s *seq) head() Entry { return s.b[0][0] }

// skip passes the head and the entries after it with its key (repeats: the first counts).
func (s *seq) skip() {
	k := s.b[0][0].Key
	for len(s.b) > 0 && s.b[0][0].Key == k {
		if s.b[0] = s.b[0][1:]; len(s.b[0]) == 0 {
			s.b = s.b[1:]
		}
	}
}

// sortRun sorts c by key, stably, through scratch (at least as long): c is scattered by the 12
// bits of the key from bit shift up (entries that share the bits above: the top 12 bits of a
// small table, bits 44 to 55 of a part, whose entries share the top 8), each bucket sorted by
// insertion (a big one by a stable sort), and copied back.
func sortRun(c, scratch []Entry, shift uint) {
	if len(c) < 256 {
		insertionSort(c)
		return
	}
	var start [1<<12 + 1]int
	for _, e := range c {
		start[e.Key>>shift&0xfff+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	next := start
	for _, e := range c {
		b := e.Key >> shift & 0xfff
		scratch[next[b]] = e
		next[b]++
	}
	for b := range 1 << 12 {
		if x := scratch[start[b]:start[b+1]]; len(x) <= 64 {
			insertionSort(x)
		} else { // keys that are not evenly spread: not in quadratic time
			slices.SortStableFunc(x, func(a, b Entry) int { return cmp.Compare(a.Key, b.Key) })
		}
	}
	copy(c, scratch[:len(c)])
}
