package rostergen

import (
	"bufio"
	"context"
	"strconv"
)

// rowWriter builds CSV rows straight into a bufio.Writer's free space. Fields are appended
// followed by a comma; end turns the last comma into a line feed. Values are quoted only when
// they contain a comma, quote, CR or LF.
type rowWriter struct {
	ctx  context.Context
	bw   *bufio.Writer
	b    []byte
	rows int64
}

func newRowWriter(ctx context.Context, bw *bufio.Writer) *rowWriter {
	return &rowWriter{ctx: ctx, bw: bw}
}

// header writes the header line; it is not counted as a row.
func (w *rowWriter) header(cols []string) error {
	w.start()
	for _, c := range cols {
		w.str(c)
	}
	w.rows--
	return w.end()
}

func (w *rowWriter) start() { w.b = w.bw.AvailableBuffer() }

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}

// str appends a value, quoting it if needed.
func (w *rowWriter) str(s string) {
	if needsQuote(s) {
		w.b = append(w.b, '"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' {
				w.b = append(w.b, '"')
			}
			w.b = append(w.b, s[i])
		}
		w.b = append(w.b, '"', ',')
		return
	}
	w.b = append(w.b, s...)
	w.b = append(w.b, ',')
}

// safe appends a value known to need no quoting.
func (w *rowWriter) safe(s string) {
	w.b = append(w.b, s...)
	w.b = append(w.b, ',')
}

// safeBytes appends a value known to need no quoting.
func (w *rowWriter) safeBytes(s []byte) {
	w.b = append(w.b, s...)
	w.b = append(w.b, ',')
}

// empty appends n blank values.
func (w *rowWriter) empty(n int) {
	for range n {
		w.b = append(w.b, ',')
	}
}

// id appends prefix followed by n zero-padded to width digits.
func (w *rowWriter) id(prefix string, n, width int) {
	w.b = appendID(w.b, prefix, n, width)
	w.b = append(w.b, ',')
}

// end finishes the row and hands it to the buffered writer. Every 16384 rows it also
// reports a cancelled context.
func (w *rowWriter) end() error {
	w.b[len(w.b)-1] = '\n'
	if _, err := w.bw.Write(w.b); err != nil {
		return err
	}
	w.rows++
	if w.rows&(1<<14-1) == 0 {
		return w.ctx.Err()
	}
	return nil
}

// pair appends the two-item list "a,b" (quoted: it holds a comma) and a comma.
func (w *rowWriter) pair(a, b string) {
	w.b = append(w.b, '"')
	w.b = append(w.b, a...)
	w.b = append(w.b, ',')
	w.b = append(w.b, b...)
	w.b = append(w.b, '"', ',')
}

// uuid appends the version-4-shaped UUID for number n of an ID kind and a comma.
func (w *rowWriter) uuid(p *plan, kind uint64, n uint64) {
	w.b = appendUUID(w.b, p, kind, n)
	w.b = append(w.b, ',')
}

// appendUUID appends a UUID (8-4-4-4-12 lowercase hex, version 4, RFC 4122 variant) made
// from the seed, the kind and n. For one seed and kind it is one-to-one in n: the first
// 64 bits are a bijection of n (mix is one in its last argument), and the four of them the
// version digit covers are kept in the second half, so two numbers never share an ID.
func appendUUID(b []byte, p *plan, kind uint64, n uint64) []byte {
	hi := mix(p.seed, saltID+kind, n)
	lo := fin(hi ^ 0x5bd1e9955bd1e995)
	lo = lo&^(0xc<<60|0xf<<56) | 0x8<<60 | (hi>>12&0xf)<<56 // variant 10xx, then hi's lost nibble
	hi = hi&^0xf000 | 0x4000                                // version 4
	var d [36]byte
	const hex = "0123456789abcdef"
	put := func(j int, v uint64, digits int) {
		for i := digits - 1; i >= 0; i-- {
			d[j+i] = hex[v&0xf]
			v >>= 4
		}
	}
	put(0, hi>>32, 8)
	put(9, hi>>16, 4)
	put(14, hi, 4)
	put(19, lo>>48, 4)
	put(24, lo, 12)
	d[8], d[13], d[18], d[23] = '-', '-', '-', '-'
	return append(b, d[:]...)
}

// appendID appends prefix followed by n zero-padded to width digits.
func appendID(b []byte, prefix string, n, width int) []byte {
	b = append(b, prefix...)
	var d [20]byte
	digits := strconv.AppendInt(d[:0], int64(n), 10)
	for i := len(digits); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}
