package state

import (
	"io"
	"math/rand/v2"
	"testing"
)

// BenchmarkRunFile writes, then reads back, a run file of 1.8M snapshot entries (16 bytes of
// hashes each: a 2M-user roster's), as push writes its snapshot while it uploads and the next
// push reads it for the guard.
func BenchmarkRunFile(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1_800_000*16)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	s := &Store{Dir: b.TempDir()}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := s.WriteRunFile("dest", "run", "snapshot-1.bin.gz", func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		r, err := s.OpenRunFile("dest", "run", "snapshot-1.bin.gz")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, r)
		r.Close()
		if err != nil || n != int64(len(data)) {
			b.Fatalf("read back %d bytes, %v", n, err)
		}
	}
}
