// Package csvio is the CSV plumbing every format shares: a streaming reader that drops a UTF-8
// BOM, reports UTF-16, invalid UTF-8 and bare CR line endings with their line, transcodes
// Windows-1252 and Latin-1 on request, gives the physical line of each record and turns CSV
// syntax errors into positioned problems; header matching that can tell a misspelled column
// from a misordered one; and atomic writers.
//
// The reader follows encoding/csv's rules exactly (scan_test.go compares the two on generated
// and fuzzed input) but not its code: validation must run near the speed of encoding/csv alone,
// and the checks it adds (physical lines, UTF-8, bare CR) cost about as much again on top of
// encoding/csv, while a block scanner does all of it in less time than encoding/csv takes to
// read. gocsv's reflection decodes about three times slower and gives no line numbers.
package csvio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/rostersync/rostersync/pkg/roster"
)

// ErrEncoding is returned for input that cannot be read as text at all (UTF-16).
var ErrEncoding = errors.New("encoding")

// Options configures a Reader.
type Options struct {
	// Encoding is "" or "utf-8" (checked), or "windows-1252" / "latin1" (transcoded to UTF-8).
	Encoding string
	// AllowLineBreaks accepts line breaks inside quoted fields; without it each is a parse problem.
	AllowLineBreaks bool

	chunk int // tests: the most bytes read at once, to cross block boundaries
}

// Reader reads one CSV file record by record.
type Reader struct {
	file   string
	rep    roster.Reporter
	sc     *scanner
	opts   Options
	buf    []string // Next's record
	header []string
	rows   int
	done   bool
	// Empty is set when the file had no bytes at all (no header row).
	Empty bool
	// lost: the rest of the file was not read after a reported problem.
	lost bool
}

// ValidEncoding reports whether name is an --input-encoding value the reader understands.
func ValidEncoding(name string) bool {
	switch strings.ToLower(name) {
	case "", "utf-8", "utf8", "windows-1252", "cp1252", "latin1", "iso-8859-1":
		return true
	}
	return false
}

// NotText tells from the start of a file whether it is not UTF-8 text: "UTF-32" or "UTF-16" (a
// byte-order mark, or NULs where ASCII text in that encoding has them), "binary" (NULs throughout: not a
// text file) or "NUL" (a stray NUL byte in text, which the reader reports at its line and
// character and reads past), with the line of the first NUL; "" for text.
func NotText(head []byte) (what string, line int) {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0, 0}) || bytes.HasPrefix(head, []byte{0, 0, 0xFE, 0xFF}) || unmarkedUTF32(head) {
		return "UTF-32", 1 // before UTF-16: its little-endian mark starts as UTF-16's does
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || unmarkedUTF16(head) {
		return "UTF-16", 1
	}
	nul := bytes.IndexByte(head, 0)
	if nul < 0 {
		return "", 0
	}
	line = 1 + bytes.Count(head[:nul], []byte{'\n'})
	if n := bytes.Count(head, []byte{0}); n >= 8 && n > len(head)/64 {
		return "binary", line
	}
	return "NUL", line
}

// unmarkedUTF32 reports whether head looks like UTF-32 text without a byte-order mark: in at
// least 4 of its first four-byte units (up to 128) and three quarters of them, the three high
// bytes of the unit are NUL and the low one is not, as for every ASCII character in UTF-32.
func unmarkedUTF32(head []byte) bool {
	units := min(len(head)/4, 128)
	if units < 4 {
		return false
	}
	var le, be int
	for i := range units {
		u := head[4*i : 4*i+4]
		if u[0] != 0 && u[1] == 0 && u[2] == 0 && u[3] == 0 {
			le++
		}
		if u[0] == 0 && u[1] == 0 && u[2] == 0 && u[3] != 0 {
			be++
		}
	}
	return 4*max(le, be) >= 3*units
}

// unmarkedUTF16 reports whether head looks like UTF-16 text without a byte-order mark: in at
// least 4 of its first byte pairs (up to 256) and three quarters of them, the same byte of the
// pair is NUL, as it is for every ASCII character in UTF-16 (a header row is ASCII), and the
// other byte is seldom NUL (in a binary file both are).
func unmarkedUTF16(head []byte) bool {
	pairs := min(len(head)/2, 256)
	if pairs < 4 {
		return false
	}
	var even, odd int
	for i := range pairs {
		if head[2*i] == 0 {
			even++
		}
		if head[2*i+1] == 0 {
			odd++
		}
	}
	return 4*max(even, odd) >= 3*pairs && 8*min(even, odd) < pairs
}

