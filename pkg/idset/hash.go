package idset

import "hash/maphash"

// seed is this process's: the hashes key tables that live for one run and are never stored,
// so a seed chosen at start (as Go's maps do) also keeps a crafted file from choosing IDs that
// collide.
var seed = maphash.MakeSeed()

// Hash is the hash of an ID for the tables of this package: the runtime's own string hash
// (AES-based where the processor has AES instructions), about twice as fast as xxhash on the
// 36-byte IDs of a roster. It differs from run to run: never store it.
func Hash(s string) uint64 { return maphash.String(seed, s) }

// HashBytes is Hash of string(b).
func HashBytes(b []byte) uint64 { return maphash.Bytes(seed, b) }
