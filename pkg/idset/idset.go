// Package idset is a compact hash table from 64-bit ID hashes to a 32-bit value (a line number
// or a row hash), for checking and comparing files with millions of IDs: one flat array of
// keys and one of values, open addressing with linear probing, so a lookup costs about one
// cache miss and an entry 12 bytes (at most 24 with the table's slack).
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

// Get returns the value stored for k.
func (m *Map) Get(k uint64) (int32, bool) {
	if k == 0 {
		k = zeroKey
	}
	for i := k & m.mask; ; i = (i + 1) & m.mask {
		switch m.keys[i] {
		case k:
			return m.vals[i], true
		case 0:
			return 0, false
		}
	}
}

// Has reports whether k is in the map.
func (m *Map) Has(k uint64) bool {
	_, ok := m.Get(k)
	return ok
}

// Add stores v for k unless k is already there; then it returns the value stored first and true.
func (m *Map) Add(k uint64, v int32) (int32, bool) {
	if k == 0 {
		k = zeroKey
	}
	for i := k & m.mask; ; i = (i + 1) & m.mask {
		switch m.keys[i] {
		case k:
			return m.vals[i], true
		case 0:
			m.keys[i], m.vals[i] = k, v
			m.n++
			if m.n*4 > len(m.keys)*3 {
				m.grow()
			}
			return 0, false
		}
	}
}

// Set stores v for k, replacing any value.
func (m *Map) Set(k uint64, v int32) {
	if k == 0 {
		k = zeroKey
	}
	for i := k & m.mask; ; i = (i + 1) & m.mask {
		switch m.keys[i] {
		case k:
			m.vals[i] = v
			return
		case 0:
			m.keys[i], m.vals[i] = k, v
			m.n++
			if m.n*4 > len(m.keys)*3 {
				m.grow()
			}
			return
		}
	}
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
	m.keys, m.vals, m.mask, m.n = make([]uint64, size), make([]int32, size), uint64(size-1), 0
	for i, k := range keys {
		if k != 0 {
			for j := k & m.mask; ; j = (j + 1) & m.mask {
				if m.keys[j] == 0 {
					m.keys[j], m.vals[j] = k, vals[i]
					m.n++
					break
				}
			}
		}
	}
}
