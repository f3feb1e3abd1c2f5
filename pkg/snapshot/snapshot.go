// Package snapshot records what was published, without keeping the PII: per entity kind, the
// sorted hashes of the entities' keys, each with a hash of the entity's compared fields. The
// entries are those of the diff engine's first pass (pkg/diff: the same fields, the same rules
// for tobedeleted rows and deltas), so the guard, history --diff and diff count alike.
//
// What is written is keyed: each row hash is encrypted with AES-256 under a key derived from a
// secret kept beside the snapshots (Key; truncated to 64 bits), so a copy of the snapshots alone
// cannot be searched for a password or a birth date. Key hashes stay the engine's hashes of the IDs (an ID is no
// secret), so any two snapshots compare at least by IDs. A snapshot being built is not keyed;
// Keyed turns it into one that can be written and compared with written ones.
package snapshot

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Entry is one entity: the hash of its key and the hash of its fields (diff.Tombstone for a
// row marked tobedeleted, diff.Unknown when the fields are not known).
type Entry = diff.Entry

// Counts compares two snapshots of one kind.
type Counts = diff.Counts

// Snapshot holds the entries of each kind, sorted by key.
type Snapshot struct {
	Kinds map[roster.Kind][]Entry
	// Modes holds the kinds of a delta being published that do not apply as bulk; nil for a
	// bulk input and for every snapshot read (a snapshot written is the state a push left).
	Modes map[roster.Kind]diff.Mode
	// KeyID names the secret the hashes are keyed with: "" while built, LegacyKeyID for a
	// snapshot of an older rostersync (unkeyed key hashes, row hashes dropped as Unknown).
	KeyID string
	// Stripped holds, per kind, the hashes of the IDs with leading zeros without them (and of
	// the IDs): a later file whose new IDs are among them lost its zeros to a spreadsheet.
	Stripped map[roster.Kind][]Entry
}

// LegacyKeyID is the KeyID of a snapshot written before snapshots were keyed. Its key hashes
// are the diff engine's own, so it compares with a built snapshot by keys; its rows are Unknown.
const LegacyKeyID = "legacy"

// Rows returns the number of entities of all kinds.
func (s *Snapshot) Rows() int {
	n := 0
	for _, e := range s.Kinds {
		n += len(e)
	}
	return n
}

// Count returns the number of entities of kind k.
func (s *Snapshot) Count(k roster.Kind) int { return len(s.Kinds[k]) }

// Legacy reports whether s was written by an older rostersync, before snapshots were keyed.
func (s *Snapshot) Legacy() bool { return s.KeyID == LegacyKeyID }

// Builder is a roster.Sink that builds a Snapshot from the entities a reader sends it, with
// diff's default comparison rules (users by sourcedId, status and dateLastModified aside,
// lists as sets). It is a diff.ModeSetter: a delta's reader tells it which kinds are delta.
type Builder struct {
	*diff.Builder
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	b, err := diff.NewBuilder(diff.Options{})
	if err != nil {
		panic(err) // the zero Options are valid
	}
	b.KeepStripped()
	return &Builder{b}
}

// Snapshot sorts and returns what was built (not keyed). The Builder must not be used
// afterwards.
func (b *Builder) Snapshot() *Snapshot {
	t := b.Table()
	return &Snapshot{Kinds: t.Kinds, Modes: t.Modes, Stripped: t.Stripped}
}

func (s *Snapshot) table() *diff.Table {
	return &diff.Table{Kinds: s.Kinds, Modes: s.Modes, Stripped: s.Stripped}
}

// ExcelDamage counts, per kind, the entities new adds whose ID is one of old's without its
// leading zeros. Both must be keyed alike.
func ExcelDamage(old, new *Snapshot) map[roster.Kind]int {
	if old.KeyID != new.KeyID {
		return nil
	}
	return diff.ExcelDamage(old.table(), new.table())
}

// ErrOtherKey is returned when two snapshots are keyed with different secrets: their row
// hashes cannot be compared (key one with the other's key: it then compares by IDs).
var ErrOtherKey = errors.New("the snapshots are keyed with different secrets")

// Compare counts, per kind present in either snapshot, the entities of old that new removes,
// changes and leaves, and those it adds, as diff does (a delta's kinds applied to old), and
// returns the snapshot new leaves: new for bulk kinds, old with new applied for a delta's.
// Both must be keyed alike (or both built), except that a legacy old compares with a built
// new by keys, its rows never counted as changed (key it first to compare with a keyed one).
func Compare(old, new *Snapshot) (map[roster.Kind]Counts, *Snapshot, error) {
	if old.KeyID != new.KeyID && (!old.Legacy() || new.KeyID != "") {
		return nil, nil, fmt.Errorf("%w (%s, %s)", ErrOtherKey, show(old.KeyID), show(new.KeyID))
	}
	counts, state := diff.CompareTables(old.table(), new.table())
	out := make(map[roster.Kind]Counts, len(counts))
	for k, c := range counts {
		out[k] = *c
	}
	return out, &Snapshot{Kinds: state.Kinds, Stripped: state.Stripped, KeyID: new.KeyID}, nil
}

func show(id string) string {
	if id == "" {
		return "not keyed"
	}
	return "key " + id
}

// Applied returns the snapshot s leaves on an empty destination: s with its tobedeleted rows
// dropped (a delta's first push).
func (s *Snapshot) Applied() *Snapshot {
	_, state, _ := Compare(&Snapshot{KeyID: s.KeyID}, s)
	return state
}

// strippedPrefix names the sections of Stripped in a written snapshot.
const strippedPrefix = "stripped."

const (
	magicV1 = "rostersync-snapshot-1\n"
	magic   = "rostersync-snapshot-2\n"
)

// Write writes s, which must be keyed, in a compact binary form.
func (s *Snapshot) Write(w io.Writer) error {
	if s.KeyID == "" || s.Legacy() {
		return errors.New("snapshot: only a keyed snapshot is written (Keyed)")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(magic) //nolint:errcheck // checked at Flush
	fmt.Fprintf(bw, "key %s\n", s.KeyID)
	var buf [16]byte
	section := func(name string, e []Entry) {
		if len(e) == 0 {
			return
		}
		fmt.Fprintf(bw, "%s %d\n", name, len(e))
		for _, x := range e {
			binary.LittleEndian.PutUint64(buf[:8], x.Key)
			binary.LittleEndian.PutUint64(buf[8:], x.Row)
			bw.Write(buf[:]) //nolint:errcheck
		}
	}
	for _, k := range roster.Kinds {
		section(string(k), s.Kinds[k])
	}
	for _, k := range roster.Kinds {
		section(strippedPrefix+string(k), s.Stripped[k])
	}
	return bw.Flush()
}

// entrySize is the size of an entry written: its key and row hashes, little-endian.
const entrySize = 16

// ErrFormat is returned for a file that is not a snapshot.
var ErrFormat = errors.New("not a rostersync snapshot")

// Read reads a snapshot written by Write, or by an older rostersync (Legacy: its row hashes,
// unkeyed, are dropped as they are read).
func Read(r io.Reader) (*Snapshot, error) {
	br := bufio.NewReader(r)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, ErrFormat
	}
	s := &Snapshot{Kinds: map[roster.Kind][]Entry{}}
	switch string(head) {
	case magicV1:
		s.KeyID = LegacyKeyID
	case magic:
		line, err := br.ReadString('\n')
		id, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "key ")
		if err != nil || !ok || id == "" || id == LegacyKeyID {
			return nil, fmt.Errorf("%w: bad key line", ErrFormat)
		}
		s.KeyID = id
	default:
		return nil, ErrFormat
	}
	buf := make([]byte, 4096*entrySize)
	for {
		line, err := br.ReadString('\n')
		if err == io.EOF && line == "" {
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		var kind string
		var n int
		if _, err := fmt.Sscanf(line, "%s %d\n", &kind, &n); err != nil || n < 0 || n > 1<<31 {
			return nil, fmt.Errorf("%w: bad section %q", ErrFormat, strings.TrimSpace(line))
		}
		// The count is not trusted for the allocation: the table grows (doubling, up to the
		// count) only as entries are actually read, a block of them at a time.
		e := make([]Entry, 0, min(n, 1<<20))
		for left := n; left > 0; {
			m := min(left, len(buf)/entrySize)
			if _, err := io.ReadFull(br, buf[:m*entrySize]); err != nil {
				return nil, fmt.Errorf("%w: truncated", ErrFormat)
			}
			if len(e)+m > cap(e) {
				e = slices.Grow(e, min(n, 2*cap(e))-len(e))
			}
			for i := range m {
				b := buf[i*entrySize : (i+1)*entrySize]
				x := Entry{Key: binary.LittleEndian.Uint64(b[:8]), Row: binary.LittleEndian.Uint64(b[8:])}
				if s.Legacy() {
					x.Row = diff.Unknown
				}
				e = append(e, x)
			}
			left -= m
		}
		if !slices.IsSortedFunc(e, func(a, b Entry) int { return cmp.Compare(a.Key, b.Key) }) {
			return nil, fmt.Errorf("%w: %s not sorted", ErrFormat, kind)
		}
		if k, ok := strings.CutPrefix(kind, strippedPrefix); ok {
			if s.Stripped == nil {
				s.Stripped = map[roster.Kind][]Entry{}
			}
			s.Stripped[roster.Kind(k)] = e
			continue
		}
		s.Kinds[roster.Kind(kind)] = e
	}
}
