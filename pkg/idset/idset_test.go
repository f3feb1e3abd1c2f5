package idset

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestAgainstMap checks the table against Go's map on random keys, with 0 and growth.
func TestAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := New(0)
	ref := map[uint64]int32{}
	keys := []uint64{0, zeroKey - 1, 1}
	for range 50_000 {
		keys = append(keys, r.Uint64()%100_000) // many repeats
	}
	for i, k := range keys {
		first, dup := m.Add(k, int32(i))
		want, had := ref[k]
		if dup != had || (had && first != want) {
			t.Fatalf("Add(%d): (%d, %v), want (%d, %v)", k, first, dup, want, had)
		}
		if !had {
			ref[k] = int32(i)
		}
	}
	if m.Len() != len(ref) {
		t.Fatalf("Len %d, want %d", m.Len(), len(ref))
	}
	for k, v := range ref {
		if got, ok := m.Get(k); !ok || got != v {
			t.Fatalf("Get(%d) = %d, %v; want %d", k, got, ok, v)
		}
	}
	for range 1000 {
		k := 200_000 + r.Uint64()%1_000_000
		if m.Has(k) {
			t.Fatalf("Has(%d) for a key never added", k)
		}
	}
	m.Set(0, -5)
	if v, _ := m.Get(0); v != -5 {
		t.Fatalf("Set(0): Get = %d", v)
	}
	n := 0
	m.All(func(uint64, int32) { n++ })
	if n != m.Len() {
		t.Fatalf("All visited %d of %d", n, m.Len())
	}
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, 1<<20)
	for i := range keys {
		keys[i] = r.Uint64()
	}
	b.ResetTimer()
	for b.Loop() {
		m := New(0)
		for i, k := range keys {
			m.Add(k, int32(i))
		}
	}
}

// TestBagRepeated checks Bag's repeated keys against a Go map, on enough keys to use many parts.
func TestBagRepeated(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 10, 300_000} {
		b := NewBag(n / 2) // a low hint: parts must grow
		seen := map[uint64]int32{}
		want := map[uint64]int32{}
		for line := range int32(n) {
			k := r.Uint64()
			if line%97 == 5 { // a repeat of an earlier key (not 0: a Map holds 0 as zeroKey)
				k = uint64(line%1000+2) * 0x9e3779b97f4a7c15
			}
			if first, ok := seen[k]; ok {
				want[k] = first
			} else {
				seen[k] = line
			}
			b.Add(k, line)
		}
		got := b.Repeated()
		if got.Len() != len(want) {
			t.Fatalf("n=%d: %d repeated keys, want %d", n, got.Len(), len(want))
		}
		for k, first := range want {
			if v, ok := got.Get(k); !ok || v != first {
				t.Fatalf("n=%d: key %x first on %d (%v), want %d", n, k, v, ok, first)
			}
		}
		if b.Len() != n {
			t.Fatalf("Len %d, want %d", b.Len(), n)
		}
	}
}

// What Repeated keeps grows with the distinct repeated keys, not with the repeats: a million
// rows of one ID take a table of one key.
func TestBagRepeatedMemory(t *testing.T) {
	const n = 1 << 20
	b := NewBag(n)
	for line := range int32(n) {
		b.Add(42, line)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := b.Repeated()
	runtime.ReadMemStats(&after)
	if m.Len() != 1 {
		t.Fatalf("%d repeated keys, want 1", m.Len())
	}
	// The per-part scratch table is sized by the largest part; nothing is kept per repeat.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > n {
		t.Errorf("Repeated allocated %d bytes for %d repeats of one key", alloc, n)
	}
}

// Hash and HashBytes agree, and differ between IDs that differ in one byte anywhere.
func TestHash(t *testing.T) {
	id := []byte("de440366-d243-4e10-929d-b29e51579e12")
	seen := map[uint64]string{}
	for i := range id {
		for _, c := range []byte{'0', 'a', 'Z', '-', 0} {
			b := append([]byte(nil), id...)
			b[i] = c
			h := Hash(string(b))
			if h != HashBytes(b) {
				t.Fatalf("Hash(%q) != HashBytes", b)
			}
			if prev, ok := seen[h]; ok && prev != string(b) {
				t.Fatalf("%q and %q hash alike", prev, b)
			}
			seen[h] = string(b)
		}
	}
}
