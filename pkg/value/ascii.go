package value

import (
	"encoding/binary"
	"unsafe"
)

const ones, highs = 0x0101010101010101, 0x8080808080808080

// word returns the eight bytes of b at i (i+8 <= len(b)), the first in the low byte.
func word(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// bytesOf is s's bytes, only to read eight at a time.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// inRange8 reports whether the eight bytes of w all lie in [lo, 0x7e] (lo at most 0x7f):
// none below lo (the borrow test is exact for whether there is one), none 0x7f and up (adding
// 1 sets the high bit of 0x7f; 0x80 and up have it already).
func inRange8(w uint64, lo uint64) bool {
	return (w-lo*ones)&^w&highs == 0 && (w+ones|w)&highs == 0
}

// PrintableASCII returns the length of the run of printable ASCII (0x20-0x7e) s starts with:
// all of s for nearly every value. It reads eight bytes at a time, the last eight together
// when the length is not a multiple of eight, and goes byte by byte only from a word that
// holds another byte.
func PrintableASCII(s string) int { return asciiRun(s, 0x20) }

// GraphicASCII is PrintableASCII without the space: the run of 0x21-0x7e s starts with.
func GraphicASCII(s string) int { return asciiRun(s, 0x21) }

func asciiRun(s string, lo byte) int {
	b := bytesOf(s)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if !inRange8(word(b, i), uint64(lo)) {
			return i + slowRun(s[i:], lo)
		}
	}
	if i < len(b) && i >= 8 && inRange8(word(b, len(b)-8), uint64(lo)) {
		return len(b)
	}
	return i + slowRun(s[i:], lo)
}

func slowRun(s string, lo byte) int {
	i := 0
	for i < len(s) && s[i] >= lo && s[i] < 0x7f {
		i++
	}
	return i
}

// LowerASCII reports whether s is ASCII without an upper-case letter, so that it is its own
// lower-case form (most e-mail addresses): eight bytes at a time.
func LowerASCII(s string) bool {
	b := bytesOf(s)
	// upper marks the bytes 'A'-'Z' of an ASCII word (bytes below 0x80: no carry between them).
	upper := func(w uint64) uint64 { return (w + (0x80-'A')*ones) &^ (w + (0x7f-'Z')*ones) & highs }
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if w := word(b, i); w&highs != 0 || upper(w) != 0 {
			return false
		}
	}
	if i < len(b) && i >= 8 {
		w := word(b, len(b)-8)
		return w&highs == 0 && upper(w) == 0
	}
	for ; i < len(b); i++ {
		if c := b[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
