package snapshot

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/roster"
)

// KeyFile is the name of the secret in the state folder.
const KeyFile = "snapshot.key"

// ErrInsecureKey is returned for a key file others can read or write: fix its mode
// (errclass.Usage, exit 2).
var ErrInsecureKey = errclass.Sentinel(errclass.Usage, "insecure snapshot key")

// keyLen is the secret's length in bytes.
const keyLen = 32

// Key is the secret snapshots are keyed with.
//
// A row is keyed with AES-256 under a key derived from the secret (HMAC-SHA256 of the secret
// and a label): the 16 bytes of the entity's key hash and row hash are encrypted as one block,
// and the first 8 bytes of the result are the keyed row hash. AES is a pseudorandom
// permutation, so without the secret the keyed hashes reveal nothing of the rows, and with the
// CPU's AES instructions it costs a fraction of an HMAC-SHA256 (two SHA-256 blocks) per row.
// Snapshots of the rostersync before this one were keyed with HMAC-SHA256 of the same secret
// (HMACKeyed): the guard compares with them exactly once, keyed as they were.
type Key struct {
	ID     string // names the secret and the keying without revealing the secret: a hash of it
	secret []byte
	rows   cipher.Block
	hmacID string // the ID the same secret had when rows were keyed with HMAC-SHA256
}

// NewKey returns the key of a secret of at least 16 bytes.
func NewKey(secret []byte) (*Key, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("snapshot key: %d bytes, want at least 16", len(secret))
	}
	label := func(l string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(l)) //nolint:errcheck // hashing cannot fail
		return m.Sum(nil)
	}
	rows, err := aes.NewCipher(label("rostersync snapshot row key, AES-256"))
	if err != nil {
		return nil, err
	}
	return &Key{
		ID:     hex.EncodeToString(label("rostersync snapshot key id, AES-256 rows")[:8]),
		secret: slices.Clone(secret),
		rows:   rows,
		hmacID: hex.EncodeToString(label("rostersync snapshot key id")[:8]),
	}, nil
}

