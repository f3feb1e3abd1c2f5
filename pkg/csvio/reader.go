// Package csvio is the CSV plumbing every format shares: a streaming reader on encoding/csv that
// drops a UTF-8 BOM, reports UTF-16, invalid UTF-8 and bare CR line endings with their line,
// transcodes Windows-1252 and Latin-1 on request, gives the physical line of each record and
// turns CSV syntax errors into positioned problems; header matching that can tell a misspelled
// column from a misordered one; and atomic writers.
//
// encoding/csv is used directly (not gocsv) on the read path: validation must run near the
// speed of encoding/csv alone, and gocsv's reflection decodes about three times slower and
// gives no line numbers.
package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/rostersync/rostersync/pkg/roster"
)

// ErrEncoding is returned for input that cannot be read as text at all (UTF-16, bare CR).
var ErrEncoding = errors.New("encoding")

// Options configures a Reader.
type Options struct {
	// Encoding is "" or "utf-8" (checked), or "windows-1252" / "latin1" (transcoded to UTF-8).
	Encoding string
	// AllowLineBreaks accepts line breaks inside quoted fields; without it each is a parse problem.
	AllowLineBreaks bool

	chunk int // tests: the most bytes checked per read, to cross chunk boundaries
}

// Reader reads one CSV file record by record.
type Reader struct {
	file   string
	rep    roster.Reporter
	check  *checkReader
	cr     *csv.Reader
	opts   Options
	header []string
	rows   int
	done   bool
	// Empty is set when the file had no bytes at all (no header row).
	Empty bool
}

// ValidEncoding reports whether name is an --input-encoding value the reader understands.
func ValidEncoding(name string) bool {
	switch strings.ToLower(name) {
	case "", "utf-8", "utf8", "windows-1252", "cp1252", "latin1", "iso-8859-1":
		return true
	}
	return false
}

// NewReader starts reading r, which holds the file called file (the name problems carry). It
// reads the header row; problems with the header's encoding or syntax go to rep. The error is
// for input that is not text at all (UTF-16, bare CR line endings), already reported to rep.
func NewReader(r io.Reader, file string, opts Options, rep roster.Reporter) (*Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, _ := br.Peek(4096)
	if len(head) == 0 {
		return &Reader{file: file, rep: rep, Empty: true, done: true}, nil
	}
	transcode := false
	switch strings.ToLower(opts.Encoding) {
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		transcode = true
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) ||
		(len(head) > 1 && bytes.IndexByte(head, 0) >= 0) {
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: 1,
			Message: "the file is UTF-16 (or binary), not UTF-8: save it as \"CSV UTF-8\""})
		return nil, fmt.Errorf("%s: %w: UTF-16", file, ErrEncoding)
	}
	if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3) //nolint:errcheck // the bytes were just peeked
	}
	var src io.Reader = br
	if transcode {
		dec := charmap.Windows1252
		if e := strings.ToLower(opts.Encoding); e == "latin1" || e == "iso-8859-1" {
			dec = charmap.ISO8859_1
		}
		src = dec.NewDecoder().Reader(br)
	}
	ck := &checkReader{r: src, file: file, rep: rep, line: 1, utf8: true, max: opts.chunk}
	cr := csv.NewReader(ck)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd := &Reader{file: file, rep: rep, check: ck, cr: cr, opts: opts}
	hdr, _, err := rd.next()
	if err == io.EOF {
		rd.Empty = true
		rd.done = true
		return rd, nil
	}
	if err != nil {
		return nil, err
	}
	rd.header = append([]string(nil), hdr...)
	return rd, nil
}

// Header returns the header row as read (a BOM dropped). Nil for an empty file.
func (r *Reader) Header() []string { return r.header }

// Rows returns the number of data records read so far.
func (r *Reader) Rows() int { return r.rows }

// Next returns the next data record and the physical line it starts on. The slice is reused by
// the following call; its strings are not. It returns io.EOF at the end, and after a problem that
// makes the rest of the file unreadable (already reported).
func (r *Reader) Next() ([]string, int, error) {
	rec, line, err := r.next()
	if err == nil {
		r.rows++
	}
	return rec, line, err
}

