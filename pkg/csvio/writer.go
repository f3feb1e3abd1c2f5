package csvio

import (
	"encoding/binary"
	"io"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Writer writes CSV records byte for byte as encoding/csv's Writer does with its default comma
// (writer_test.go holds it to it), for the writers of millions of rows: a field is looked at
// eight bytes at a time for the bytes that make it quoted, and records go end to end into one
// buffer, written out in large pieces, instead of through a bufio.Writer call per field.
type Writer struct {
	UseCRLF bool // end lines with \r\n (and write a \n in a quoted field as \r\n), as encoding/csv

	w   io.Writer
	buf []byte
	err error
}

// writerFlushAt is the size the buffer is written out at.
const writerFlushAt = 256 << 10

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writerFlushAt+4<<10)}
}

// Write writes one record. Records are buffered: Flush writes what is left, and Error tells
// whether a write failed. After a failure, Write returns the error and writes nothing.
func (w *Writer) Write(rec []string) error {
	if w.err != nil {
		return w.err
	}
	w.buf = appendRecord(w.buf, rec, w.UseCRLF)
	if len(w.buf) >= writerFlushAt {
		return w.flush()
	}
	return nil
}

// AppendRecord appends rec to buf as encoding/csv's Writer writes it (comma separated, RFC
// 4180 quoting, LF line ending), byte for byte.
func AppendRecord(buf []byte, rec []string) []byte { return appendRecord(buf, rec, false) }

// appendRecord appends rec to b as encoding/csv's Writer writes it, with UseCRLF crlf.
func appendRecord(b []byte, rec []string, crlf bool) []byte {
	for n, f := range rec {
		if n > 0 {
			b = append(b, ',')
		}
		if !needsQuotes(f) {
			b = append(b, f...)
			continue
		}
		b = appendQuoted(b, f, crlf)
	}
	if crlf {
		return append(b, '\r', '\n')
	}
	return append(b, '\n')
}

// appendQuoted appends f quoted, as encoding/csv quotes it: quotes doubled, and with crlf a
// line break written \r\n (a CR alone dropped).
func appendQuoted(b []byte, f string, crlf bool) []byte {
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		switch c := f[i]; c {
		case '"':
			b = append(b, '"', '"')
		case '\r':
			if !crlf {
				b = append(b, '\r')
			}
		case '\n':
			if crlf {
				b = append(b, '\r', '\n')
			} else {
				b = append(b, '\n')
			}
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func (w *Writer) flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

// Flush writes the buffered records to the underlying writer.
func (w *Writer) Flush() { _ = w.flush() }

// Error returns the error of a write to the underlying writer, if one failed.
func (w *Writer) Error() error { return w.err }

// needsQuotes reports whether encoding/csv quotes f: it is `\.`, holds a comma, a quote, a CR
// or a LF, or starts with a space (unicode.IsSpace).
func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	b := unsafe.Slice(unsafe.StringData(f), len(f))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if special8(binary.LittleEndian.Uint64(b[i:])) {
			return true
		}
	}
	if i < len(b) && len(b) >= 8 {
		if special8(binary.LittleEndian.Uint64(b[len(b)-8:])) { // the last eight, overlapping
			return true
		}
	} else {
		for ; i < len(b); i++ {
			if c := b[i]; c == ',' || c == '"' || c == '\r' || c == '\n' {
				return true
			}
		}
	}
	if c := f[0]; c < utf8.RuneSelf {
		return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// special8 reports whether one of the eight bytes of x is a comma, a quote, a CR or a LF (the
// zero-byte test is exact for whether there is one).
func special8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - ones) &^ v & highs }
	return zero(x^(','*ones))|zero(x^('"'*ones))|zero(x^('\r'*ones))|zero(x^('\n'*ones)) != 0
}