// LoadKey returns the key of the state folder dir, creating its secret (KeyFile, 0600, random)
// on first use. A secret file others can read or write is refused.
func LoadKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	for range 2 {
		b, err := readSecret(path)
		if err == nil {
			return NewKey(b)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err := createSecret(dir, path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("snapshot key %s: cannot be created", path)
}

func readSecret(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("snapshot key %s: not a regular file", path)
	}
	if !private(st.Mode()) {
		return nil, fmt.Errorf("%w: %s has mode %04o: others can read it (chmod 600 %s)", ErrInsecureKey, path, st.Mode().Perm(), path)
	}
	b := make([]byte, keyLen+1)
	n, err := f.Read(b)
	if err != nil || n != keyLen {
		return nil, fmt.Errorf("snapshot key %s: not a key (%d bytes, want %d)", path, n, keyLen)
	}
	return b[:n], nil
}

// createSecret writes a new random secret under a temporary name, then links it into place:
// two runs starting at once end with one secret.
func createSecret(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("snapshot key: %w", err)
	}
	secret := make([]byte, keyLen)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("snapshot key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".snapshot.key.*")
	if err != nil {
		return fmt.Errorf("snapshot key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot key: %w", err)
	}
	if _, err := tmp.Write(secret); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("snapshot key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("snapshot key: %w", err)
	}
	return nil
}

// hasher computes the keyed hashes of a snapshot's entries. It is not safe for concurrent use.
type hasher struct {
	rows cipher.Block
	mac  hash.Hash // the HMAC keying, for HMACKeyed
	in   [17]byte
	out  []byte
}

func (k *Key) hasher(withHMAC bool) *hasher {
	h := &hasher{rows: k.rows, out: make([]byte, 0, sha256.Size)}
	if withHMAC {
		h.mac = hmac.New(sha256.New, k.secret)
	}
	return h
}

// row is the first 64 bits of the AES-256 encryption of a key hash and its row hash.
func (h *hasher) row(key, row uint64) uint64 {
	binary.LittleEndian.PutUint64(h.in[:8], key)
	binary.LittleEndian.PutUint64(h.in[8:16], row)
	h.out = h.out[:16]
	h.rows.Encrypt(h.out, h.in[:16])
	return binary.LittleEndian.Uint64(h.out)
}

// hmacRow is the row hash as the rostersync before this one keyed it: the first 64 bits of
// the HMAC-SHA256 of a domain byte, the key hash and the row hash.
func (h *hasher) hmacRow(key, row uint64) uint64 {
	h.in[0] = 'r'
	binary.LittleEndian.PutUint64(h.in[1:9], key)
	binary.LittleEndian.PutUint64(h.in[9:17], row)
	h.mac.Reset()
	h.mac.Write(h.in[:]) //nolint:errcheck // hashing cannot fail
	h.out = h.mac.Sum(h.out[:0])
	return binary.LittleEndian.Uint64(h.out)
}

// each sets out[i] = fn(in[i]) for every entry, on every CPU for a large table (a district has
// millions of entities).
func (k *Key) each(in, out []Entry, withHMAC bool, fn func(*hasher, Entry) Entry) {
	const minChunk = 1 << 14
	n := min(runtime.GOMAXPROCS(0), (len(in)+minChunk-1)/minChunk)
	if n <= 1 {
		h := k.hasher(withHMAC)
		for i, x := range in {
			out[i] = fn(h, x)
		}
		return
	}
	var wg sync.WaitGroup
	size := (len(in) + n - 1) / n
	for lo := 0; lo < len(in); lo += size {
		hi := min(lo+size, len(in))
		wg.Go(func() {
			h := k.hasher(withHMAC)
			for i := lo; i < hi; i++ {
				out[i] = fn(h, in[i])
			}
		})
	}
	wg.Wait()
}

// Keyed returns s keyed with k: each row hash replaced by its keyed hash with its key hash
// (which stays the diff engine's hash of the ID: an ID is no secret, and IDs keyed alike compare
// with any snapshot), tombstones and unknown rows kept as such. A snapshot already keyed with k
// is returned as it is. One whose rows cannot be keyed with k (a legacy snapshot's were
// dropped; one keyed with another secret, or with HMAC-SHA256, cannot be read back) keeps its
// IDs and has every row Unknown: it compares by IDs only (ByIDsOnly tells).
func (s *Snapshot) Keyed(k *Key) (*Snapshot, error) {
	if s.KeyID == k.ID {
		return s, nil
	}
	if s.KeyID != "" {
		return s.byIDs(k.ID), nil
	}
	return s.keyed(k, k.ID, false, (*hasher).row), nil
}

// KeyedHMAC returns s, which must be built (not keyed), keyed as the rostersync before this one
// keyed snapshots with k's secret (HMAC-SHA256): it compares exactly with a snapshot that
// rostersync wrote (HMACKeyed).
func (s *Snapshot) KeyedHMAC(k *Key) (*Snapshot, error) {
	if s.KeyID != "" {
		return nil, errors.New("snapshot: only a built snapshot is keyed with HMAC-SHA256")
	}
	return s.keyed(k, k.hmacID, true, (*hasher).hmacRow), nil
}

// HMACKeyed reports whether s was written by the rostersync before this one with k's secret:
// its rows are keyed with HMAC-SHA256 (KeyedHMAC keys a built snapshot alike).
func (s *Snapshot) HMACKeyed(k *Key) bool { return s.KeyID == k.hmacID }

func (s *Snapshot) keyed(k *Key, id string, withHMAC bool, row func(*hasher, uint64, uint64) uint64) *Snapshot {
	out := &Snapshot{Kinds: make(map[roster.Kind][]Entry, len(s.Kinds)), Modes: s.Modes, Stripped: s.Stripped, KeyID: id}
	for kind, entries := range s.Kinds {
		e := make([]Entry, len(entries))
		k.each(entries, e, withHMAC, func(h *hasher, x Entry) Entry {
			if x.Row == diff.Tombstone || x.Row == diff.Unknown {
				return x
			}
			r := row(h, x.Key, x.Row)
			if r == diff.Tombstone || r == diff.Unknown {
				r = diff.Unknown + 1
			}
			return Entry{Key: x.Key, Row: r}
		})
		out.Kinds[kind] = e
	}
	return out
}

// byIDs is s under the key id with every row Unknown (tombstones kept).
func (s *Snapshot) byIDs(id string) *Snapshot {
	out := &Snapshot{Kinds: make(map[roster.Kind][]Entry, len(s.Kinds)), Modes: s.Modes, Stripped: s.Stripped, KeyID: id}
	for kind, entries := range s.Kinds {
		e := make([]Entry, len(entries))
		for i, x := range entries {
			e[i] = x
			if x.Row != diff.Tombstone {
				e[i].Row = diff.Unknown
			}
		}
		out.Kinds[kind] = e
	}
	return out
}

// ByIDsOnly reports whether keying s with k leaves its rows Unknown: s is a legacy snapshot, or
// one keyed with another secret (the key file replaced) or with HMAC-SHA256 (HMACKeyed).
func (s *Snapshot) ByIDsOnly(k *Key) bool { return s.KeyID != "" && s.KeyID != k.ID }
