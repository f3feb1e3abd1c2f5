package diff

// runs reads a table kept as sorted runs (pass 1's chunks, each sorted by key in place) in key
// order, merging them as it goes: sorting the table into one slice would hold it twice while
// the chunks are copied out. Entries with equal keys come in run order, then in order within
// a run; runs are in input order, so the first of repeated keys in the input comes first.
type runs struct {
	h []run // a min-heap of the runs not yet read, by (first key, run number)
}

type run struct {
	e []Entry
	n int // the run's number, for ties
}

// newRuns returns the runs of t in order: every run sorted by key, stably.
func newRuns(t ...[]Entry) *runs {
	r := &runs{}
	for i, e := range t {
		if len(e) > 0 {
			r.h = append(r.h, run{e, i})
		}
	}
	for i := len(r.h)/2 - 1; i >= 0; i-- {
		r.down(i)
	}
	return r
}

func (a run) less(b run) bool {
	return a.e[0].Key < b.e[0].Key || (a.e[0].Key == b.e[0].Key && a.n < b.n)
}

// more reports whether an entry is left.
func (r *runs) more() bool { return len(r.h) > 0 }

// head returns the next entry in key order; more must be true.
func (r *runs) head() Entry { return r.h[0].e[0] }

// skip passes the head and every other entry with its key.
func (r *runs) skip() {
	k := r.h[0].e[0].Key
	for len(r.h) > 0 && r.h[0].e[0].Key == k {
		top := &r.h[0]
		top.e = top.e[1:]
		if len(top.e) == 0 {
			last := len(r.h) - 1
			r.h[0] = r.h[last]
			r.h = r.h[:last]
		}
		r.down(0)
	}
}

func (r *runs) down(i int) {
	h := r.h
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if rr := l + 1; rr < len(h) && h[rr].less(h[l]) {
			m = rr
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// sortRun sorts a chunk by key in place, stably: scattered into scratch (at least as long) by
// the top 12 bits of the key (hashes: evenly spread), each bucket sorted by insertion, copied
// back.
func sortRun(c, scratch []Entry) {
	if len(c) < 256 {
		insertionSort(c)
		return
	}
	var start [1<<12 + 1]int
	for _, e := range c {
		start[e.Key>>52+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	next := start
	for _, e := range c {
		b := e.Key >> 52
		scratch[next[b]] = e
		next[b]++
	}
	for b := range 1 << 12 {
		insertionSort(scratch[start[b]:start[b+1]])
	}
	copy(c, scratch[:len(c)])
}
