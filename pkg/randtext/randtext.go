// Package randtext makes random strings for the property tests that hold a fast function (one
// that reads eight bytes at a time, or in one pass) to a plain reading of its rule: drawn from
// a few pieces, the bytes that decide the rule come in every position and combination.
package randtext

import (
	"math/rand/v2"
	"strings"
)

// String returns up to max-1 pieces drawn at random from pieces, end to end.
func String(r *rand.Rand, pieces []string, max int) string {
	var b strings.Builder
	for range r.IntN(max) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// Bytes returns up to max-1 bytes drawn at random from alphabet.
func Bytes(r *rand.Rand, alphabet string, max int) string {
	b := make([]byte, r.IntN(max))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