func (r *Reader) next() ([]string, int, error) {
	for !r.done {
		rec, err := r.cr.Read()
		if err == nil {
			line, _ := r.cr.FieldPos(0)
			if !r.opts.AllowLineBreaks {
				if end, _ := r.cr.FieldPos(len(rec) - 1); end != line {
					r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeParse, File: r.file, Line: line,
						Message: fmt.Sprintf("record runs over lines %d-%d: a quoted field holds a line break (not allowed)", line, end)})
				}
			}
			return rec, line, nil
		}
		if err == io.EOF {
			r.done = true
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, errStop) {
				r.done = true
				break
			}
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeParse, File: r.file, Line: pe.StartLine,
				Message: parseMessage(pe)})
			if errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
				// An unterminated quote swallowed the rest of the file.
				r.done = true
				break
			}
			continue
		}
		if errors.Is(err, errStop) {
			r.done = true
			break
		}
		return nil, 0, fmt.Errorf("read %s: %w", r.file, err)
	}
	return nil, 0, io.EOF
}

func parseMessage(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("a \" in an unquoted field (column %d): quote the field and double the quote (\"\")", pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		if pe.Line > pe.StartLine {
			return fmt.Sprintf("a quoted field opened here is never closed (read to line %d)", pe.Line)
		}
		return fmt.Sprintf("extra or missing \" in a quoted field (column %d)", pe.Column)
	}
	return pe.Err.Error()
}

// errStop ends reading after a problem that makes the rest unreadable.
var errStop = errors.New("stop")

// checkReader passes bytes through while it checks them: invalid UTF-8 (reported once, with the
// first line) and bare CR line endings (reported, then the file stops: records would merge).
type checkReader struct {
	r       io.Reader
	file    string
	rep     roster.Reporter
	line    int
	utf8    bool // check UTF-8
	bad     bool // invalid UTF-8 already reported
	tail    []byte
	cr      bool // the previous chunk ended in \r
	stopped bool
	max     int
}

func (c *checkReader) Read(p []byte) (int, error) {
	if c.stopped {
		return 0, errStop
	}
	if c.max > 0 && len(p) > c.max {
		p = p[:c.max]
	}
	n, err := c.r.Read(p)
	if n > 0 {
		if stop := c.scan(p[:n]); stop >= 0 {
			c.stopped = true
			if stop == 0 {
				return 0, errStop
			}
			return stop, nil
		}
	}
	if err == io.EOF && len(c.tail) > 0 && !c.bad {
		c.reportUTF8(c.line)
	}
	return n, err
}

// scan checks b. It returns -1 to go on, or the number of bytes to pass on before reading stops
// at a bare CR.
func (c *checkReader) scan(b []byte) int {
	// Bare CR: a \r not followed by \n.
	if c.cr && b[0] != '\n' {
		c.reportCR(c.line)
		return 0
	}
	c.cr = false
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\r')
		if j < 0 {
			break
		}
		i += j
		if i == len(b)-1 {
			c.cr = true
			break
		}
		if b[i+1] != '\n' {
			c.reportCR(c.line + bytes.Count(b[:i], []byte{'\n'}))
			return i
		}
		i++
	}
	if c.utf8 && !c.bad {
		c.checkUTF8(b)
	}
	c.line += bytes.Count(b, []byte{'\n'})
	return -1
}

func (c *checkReader) checkUTF8(b []byte) {
	if len(c.tail) > 0 {
		// Complete the rune split over the chunk boundary.
		k := min(utf8.UTFMax-len(c.tail), len(b))
		buf := append(c.tail, b[:k]...)
		r, size := utf8.DecodeRune(buf)
		c.tail = c.tail[:0]
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(buf) && len(buf) < utf8.UTFMax {
				c.tail = append(c.tail, buf...)
				return
			}
			c.reportUTF8(c.line)
			return
		}
		b = b[size-(len(buf)-k):]
	}
	// Hold back an incomplete rune at the end.
	end := len(b)
	for i := end - 1; i >= 0 && i >= end-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:end]) {
				c.tail = append(c.tail[:0], b[i:end]...)
				end = i
			}
			break
		}
	}
	if utf8.Valid(b[:end]) {
		return
	}
	for i := 0; i < end; {
		r, size := utf8.DecodeRune(b[i:end])
		if r == utf8.RuneError && size <= 1 {
			c.reportUTF8(c.line + bytes.Count(b[:i], []byte{'\n'}))
			return
		}
		i += size
	}
}

func (c *checkReader) reportUTF8(line int) {
	c.bad = true
	c.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: c.file, Line: line,
		Message: "not valid UTF-8 (first such line; later ones not listed): save the file as \"CSV UTF-8\", or pass --input-encoding windows-1252 if it comes from Excel on Windows"})
}

func (c *checkReader) reportCR(line int) {
	c.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: c.file, Line: line,
		Message: "bare CR line ending (old Mac style): lines would merge, so the rest of the file is not read; save it with LF or CRLF line endings"})
}
