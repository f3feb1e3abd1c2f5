package snapshot

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// BenchmarkKeyed keys a snapshot of 1M entities (each key and row hash encrypted with AES-256):
// the cost a push adds to the snapshot of its input (a 1M-user package has 7.4M entities).
// BenchmarkKeyedHMAC keys it as the rostersync before did (HMAC-SHA256), for comparison.
func BenchmarkKeyed(b *testing.B) {
	benchKeying(b, func(s *Snapshot, k *Key) error { _, err := s.Keyed(k); return err })
}

func BenchmarkKeyedHMAC(b *testing.B) {
	benchKeying(b, func(s *Snapshot, k *Key) error { _, err := s.KeyedHMAC(k); return err })
}

// benchKeying times key on a snapshot of 1M random entities.
func benchKeying(b *testing.B, key func(*Snapshot, *Key) error) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := make([]Entry, 1_000_000)
	for i := range e {
		e[i] = Entry{Key: rng.Uint64(), Row: rng.Uint64() | 2}
	}
	s := &Snapshot{Kinds: map[roster.Kind][]Entry{roster.EnrollmentKind: e}}
	k, err := NewKey(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := key(s, k); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead reads back a written snapshot of 2M entities (a 2M-user Capti roster's, 32 MB):
// what the guard reads before it compares.
func BenchmarkRead(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := make([]Entry, 2_000_000)
	for i := range e {
		e[i] = Entry{Key: uint64(i) << 20, Row: rng.Uint64() | 2}
	}
	s := &Snapshot{Kinds: map[roster.Kind][]Entry{roster.UserKind: e}, KeyID: "k"}
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		got, err := Read(bytes.NewReader(buf.Bytes()))
		if err != nil || len(got.Kinds[roster.UserKind]) != len(e) {
			b.Fatalf("%v, %d entries", err, len(got.Kinds[roster.UserKind]))
		}
	}
}
