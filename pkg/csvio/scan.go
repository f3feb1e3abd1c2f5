package csvio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// block is a buffer the scanner reads into. Records' strings point into it (unsafe.String, no
// copy), so it is reused only when nothing refers to it any more: the scanner counts itself
// while it parses the block, and each batch of records counts once for the blocks its records
// came from, until the batch comes back from the checking goroutine. Counting happens on the
// parsing goroutine only. Strings kept past the callback must be cloned (see Each).
type block struct {
	buf  []byte
	refs int
}

// scanner splits CSV text into records with the rules of encoding/csv (comma-separated, quotes
// per RFC 4180 with LazyQuotes off, \r\n read as \n, empty lines skipped, any number of fields)
// and reports its syntax errors with the same lines and columns; scan_test.go holds it to
// encoding/csv on generated and fuzzed input. It is written for validation speed: it reads
// blocks of about a megabyte, checks a block's bytes at once (invalid UTF-8, bare CR line
// endings), turns the block into one string and cuts the fields of lines without quotes out of
// it without copying. Lines with quotes take the slow, exact path.
type scanner struct {
	src     io.Reader
	cur     *block
	pool    []*block
	size    int    // the size of the next block
	raw     []byte // cur.buf: raw[:n] read; raw[:k] is complete lines (all of it at the end)
	n, k    int
	s       string // raw[:k] as a string, the block records are cut from
	pos     int    // the next byte of s to parse
	line    int    // the physical line of s[pos]
	eof     bool   // src is exhausted (or the input stops at a bare CR)
	max     int    // tests: the most bytes per read
	checked int    // raw[:checked] has been checked
	ckLine  int    // the line of raw[checked]
	utf8    bool   // check UTF-8
	badUTF8 bool   // invalid UTF-8 already reported
	onUTF8  func(line int)
	onCR    func(line int)
	onNUL   func(line int)
	badNUL  bool   // a NUL byte already reported
	rec     []byte // the slow path's record being built
	err     error  // a read error, returned once the records before it are out
}

const blockSize = 1 << 20 // the most a block grows to, unless a record is longer

// Record limits: a record longer than MaxRecordBytes, or with more than MaxFields cells, is a
// parse problem and is not read. Roster rows are a few hundred bytes and a few dozen cells; the
// limits keep the memory a read takes bounded whatever the input (a file of one endless line).
const (
	MaxRecordBytes = 1 << 20
	MaxFields      = 10000
)

func newScanner(src io.Reader, checkUTF8 bool, max int) *scanner {
	size := 64 << 10 // grown to blockSize while blocks come back full
	if max > 0 {
		size = 16 // tests: start small so that records cross block boundaries and the buffer grows
	}
	return &scanner{src: src, size: size, line: 1, ckLine: 1, utf8: checkUTF8, max: max}
}

// parseErr is a CSV syntax error, as encoding/csv's ParseError reports it.
type parseErr struct {
	startLine, line, col int
	bare                 bool // a quote in an unquoted field (csv.ErrBareQuote), else csv.ErrQuote
	open                 bool // the input ended inside quotes
	long                 bool // the record is longer than MaxRecordBytes
	fields               int  // the record has this many cells, more than MaxFields
}

// refill keeps raw[from:n] (the unparsed rest), reads more and makes s the complete lines of
// what is buffered. It returns false when there is nothing more to parse.
func (sc *scanner) refill() bool {
	from := sc.pos
	if sc.eof {
		return false
	}
	if sc.n >= sc.size/2 && sc.size < blockSize && sc.max == 0 {
		sc.size *= 2 // a big file: read bigger blocks
	}
	next := sc.block(max(sc.size, 2*(sc.n-from)))
	copy(next.buf, sc.raw[from:sc.n])
	if sc.cur != nil {
		sc.cur.refs--
	}
	sc.cur, sc.raw = next, next.buf
	sc.n -= from
	sc.checked -= from
	old := sc.n
	for {
		if sc.n == len(sc.raw) { // a record longer than the block; no string points into it yet
			if sc.n > MaxRecordBytes {
				break // more says the record is too long, and skips it
			}
			sc.raw = append(sc.raw, make([]byte, len(sc.raw))...)
			sc.cur.buf = sc.raw
		}
		end := len(sc.raw)
		if sc.max > 0 {
			end = min(end, sc.n+sc.max)
		}
		m, err := sc.src.Read(sc.raw[sc.n:end])
		sc.n += m
		if err == io.EOF {
			sc.eof = true
			break
		}
		if err != nil {
			sc.err = err
			sc.eof = true
			break
		}
		// Enough new data (a quarter of the block at least, so that a long record read again
		// after each refill costs linear, not quadratic, time) and a complete line.
		if sc.n >= len(sc.raw)/2 && sc.n-old >= len(sc.raw)/4 && bytes.IndexByte(sc.raw[old:sc.n], '\n') >= 0 {
			break
		}
	}
	sc.k = sc.n
	if !sc.eof || sc.err != nil { // after a read error, a cut-off last line is not a record
		sc.k = bytes.LastIndexByte(sc.raw[:sc.n], '\n') + 1
	}
	sc.check()
	sc.s = ""
	if sc.k > 0 {
		sc.s = unsafe.String(&sc.raw[0], sc.k)
	}
	sc.pos = 0
	return true
}

