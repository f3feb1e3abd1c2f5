package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/roster"
)

func build(t *testing.T, users []roster.User, enrollments []roster.Enrollment) *Snapshot {
	t.Helper()
	b := NewBuilder()
	r := &roster.Roster{Users: users, Enrollments: enrollments}
	if err := r.Emit(b); err != nil {
		t.Fatal(err)
	}
	return b.Snapshot()
}

func testKey(t *testing.T, seed byte) *Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyed(t *testing.T, s *Snapshot, k *Key) *Snapshot {
	t.Helper()
	out, err := s.Keyed(k)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	oldUsers = []roster.User{
		{SourcedID: "u1", GivenName: "Ana", OrgIDs: []string{"s1", "s2"}},
		{SourcedID: "u2", GivenName: "Ben"},
		{SourcedID: "u3", GivenName: "Cy"},
		{SourcedID: "u4", GivenName: "Di"},
	}
	newUsers = []roster.User{
		{SourcedID: "u1", GivenName: "Ana", OrgIDs: []string{"s2", "s1"}}, // same set, other order
		{SourcedID: "u2", GivenName: "Benjamin"},
		{SourcedID: "u5", GivenName: "Ed"},
		{SourcedID: "u3", Status: "tobedeleted"},
	}
)

func TestCompare(t *testing.T) {
	old := build(t, oldUsers, []roster.Enrollment{{ClassID: "c1", UserID: "u1"}, {ClassID: "c1", UserID: "u2"}})
	new := build(t, newUsers, []roster.Enrollment{{ClassID: "c1", UserID: "u1"}})
	k := testKey(t, 1)
	for _, tc := range []struct {
		name     string
		old, new *Snapshot
	}{{"built", old, new}, {"keyed", keyed(t, old, k), keyed(t, new, k)}} {
		got, state, err := Compare(tc.old, tc.new)
		if err != nil {
			t.Fatal(err)
		}
		want := Counts{Added: 1, Removed: 2, Changed: 1, Unchanged: 1, RemovedPercent: 50}
		if got[roster.UserKind] != want {
			t.Errorf("%s users: %+v, want %+v", tc.name, got[roster.UserKind], want)
		}
		if e := got[roster.EnrollmentKind]; e.Removed != 1 || e.Unchanged != 1 || e.RemovedPercent != 50 {
			t.Errorf("%s enrollments keyed by class/user: %+v", tc.name, e)
		}
		if _, ok := got[roster.OrgKind]; ok {
			t.Errorf("%s: a kind in neither snapshot is reported", tc.name)
		}
		if state.Count(roster.UserKind) != 3 || state.KeyID != tc.new.KeyID {
			t.Errorf("%s: state holds %d users (want 3: the tobedeleted row is not one), key %q", tc.name, state.Count(roster.UserKind), state.KeyID)
		}
	}
	if old.Rows() != 6 || new.Count(roster.UserKind) != 4 {
		t.Errorf("rows %d, users %d", old.Rows(), new.Count(roster.UserKind))
	}
	if _, _, err := Compare(keyed(t, old, k), new); err == nil {
		t.Error("a keyed and a built snapshot were compared")
	}
	if _, _, err := Compare(keyed(t, old, k), keyed(t, new, testKey(t, 2))); err == nil {
		t.Error("snapshots of two keys were compared")
	}
}

// TestSameCountsAsDiff: a snapshot counts as diff does, on the same two inputs.
func TestSameCountsAsDiff(t *testing.T) {
	oldR := &roster.Roster{Users: oldUsers, Enrollments: []roster.Enrollment{{SourcedID: "e1", ClassID: "c1", UserID: "u1"}},
		Orgs: []roster.Org{{SourcedID: "s1", Name: "Lincoln"}}}
	newR := &roster.Roster{Users: newUsers, Enrollments: []roster.Enrollment{{SourcedID: "e1", ClassID: "c2", UserID: "u1"}},
		Orgs: []roster.Org{{SourcedID: "s1", Name: "Lincoln High"}, {SourcedID: "s2"}}}
	res, err := diff.Compare(context.Background(), diff.FromRoster(oldR), diff.FromRoster(newR), diff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap := func(r *roster.Roster) *Snapshot {
		b := NewBuilder()
		if err := r.Emit(b); err != nil {
			t.Fatal(err)
		}
		return keyed(t, b.Snapshot(), testKey(t, 7))
	}
	got, _, err := Compare(snap(oldR), snap(newR))
	if err != nil {
		t.Fatal(err)
	}
	want := map[roster.Kind]Counts{}
	for k, c := range res.Summary {
		want[k] = *c
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot counts %+v\ndiff counts %+v", got, want)
	}
}

func TestWriteRead(t *testing.T) {
	built := build(t, []roster.User{{SourcedID: "a"}, {SourcedID: "b", Password: "secret"}}, []roster.Enrollment{{SourcedID: "e1"}})
	var buf bytes.Buffer
	if err := built.Write(&buf); err == nil {
		t.Fatal("a snapshot not keyed was written")
	}
	s := keyed(t, built, testKey(t, 1))
	buf.Reset()
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("secret")) || bytes.Contains(buf.Bytes(), []byte("e1")) {
		t.Fatal("a snapshot holds values, not hashes")
	}
	got, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := Compare(s, got)
	if err != nil {
		t.Fatal(err)
	}
	if c[roster.UserKind].Unchanged != 2 || c[roster.EnrollmentKind].Unchanged != 1 {
		t.Errorf("read back differs: %+v", c)
	}
	if _, err := Read(bytes.NewReader(buf.Bytes()[:len(buf.Bytes())-3])); err == nil {
		t.Error("a truncated snapshot was accepted")
	}
	if _, err := Read(bytes.NewReader([]byte("hello"))); err == nil {
		t.Error("garbage was accepted")
	}
}

