package spool

import (
	"encoding/binary"
	"unsafe"

	"github.com/rostersync/rostersync/pkg/roster"
)

// AppendString appends v to a record, its length first.
func AppendString(buf []byte, v string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(v))), v...)
}

// AppendList appends the strings of l to a record, their count first.
func AppendList(buf []byte, l []string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(l)))
	for _, v := range l {
		buf = AppendString(buf, v)
	}
	return buf
}

// NextString returns the string AppendString appended at the start of rec and what follows
// it. The string is rec's bytes, not a copy: valid while rec is (during Each's call).
func NextString(rec []byte) (string, []byte) {
	n, k := binary.Uvarint(rec)
	rec = rec[k:]
	if n == 0 {
		return "", rec
	}
	return unsafe.String(&rec[0], int(n)), rec[n:]
}

// NextList returns the list AppendList appended at the start of rec, appended to into (nil
// when empty), and what follows it; its strings are rec's bytes, as NextString's.
func NextList(rec []byte, into []string) ([]string, []byte) {
	n, k := binary.Uvarint(rec)
	rec = rec[k:]
	for range n {
		var v string
		v, rec = NextString(rec)
		into = append(into, v)
	}
	if len(into) == 0 {
		return nil, rec
	}
	return into, rec
}

// AppendKVs appends key-value pairs (metadata) to a record, their count first.
func AppendKVs(buf []byte, kvs []roster.KV) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(kvs)))
	for _, kv := range kvs {
		buf = AppendString(AppendString(buf, kv.Key), kv.Value)
	}
	return buf
}

// NextKVs returns the pairs AppendKVs appended at the start of rec, appended to into (nil when
// empty), and what follows it; its strings are rec's bytes, as NextString's.
func NextKVs(rec []byte, into []roster.KV) ([]roster.KV, []byte) {
	n, k := binary.Uvarint(rec)
	rec = rec[k:]
	for range n {
		var kv roster.KV
		kv.Key, rec = NextString(rec)
		kv.Value, rec = NextString(rec)
		into = append(into, kv)
	}
	if len(into) == 0 {
		return nil, rec
	}
	return into, rec
}