// block returns a block of at least size bytes that nothing refers to, counted once for the
// scanner.
func (sc *scanner) block(size int) *block {
	for _, b := range sc.pool {
		if b.refs == 0 {
			if len(b.buf) < size {
				b.buf = make([]byte, size)
			}
			b.refs = 1
			return b
		}
	}
	b := &block{buf: make([]byte, size), refs: 1}
	sc.pool = append(sc.pool, b)
	return b
}

// check looks at the bytes of raw[checked:k] once: a bare CR ends the input at the start of its
// line; the first invalid UTF-8 is reported with its line.
func (sc *scanner) check() {
	b := sc.raw[sc.checked:sc.k]
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\r')
		if j < 0 {
			break
		}
		i += j
		if i+1 < len(b) && b[i+1] == '\n' || i+1 == len(b) && sc.eof && sc.k == sc.n {
			i++ // CRLF, or a CR ending the file (dropped, as encoding/csv does)
			continue
		}
		line := sc.ckLine + bytes.Count(b[:i], nl)
		cut := bytes.LastIndexByte(b[:i], '\n') + 1
		b = b[:cut]
		sc.k, sc.n, sc.eof = sc.checked+cut, sc.checked+cut, true
		sc.checkText(b)
		sc.onCR(line)
		sc.checked = sc.k
		sc.ckLine = line
		return
	}
	sc.checkText(b)
	sc.checked = sc.k
	sc.ckLine += bytes.Count(b, nl)
}

// checkText reports the first invalid UTF-8 and the first NUL byte (binary data in a text file;
// valid UTF-8, so checkUTF8 passes it) among the complete lines b, which start on ckLine.
func (sc *scanner) checkText(b []byte) {
	sc.checkUTF8(b)
	if sc.onNUL != nil && !sc.badNUL {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			sc.badNUL = true
			sc.onNUL(sc.ckLine + bytes.Count(b[:i], nl))
		}
	}
}

var nl = []byte{'\n'}

func (sc *scanner) checkUTF8(b []byte) {
	if !sc.utf8 || sc.badUTF8 || utf8.Valid(b) {
		return
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			sc.badUTF8 = true
			sc.onUTF8(sc.ckLine + bytes.Count(b[:i], nl))
			return
		}
		i += size
	}
}

// errMore means the record at pos runs past the block: refill and parse it again.
var errMore = errors.New("more")

// next appends the fields of the next record to dst. It returns the fields, the line the record
// starts on, the line it ends on, and io.EOF at the end, a *parseErr for a record with a
// syntax error (skipped), or a read error.
func (sc *scanner) next(dst []string) ([]string, int, int, error) {
	for {
		start, startLine := sc.pos, sc.line
		l, _, err := sc.readLine()
		switch {
		case err == errMore:
			sc.pos, sc.line = start, startLine
			if err := sc.more(); err != nil {
				return dst, 0, 0, err
			}
		case err != nil:
			return dst, 0, 0, err
		case len(l) == 0: // an empty line
		case strings.IndexByte(l, '"') < 0:
			// The fast path: no quotes, so the fields are the text between commas.
			if len(l) > MaxRecordBytes {
				return dst, 0, 0, &parseErr{startLine: startLine, line: startLine, long: true}
			}
			if len(l) >= MaxFields {
				if n := strings.Count(l, ",") + 1; n > MaxFields {
					return dst, 0, 0, &parseErr{startLine: startLine, line: startLine, fields: n}
				}
			}
			return splitCommas(dst, l), startLine, startLine, nil
		default:
			if len(l) <= MaxRecordBytes {
				if out, ok := quotedLine(dst, l); ok {
					return out, startLine, startLine, nil
				}
			}
			sc.pos, sc.line = start, startLine
			n0 := len(dst)
			out, endLine, err := sc.quoted(dst)
			if err != errMore {
				return out, startLine, endLine, err
			}
			// The record runs past the block: read it again from a refilled one.
			dst = dst[:n0]
			sc.pos, sc.line = start, startLine
			if err := sc.more(); err != nil {
				return dst, 0, 0, err
			}
		}
	}
}

