// Package idset is a compact hash table from 64-bit ID hashes to a 32-bit value (a line number
// or a row hash), for checking and comparing files with millions of IDs: one flat array of
// key-value slots, open addressing with linear probing, so a lookup costs about one cache miss
// (key and value share a cache line) and an entry 16 bytes (at most 32 with the table's slack).
package idset

// zeroKey stands in for the hash 0, which marks an empty slot.
const zeroKey = 0x9e3779b97f4a7c15

// Map maps hashes to values. The zero value is not usable: call New.
type Map struct {
	slots []slot
	n     int
	mask  uint64
}

type slot struct {
	key uint64
	val int32
}

// New returns a Map sized for about hint entries.
func New(hint int) *Map {
	size := 16
	for size*3/4 < hint {
		size *= 2
	}
	return &Map{slots: make([]slot, size), mask: uint64(size - 1)}
}

// Len returns the number of entries.
func (m *Map) Len() int { return m.n }

// find returns k (0 replaced by zeroKey) and its slot, or the empty slot where it would go.
func (m *Map) find(k uint64) (uint64, *slot) {
	if k == 0 {
		k = zeroKey
	}
	for i := k & m.mask; ; i = (i + 1) & m.mask {
		if s := &m.slots[i]; s.key == k || s.key == 0 {
			return k, s
		}
	}
}

// insert fills an empty slot found for k, growing the table past three quarters full.
func (m *Map) insert(s *slot, k uint64, v int32) {
	s.key, s.val = k, v
	m.n++
	if m.n*4 > len(m.slots)*3 {
		m.grow()
	}
}

// Get returns the value stored for k.
func (m *Map) Get(k uint64) (int32, bool) {
	k, s := m.find(k)
	return s.val, s.key == k
}

// Has reports whether k is in the map.
func (m *Map) Has(k uint64) bool {
	_, ok := m.Get(k)
	return ok
}

// Add stores v for k unless k is already there; then it returns the value stored first and true.
func (m *Map) Add(k uint64, v int32) (int32, bool) {
	k, s := m.find(k)
	if s.key == k {
		return s.val, true
	}
	m.insert(s, k, v)
	return 0, false
}

// Set stores v for k, replacing any value.
func (m *Map) Set(k uint64, v int32) {
	k, s := m.find(k)
	if s.key == k {
		s.val = v
		return
	}
	m.insert(s, k, v)
}

// All calls fn for every entry, in no particular order.
func (m *Map) All(fn func(k uint64, v int32)) {
	for _, s := range m.slots {
		if s.key != 0 {
			fn(s.key, s.val)
		}
	}
}

func (m *Map) grow() {
	old := m.slots
	size := len(old) * 2
	m.slots, m.mask, m.n = make([]slot, size), uint64(size-1), 0
	for _, s := range old {
		if s.key != 0 {
			for j := s.key & m.mask; ; j = (j + 1) & m.mask {
				if m.slots[j].key == 0 {
					m.slots[j] = s
					m.n++
					break
				}
			}
		}
	}
}

// reset empties the map, keeping its size.
func (m *Map) reset() {
	clear(m.slots)
	m.n = 0
}