// NewReader starts reading r, which holds the file called file (the name problems carry). It
// reads the header row; problems with the header's encoding or syntax go to rep. The error is
// for input that is not text at all (UTF-16, bare CR line endings), already reported to rep.
func NewReader(r io.Reader, file string, opts Options, rep roster.Reporter) (*Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, perr := br.Peek(4096)
	if len(head) == 0 {
		if perr != nil && perr != io.EOF {
			return nil, fmt.Errorf("read %s: %w", file, perr) // a damaged zip entry, a read error
		}
		return &Reader{file: file, rep: rep, Empty: true, done: true}, nil
	}
	transcode := false
	switch strings.ToLower(opts.Encoding) {
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		transcode = true
	}
	switch what, line := NotText(head); what {
	case "UTF-16", "UTF-32":
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: line,
			Message: fmt.Sprintf("the file is %s, not UTF-8: save it as \"CSV UTF-8\"", what)})
		return nil, fmt.Errorf("%s: %w: %s", file, ErrEncoding, what)
	case "binary":
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: line,
			Message: "the file holds NUL bytes throughout: it is binary, not a CSV text file; give the roster's CSV export"})
		return nil, fmt.Errorf("%s: %w: binary", file, ErrEncoding)
	}
	const crMessage = "bare CR line ending (old Mac style): lines would merge, so the rest of the file is not read; save it with LF or CRLF line endings"
	if i := bytes.IndexByte(head, '\r'); i >= 0 && i+1 < len(head) && head[i+1] != '\n' && bytes.IndexByte(head[:i], '\n') < 0 {
		// The header line ends in a bare CR: the file is not read at all. Told here, before the
		// scanner, which would find no line break in a file of more than 1 MiB and report one
		// record too long.
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: 1, Message: crMessage})
		return nil, fmt.Errorf("%s: %w: bare CR line endings", file, ErrEncoding)
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
	sc := newScanner(src, !transcode, opts.chunk)
	sc.onUTF8 = func(line int) {
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: line,
			Message: "not valid UTF-8 (first such line; later ones not listed): save the file as \"CSV UTF-8\", or pass --input-encoding windows-1252 if it comes from Excel on Windows"})
	}
	sc.onNUL = func(line, char int) {
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: line,
			Message: fmt.Sprintf("a NUL byte at character %d of the line (the first; later ones not listed): remove it (an editor may show it as ^@ or \\0), or export the file again as \"CSV UTF-8\"", char)})
	}
	rd := &Reader{file: file, rep: rep, sc: sc, opts: opts}
	sc.onCR = func(line int) {
		rd.lost = true
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEncoding, File: file, Line: line, Message: crMessage})
	}
	hdr, _, err := rd.read(nil)
	if err == io.EOF && rd.lost {
		// The header line itself ends in a bare CR (reported): the file is not read at all.
		return nil, fmt.Errorf("%s: %w: bare CR line endings", file, ErrEncoding)
	}
	if err == io.EOF {
		rd.Empty = true
		rd.done = true
		return rd, nil
	}
	if err != nil {
		return nil, err
	}
	rd.header = Clone(nil, hdr)
	return rd, nil
}

// Header returns the header row as read (a BOM dropped). Nil for an empty file.
func (r *Reader) Header() []string { return r.header }

// Lost reports whether the rest of the file was not read after a problem already reported (an
// unterminated quote, a bare CR line ending): a file that then has no rows is not "empty".
func (r *Reader) Lost() bool { return r.lost }

// RowsHint estimates how many data records a file of size bytes holds, from the lines read
// into the buffer after the header (the first tens of kilobytes; all of a small file), for
// sizing tables before the rows are read. It returns 0 when no line follows the header yet.
func (r *Reader) RowsHint(size int64) int {
	sc := r.sc
	if sc == nil {
		return 0
	}
	if sc.pos >= sc.k {
		if part := sc.n - sc.pos; part > 0 {
			// The first row is longer than what was read of it: no more rows than that many
			// bytes each would take.
			return int(min(size/int64(part), 1<<26)) + 1
		}
		return 0
	}
	buf := sc.s[sc.pos:]
	if sc.eof && sc.k == sc.n {
		_, rows := rowLines(buf, len(r.header)-1)
		return rows // the rest of the file is all here
	}
	lines, rows := rowLines(buf[:strings.LastIndexByte(buf, '\n')+1], len(r.header)-1) // whole lines
	if lines == 0 {
		return 0
	}
	if rows == 0 {
		// No line read is long enough to be a row (a ragged row is never read into a table):
		// the tables start small and grow if rows come.
		return 1
	}
	lines = rows
	// A sixteenth more: rows further on may be shorter (tables grow if they are, at a cost).
	est := size * int64(lines) / int64(len(buf))
	return int(min(est+est/16, 1<<26))
}

// rowLines counts the lines of buf (the last one even without a line break) and, of those, the
// ones with at least commas commas: a line with fewer is too short for a row of the header's
// cells, a ragged row that is not read (unless a quoted field spans lines, which the hint,
// an estimate, may miss).
func rowLines(buf string, commas int) (lines, rows int) {
	for len(buf) > 0 {
		end := strings.IndexByte(buf, '\n')
		line := buf
		if end >= 0 {
			line, buf = buf[:end], buf[end+1:]
		} else {
			buf = ""
		}
		lines++
		if commas <= 0 || strings.Count(line, ",") >= commas {
			rows++
		}
	}
	return lines, rows
}

