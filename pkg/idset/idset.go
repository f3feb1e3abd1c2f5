// Package idset is a compact hash table from 64-bit ID hashes to a 32-bit value (a line number
// or a row hash), for checking and comparing files with millions of IDs: open addressing with
// linear probing over a flat array of keys, with the values in a parallel array, so that a
// membership test (Has, the lookup of a reference) touches only keys, 8 bytes a slot, and costs
// about one cache miss; an entry takes 12 bytes (at most 24 with the table's slack).
package idset

// zeroKey stands in for the hash 0, which marks an empty slot.
const zeroKey = 0x9e3779b97f4a7c15

// Map maps hashes to values. The zero value is not usable: call New.
type Map struct {
	keys []uint64
	vals []int32
	n    int
	mask uint64
}

// New returns a Map sized for about hint entries.
func New(hint int) *Map {
	size := 16
	for size*3/4 < hint {
		size *= 2
	}
	return &Map{keys: make([]uint64, size), vals: make([]int32, size), mask: uint64(size - 1)}
}

// Len returns the number of entries.
func (m *Map) Len() int { return m.n }

// find returns k (0 replaced by zeroKey) and its slot, or the empty slot where it would go.
func (m *Map) find(k uint64) (uint64, uint64) {
	if k == 0 {
		k = zeroKey
	}
	for i := k & m.mask; ; i = (i + 1) & m.mask {
		if s := m.keys[i]; s == k || s == 0 {
			return k, i
		}
	}
}

// insert fills the empty slot i found for k, growing the table past three quarters full.
func (m *Map) insert(i, k uint64, v int32) {
	m.keys[i], m.vals[i] = k, v
	m.n++
	if m.n*4 > len(m.keys)*3 {
		m.grow()
	}
}

// Get returns the value stored for k.
func (m *Map) Get(k uint64) (int32, bool) {
	k, i := m.find(k)
	if m.keys[i] != k {
		return 0, false
	}
	return m.vals[i], true
}

// Has reports whether k is in the map.
func (m *Map) Has(k uint64) bool {
	k, i := m.find(k)
	return m.keys[i] == k
}

// Add stores v for k unless k is already there; then it returns the value stored first and true.
func (m *Map) Add(k uint64, v int32) (int32, bool) {
	k, i := m.find(k)
	if m.keys[i] == k {
		return m.vals[i], true
	}
	m.insert(i, k, v)
	return 0, false
}

// Set stores v for k, replacing any value.
func (m *Map) Set(k uint64, v int32) {
	k, i := m.find(k)
	if m.keys[i] == k {
		m.vals[i] = v
		return
	}
	m.insert(i, k, v)
}

// All calls fn for every entry, in no particular order.
func (m *Map) All(fn func(k uint64, v int32)) {
	for i, k := range m.keys {
		if k != 0 {
			fn(k, m.vals[i])
		}
	}
}

func (m *Map) grow() {
	keys, vals := m.keys, m.vals
	size := len(keys) * 2
	m.keys, m.vals, m.mask = make([]uint64, size), make([]int32, size), uint64(size-1)
	for i, k := range keys {
		if k != 0 {
			j := k & m.mask
			for m.keys[j] != 0 {
				j = (j + 1) & m.mask
			}
			m.keys[j], m.vals[j] = k, vals[i]
		}
	}
}

// reset empties the map, keeping its size.
func (m *Map) reset() {
	clear(m.keys)
	clear(m.vals)
	m.n = 0
}