// more refills the block from the record at pos; at the end of the input it returns io.EOF, or
// the read error that ended it. A record at pos already longer than MaxRecordBytes is skipped
// instead, and returned as a *parseErr.
func (sc *scanner) more() error {
	if sc.n-sc.pos > MaxRecordBytes {
		return sc.skip()
	}
	if sc.refill() {
		return nil
	}
	err := sc.err
	sc.err = nil
	if err == nil {
		err = io.EOF
	}
	return err
}

// skip passes over the record at pos, which is too long to buffer, reading on to its end (the
// first line break outside quotes) through one block, so that memory stays bounded; what was
// read past the record is kept for refill. An input that ends inside quotes leaves the record
// open: the rest of the file belonged to it.
func (sc *scanner) skip() error {
	perr := &parseErr{startLine: sc.line, line: sc.line, long: true}
	inQuote := false
	scan := func(b []byte) int { // the index just past the record's end in b, or -1
		for i, c := range b {
			switch c {
			case '"':
				inQuote = !inQuote
			case '\n':
				sc.line++
				if !inQuote {
					return i + 1
				}
			}
		}
		return -1
	}
	// The current block is only read: records of batches still in flight may point into it.
	data := sc.raw[sc.pos:sc.n]
	blk := sc.block(max(blockSize, len(data)))
	sc.cur.refs--
	sc.cur, sc.raw = blk, blk.buf
	rest := 0
	end := scan(data)
	if end >= 0 {
		rest = copy(sc.raw, data[end:])
	}
	for end < 0 && !sc.eof {
		limit := len(sc.raw)
		if sc.max > 0 {
			limit = min(limit, sc.max)
		}
		m, err := sc.src.Read(sc.raw[:limit])
		if err == io.EOF {
			sc.eof = true
		} else if err != nil {
			sc.err, sc.eof = err, true
		}
		if end = scan(sc.raw[:m]); end >= 0 {
			rest = copy(sc.raw, sc.raw[end:m])
		}
	}
	perr.open = end < 0 && inQuote
	sc.n, sc.k, sc.pos, sc.checked, sc.s = rest, 0, 0, 0, ""
	sc.ckLine = sc.line
	if sc.eof && sc.err == nil && rest > 0 {
		// The input ended in the read that found the record's end: what follows it is all
		// there is, complete (refill reads no more once the input ended).
		sc.k = rest
		sc.check()
		if sc.k > 0 {
			sc.s = unsafe.String(&sc.raw[0], sc.k)
		}
	}
	return perr
}

// readLine returns the next line of s without its line ending and whether it had one; ok is
// false at the end of the input, and errMore when the line is not all buffered.
func (sc *scanner) readLine() (string, bool, error) {
	if sc.pos >= len(sc.s) {
		if !sc.eof || sc.k < sc.n || sc.err != nil {
			return "", false, errMore
		}
		return "", false, io.EOF
	}
	i := strings.IndexByte(sc.s[sc.pos:], '\n')
	var l string
	hasNL := i >= 0
	if hasNL {
		l = sc.s[sc.pos : sc.pos+i]
		sc.pos += i + 1
	} else {
		l = sc.s[sc.pos:]
		sc.pos = len(sc.s)
	}
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	sc.line++
	return l, hasNL, nil
}

