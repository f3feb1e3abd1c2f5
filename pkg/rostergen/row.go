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

// int appends a decimal number.
func (w *rowWriter) int(n int) {
	w.b = strconv.AppendInt(w.b, int64(n), 10)
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
