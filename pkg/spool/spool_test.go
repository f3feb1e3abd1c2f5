package spool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Records come back in order, byte for byte (empty and large ones too), the file is private
// while it exists and gone after Each.
func TestSpoolRoundTrip(t *testing.T) {
	dir := t.TempDir()
	sp, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for i := range 1000 {
		rec := []byte(fmt.Sprintf("record %d,", i))
		if i%100 == 0 {
			rec = bytes.Repeat([]byte{byte(i)}, 300<<10) // larger than the buffers
		}
		if i%250 == 1 {
			rec = nil
		}
		want = append(want, rec)
		if err := sp.Add(rec); err != nil {
			t.Fatal(err)
		}
	}
	if sp.Len() != len(want) {
		t.Fatalf("Len %d, want %d", sp.Len(), len(want))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("scratch holds %d files", len(entries))
	}
	if fi, _ := entries[0].Info(); fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("spool file mode %v, want private", fi.Mode().Perm())
	}
	i := 0
	err = sp.Each(func(rec []byte) error {
		if !bytes.Equal(rec, want[i]) {
			t.Fatalf("record %d: %d bytes, want %d", i, len(rec), len(want[i]))
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("Each: %v after %d records", err, i)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the spool file is left after Each")
	}
	sp.Close() // again: nothing
}

// An error of fn stops Each and comes back as it is.
func TestSpoolEachStops(t *testing.T) {
	sp, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := sp.Add([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := sp.Each(func([]byte) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("Each: %v after %d records", err, n)
	}
}

// Strings and lists read back as appended, one after another in one record.
func TestRecordStrings(t *testing.T) {
	var rec []byte
	rec = AppendString(rec, "")
	rec = AppendString(rec, "Ann, \"the\"\nsecond")
	rec = AppendList(rec, nil)
	rec = AppendList(rec, []string{"a", "", "ccc"})
	rec = AppendKVs(rec, []roster.KV{{Key: "metadata.x", Value: "1"}, {Key: "", Value: ""}})
	s1, rest := NextString(rec)
	s2, rest := NextString(rest)
	l1, rest := NextList(rest, nil)
	l2, rest := NextList(rest, nil)
	kvs, rest := NextKVs(rest, nil)
	if s1 != "" || s2 != "Ann, \"the\"\nsecond" || l1 != nil || len(l2) != 3 || l2[0] != "a" || l2[1] != "" || l2[2] != "ccc" || len(rest) != 0 {
		t.Fatalf("read back %q %q %q %q, %d bytes left", s1, s2, l1, l2, len(rest))
	}
	if len(kvs) != 2 || kvs[0] != (roster.KV{Key: "metadata.x", Value: "1"}) || kvs[1] != (roster.KV{}) {
		t.Fatalf("read back %v", kvs)
	}
}