// TestKeyedHidesRows: without the secret, a written snapshot's row hashes cannot be matched
// against guesses: they are neither the engine's unkeyed hashes nor those of another secret.
func TestKeyedHidesRows(t *testing.T) {
	users := []roster.User{{SourcedID: "u1", Password: "2010-05-04"}}
	built := build(t, users, nil)
	a, b := keyed(t, built, testKey(t, 1)), keyed(t, built, testKey(t, 2))
	x, y, z := built.Kinds[roster.UserKind][0], a.Kinds[roster.UserKind][0], b.Kinds[roster.UserKind][0]
	if x.Row == y.Row || y.Row == z.Row || x.Key != y.Key || y.Key != z.Key {
		t.Errorf("keyed rows equal unkeyed or other-key ones, or IDs differ: %x %x %x", x, y, z)
	}
	// Keyed with another secret, a snapshot compares by IDs only.
	if !a.ByIDsOnly(testKey(t, 2)) || a.ByIDsOnly(testKey(t, 1)) {
		t.Error("ByIDsOnly")
	}
	c, _, err := Compare(keyed(t, a, testKey(t, 2)), b)
	if err != nil || c[roster.UserKind].Unchanged != 1 {
		t.Errorf("other key: %+v %v", c, err)
	}
	// A guess of the password, hashed as the engine does, is not in the keyed snapshot.
	guess := build(t, []roster.User{{SourcedID: "u1", Password: "2010-05-04"}}, nil)
	if guess.Kinds[roster.UserKind][0].Row == y.Row {
		t.Error("the keyed row hash is the unkeyed one")
	}
}

// TestLegacy: a snapshot of an older rostersync (unkeyed xxhash of sourcedId and row) compares
// by keys only: removals and additions count, changes do not, and nothing reads as removed.
func TestLegacy(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("rostersync-snapshot-1\n")
	fmt.Fprintf(&buf, "users %d\n", 3)
	var keys []uint64
	for _, id := range []string{"u1", "u2", "u3"} {
		keys = append(keys, xxhash.Sum64String(id))
	}
	slices.Sort(keys)
	var e [16]byte
	for _, k := range keys {
		binary.LittleEndian.PutUint64(e[:8], k)
		binary.LittleEndian.PutUint64(e[8:], 12345) // a row hash of the old field set
		buf.Write(e[:])
	}
	old, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !old.Legacy() {
		t.Fatal("a version-1 snapshot is not legacy")
	}
	for _, x := range old.Kinds[roster.UserKind] {
		if x.Row != diff.Unknown {
			t.Fatal("a legacy snapshot's unkeyed row hashes were kept")
		}
	}
	new := build(t, []roster.User{{SourcedID: "u1", GivenName: "Ana"}, {SourcedID: "u2", GivenName: "Ben"}, {SourcedID: "u9"}}, nil)
	want := Counts{Added: 1, Removed: 1, Unchanged: 2, RemovedPercent: 33.3}
	if got, _, err := Compare(old, new); err != nil || got[roster.UserKind] != want {
		t.Errorf("legacy against built: %+v %v, want %+v", got[roster.UserKind], err, want)
	}
	k := testKey(t, 3)
	got, state, err := Compare(keyed(t, old, k), keyed(t, new, k))
	if err != nil || got[roster.UserKind] != want {
		t.Errorf("legacy keyed against keyed: %+v %v, want %+v", got[roster.UserKind], err, want)
	}
	if state.KeyID != k.ID || state.Count(roster.UserKind) != 3 {
		t.Errorf("state %q %d", state.KeyID, state.Count(roster.UserKind))
	}
}

func TestLoadKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	k1, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() != keyLen {
		t.Errorf("key file mode %v size %d", st.Mode(), st.Size())
	}
	k2, err := LoadKey(dir)
	if err != nil || k2.ID != k1.ID {
		t.Fatalf("second load: %v, id %s then %s", err, k1.ID, k2.ID)
	}
	if err := os.Chmod(filepath.Join(dir, KeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(dir); err == nil {
		t.Error("a key file others can read was accepted")
	}
	other := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, KeyFile), filepath.Join(other, KeyFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(other); err == nil {
		t.Error("a symlinked key file was followed")
	}
}

// TestReadLarge: a snapshot of more entries than one block of the reader reads back entry for
// entry, and a section that claims more entries than the file holds is refused as truncated
// (without an allocation for the claimed count).
func TestReadLarge(t *testing.T) {
	e := make([]Entry, 1<<20+4099)
	for i := range e {
		e[i] = Entry{Key: uint64(i)*7 + 3, Row: uint64(i)*11 + 2}
	}
	s := &Snapshot{Kinds: map[roster.Kind][]Entry{roster.UserKind: e, roster.OrgKind: e[:5]}, KeyID: "k"}
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Kinds[roster.UserKind], e) || !slices.Equal(got.Kinds[roster.OrgKind], e[:5]) || got.KeyID != "k" {
		t.Fatalf("read back %d users, %d orgs, key %q", len(got.Kinds[roster.UserKind]), len(got.Kinds[roster.OrgKind]), got.KeyID)
	}
	lie := []byte(magic + "key k\nusers 2147483647\n")
	lie = append(lie, buf.Bytes()[len(buf.Bytes())-160:]...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := Read(bytes.NewReader(lie)); !errors.Is(err, ErrFormat) {
		t.Errorf("a section claiming 2^31 entries with 10 in the file: err = %v, want ErrFormat", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("reading it allocated %d MB", grew>>20)
	}
}