// Rows returns the number of data records read so far.
func (r *Reader) Rows() int { return r.rows }

// Next returns the next data record and the physical line it starts on. The slice is reused by
// the following call; its strings are not. It returns io.EOF at the end, and after a problem that
// makes the rest of the file unreadable (already reported).
func (r *Reader) Next() ([]string, int, error) {
	rec, line, err := r.read(r.buf[:0])
	if err != nil {
		return nil, 0, err
	}
	r.rows++
	r.buf = rec
	cloneInPlace(rec)
	return rec, line, nil
}

// read appends the fields of the next well-formed record to dst, reporting the records it skips.
// The strings share the scanner's block.
func (r *Reader) read(dst []string) ([]string, int, error) {
	n0 := len(dst)
	for !r.done {
		out, line, end, err := r.sc.next(dst[:n0])
		if err == nil {
			if !r.opts.AllowLineBreaks && end != line {
				r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeParse, File: r.file, Line: line,
					Message: fmt.Sprintf("record runs over lines %d-%d: a quoted field holds a line break (not allowed)", line, end)})
			}
			return out, line, nil
		}
		dst = out[:n0]
		if err == io.EOF {
			r.done = true
			break
		}
		var pe *parseErr
		if errors.As(err, &pe) {
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeParse, File: r.file, Line: pe.startLine,
				Message: parseMessage(pe)})
			if pe.open {
				// An unterminated quote swallowed the rest of the file.
				r.done, r.lost = true, true
				break
			}
			continue
		}
		r.done = true
		return dst, 0, fmt.Errorf("read %s: %w", r.file, err)
	}
	return dst, 0, io.EOF
}

func parseMessage(pe *parseErr) string {
	switch {
	case pe.long && pe.open:
		return fmt.Sprintf("a record longer than %d MiB starts here, and the file ends inside a quoted field it opens: the rest of the file is not read (a quote never closed?)", MaxRecordBytes>>20)
	case pe.long:
		return fmt.Sprintf("the record is longer than %d MiB, the most rostersync reads: it is skipped (a roster row is a few hundred bytes: is this the right file?)", MaxRecordBytes>>20)
	case pe.fields > 0:
		return fmt.Sprintf("the record has %d cells, more than %d, the most rostersync reads: it is skipped", pe.fields, MaxFields)
	case pe.bare:
		return fmt.Sprintf("a \" in an unquoted field (position %d of the line): quote the field and double the quote (\"\")", pe.col)
	case pe.open && pe.line > pe.startLine:
		return fmt.Sprintf("a quoted field opened here is never closed (read to line %d)", pe.line)
	case pe.open:
		return "a quoted field on this line is never closed: the file ends inside it"
	}
	return fmt.Sprintf("extra or missing \" in a quoted field (position %d of the line)", pe.col)
}

// Clone sets dst to a copy of rec whose strings share one new allocation instead of the block
// they were cut from, for a caller that keeps them, and returns it.
func Clone(dst, rec []string) []string {
	dst = append(dst[:0], rec...)
	cloneInPlace(dst)
	return dst
}

func cloneInPlace(rec []string) {
	n := 0
	for _, f := range rec {
		n += len(f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range rec {
		b.WriteString(f)
	}
	s := b.String()
	for i, f := range rec {
		rec[i], s = s[:len(f)], s[len(f):]
	}
}

// OpenFile opens path in fsys and a Reader on it whose problems name file (the name the format
// knows it by), as a package's reader begins each file. A file in an encoding the Reader does
// not read (NewReader reported it), or an empty one (reported here as empty-file, naming the
// header row it needs), gives a nil Reader and no error: the caller reads no rows of it. Unless
// it returns an error, the caller closes f.
func OpenFile(fsys fs.FS, path, file string, opts Options, rep roster.Reporter, header []string) (f fs.File, rd *Reader, err error) {
	f, err = fsys.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	rd, err = NewReader(f, file, opts, rep)
	switch {
	case errors.Is(err, ErrEncoding):
		return f, nil, nil
	case err != nil:
		f.Close()
		return nil, nil, err
	case rd.Empty:
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: file,
			Message: fmt.Sprintf("%s is empty: it needs at least its header row (%s)", file, strings.Join(header, ","))})
		return f, nil, nil
	}
	return f, rd, nil
}

// Reread reads file of fsys again, reporting nothing (its problems were reported on the first
// read), and calls each with every data record and the line it starts on, in order. It is the
// second pass of the formats that name repeated IDs only when the first pass found some.
func Reread(fsys fs.FS, file string, opts Options, each func(rec []string, line int)) error {
	f, err := fsys.Open(file)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	quiet := roster.ReporterFunc(func(roster.Problem) {})
	rd, err := NewReader(f, file, opts, quiet)
	if err != nil || rd.Empty {
		return err
	}
	for {
		rec, line, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		each(rec, line)
	}
}