// quoted parses a record with quotes, as encoding/csv's readRecord does, from the line at pos.
func (sc *scanner) quoted(dst []string) ([]string, int, error) {
	recLine := sc.line
	l, hasNL, err := sc.readLine()
	if err != nil {
		return dst, 0, err
	}
	lineNo := recLine // the line being parsed
	col := 1
	sc.rec = sc.rec[:0]
	var ends []int
	var perr *parseErr
fields:
	for {
		if len(l) == 0 || l[0] != '"' {
			i := strings.IndexByte(l, ',')
			field := l
			if i >= 0 {
				field = l[:i]
			}
			if j := strings.IndexByte(field, '"'); j >= 0 {
				perr = &parseErr{startLine: recLine, line: lineNo, col: col + j, bare: true}
				break fields
			}
			sc.rec = append(sc.rec, field...)
			ends = append(ends, len(sc.rec))
			if i >= 0 {
				l = l[i+1:]
				col += i + 1
				continue fields
			}
			break fields
		}
		// A quoted field.
		l = l[1:]
		col++
		for {
			i := strings.IndexByte(l, '"')
			switch {
			case i >= 0:
				sc.rec = append(sc.rec, l[:i]...)
				l = l[i+1:]
				col += i + 1
				switch {
				case len(l) > 0 && l[0] == '"':
					sc.rec = append(sc.rec, '"')
					l = l[1:]
					col++
				case len(l) > 0 && l[0] == ',':
					l = l[1:]
					col++
					ends = append(ends, len(sc.rec))
					continue fields
				case len(l) == 0:
					ends = append(ends, len(sc.rec))
					break fields
				default:
					perr = &parseErr{startLine: recLine, line: lineNo, col: col - 1}
					break fields
				}
			case len(l) > 0 || hasNL:
				// The field goes on to the next line.
				sc.rec = append(sc.rec, l...)
				col += len(l)
				if hasNL {
					sc.rec = append(sc.rec, '\n')
					col++
				}
				l, hasNL, err = sc.readLine()
				if err == errMore {
					return dst, 0, err
				}
				if err == nil && (len(l) > 0 || hasNL) {
					lineNo++
					col = 1
				}
				if err == io.EOF {
					l, hasNL = "", false
				}
			default:
				// The input ends inside the quotes.
				perr = &parseErr{startLine: recLine, line: lineNo, col: col, open: true}
				break fields
			}
		}
	}
	if perr != nil {
		return dst, 0, perr
	}
	if len(sc.rec) > MaxRecordBytes {
		return dst, 0, &parseErr{startLine: recLine, line: lineNo, long: true}
	}
	if len(ends) > MaxFields {
		return dst, 0, &parseErr{startLine: recLine, line: lineNo, fields: len(ends)}
	}
	str := string(sc.rec)
	prev := 0
	for _, e := range ends {
		dst = append(dst, str[prev:e])
		prev = e
	}
	return dst, lineNo, nil
}

// quotedLine appends the fields of l, a whole line with quotes, cut straight out of it, when
// every quoted field closes on the line and holds no doubled quote (a list quoted for its
// commas: "a,b"): such a field is the text between its quotes, as quoted would copy it. For
// any other line (a quote to unescape, a field going on to the next line, a syntax error, more
// than MaxFields cells) it returns false and appends nothing, and quoted parses the line.
func quotedLine(dst []string, l string) ([]string, bool) {
	n0 := len(dst)
	for {
		if len(l) > 0 && l[0] == '"' {
			i := strings.IndexByte(l[1:], '"') + 1
			if i == 0 {
				return dst[:n0], false // the field goes on to the next line, or never closes
			}
			dst = append(dst, l[1:i])
			switch {
			case i+1 == len(l):
				return quotedDone(dst, n0)
			case l[i+1] != ',':
				return dst[:n0], false // a doubled quote, or text after the closing one
			}
			l = l[i+2:]
			continue
		}
		i := strings.IndexByte(l, ',')
		f := l
		if i >= 0 {
			f = l[:i]
		}
		if strings.IndexByte(f, '"') >= 0 {
			return dst[:n0], false // a bare quote
		}
		dst = append(dst, f)
		if i < 0 {
			return quotedDone(dst, n0)
		}
		l = l[i+1:]
	}
}

// quotedDone ends quotedLine: a record of more than MaxFields cells is left to quoted, which
// reports it.
func quotedDone(dst []string, n0 int) ([]string, bool) {
	if len(dst)-n0 > MaxFields {
		return dst[:n0], false
	}
	return dst, true
}

func (e *parseErr) Error() string { return "parse error" }

// splitCommas appends the comma-separated fields of l to dst. It looks at eight bytes at a time
// (SWAR): the high bit of each byte of m is set where l holds a comma.
func splitCommas(dst []string, l string) []string {
	const ones, lows = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	b := unsafe.Slice(unsafe.StringData(l), len(l)) // read only: one bounds check per word
	f, j := 0, 0
	for ; j+8 <= len(b); j += 8 {
		w := binary.LittleEndian.Uint64(b[j:])
		x := w ^ (',' * ones) // commas become zero bytes
		m := ^((x&lows + lows) | x | lows)
		for m != 0 {
			k := j + bits.TrailingZeros64(m)>>3
			dst = append(dst, l[f:k])
			f = k + 1
			m &= m - 1
		}
	}
	for ; j < len(l); j++ {
		if l[j] == ',' {
			dst = append(dst, l[f:j])
			f = j + 1
		}
	}
	return append(dst, l[f:])
}
