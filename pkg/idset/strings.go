package idset

// Strings maps strings to values of type V (a user's sourcedId to their birth date, an ID to the
// index of the record that holds it) for millions of entries: a Map from each key's hash to its place in two flat
// slices, so that an entry costs the strings' headers and 12 bytes of table, and a lookup one
// hash and about one cache miss, where a Go map of strings rehashes as it grows. Keys are
// compared in full: two keys with one hash are both kept. The strings are kept as given (the
// caller clones what it does not own). The zero value is not usable: call NewStrings.
type Strings[V any] struct {
	at    *Map
	keys  []string
	vals  []V
	spill map[string]V // keys whose hash an earlier, different key has
	hash  func(string) uint64
}

// NewStrings returns a Strings sized for about hint entries.
func NewStrings[V any](hint int) *Strings[V] {
	return &Strings[V]{at: New(hint), keys: make([]string, 0, hint), vals: make([]V, 0, hint), hash: Hash}
}

// Len returns the number of keys.
func (s *Strings[V]) Len() int { return len(s.keys) + len(s.spill) }

// Set stores v for k, replacing any value: one probe of the table.
func (s *Strings[V]) Set(k string, v V) {
	h, slot := s.at.find(s.hash(k))
	if s.at.keys[slot] == h {
		if i := s.at.vals[slot]; s.keys[i] == k {
			s.vals[i] = v
			return
		}
		if s.spill == nil {
			s.spill = map[string]V{}
		}
		s.spill[k] = v
		return
	}
	s.at.insert(slot, h, int32(len(s.keys)))
	s.keys = append(s.keys, k)
	s.vals = append(s.vals, v)
}

// Get returns the value stored for k.
func (s *Strings[V]) Get(k string) (V, bool) {
	i, ok := s.at.Get(s.hash(k))
	if !ok {
		var zero V
		return zero, false
	}
	if s.keys[i] == k {
		return s.vals[i], true
	}
	v, ok := s.spill[k]
	return v, ok
}
