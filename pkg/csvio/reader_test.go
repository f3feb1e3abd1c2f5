package csvio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"
	"time"

	"github.com/rostersync/rostersync/pkg/roster"
)

type record struct {
	line   int
	fields string
}

func readAll(t *testing.T, data string, opts Options, chunk int) ([]string, []record, []roster.Problem, error) {
	t.Helper()
	var probs []roster.Problem
	rep := roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })
	opts.chunk = chunk
	rd, err := NewReader(strings.NewReader(data), "f.csv", opts, rep)
	if err != nil {
		return nil, nil, probs, err
	}
	recs, err := records(rd)
	if err != nil {
		return rd.Header(), recs, probs, err
	}
	if rd.Rows() != len(recs) {
		t.Errorf("Rows() = %d, read %d", rd.Rows(), len(recs))
	}
	return rd.Header(), recs, probs, nil
}

// records reads rd to the end or its first error: each record its line and its cells joined
// by "|".
func records(rd *Reader) ([]record, error) {
	var recs []record
	for {
		rec, line, err := rd.Next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, record{line, strings.Join(rec, "|")})
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		opts     Options
		header   string
		records  []record
		problems []string // "code@line"
		fatal    bool
	}{
		{name: "plain LF", data: "a,b\n1,2\n3,4\n", header: "a|b", records: []record{{2, "1|2"}, {3, "3|4"}}},
		{name: "CRLF", data: "a,b\r\n1,2\r\n", header: "a|b", records: []record{{2, "1|2"}}},
		{name: "no final newline", data: "a,b\n1,2", header: "a|b", records: []record{{2, "1|2"}}},
		{name: "BOM dropped", data: "\uFEFFa,b\n1,2\n", header: "a|b", records: []record{{2, "1|2"}}},
		{name: "quoted comma and quote", data: "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n", header: "a|b", records: []record{{2, "x, y|say \"hi\""}}},
		{name: "UTF-8 names", data: "a\nNguyễn\nJosé\n", header: "a", records: []record{{2, "Nguyễn"}, {3, "José"}}},
		{name: "empty file", data: "", header: ""},
		{name: "ragged rows are returned as they are", data: "a,b\n1,2,3\n4\n", header: "a|b", records: []record{{2, "1|2|3"}, {3, "4"}}},
		{name: "line break in quoted field", data: "a,b\n\"x\ny\",2\n3,4\n", header: "a|b",
			records: []record{{2, "x\ny|2"}, {4, "3|4"}}, problems: []string{"parse@2"}},
		{name: "line break allowed", data: "a,b\n\"x\ny\",2\n", opts: Options{AllowLineBreaks: true}, header: "a|b", records: []record{{2, "x\ny|2"}}},
		{name: "bare quote", data: "a,b\n1,x\"y\n3,4\n", header: "a|b", records: []record{{3, "3|4"}}, problems: []string{"parse@2"}},
		{name: "quote error in a record over two lines", data: "a,b\n\"x\ny\"z,1\n3,4\n5,6\n", header: "a|b",
			records: []record{{4, "3|4"}, {5, "5|6"}}, problems: []string{"parse@2"}},
		{name: "unterminated quote", data: "a,b\n1,\"open\n3,4\n5,6\n", header: "a|b", problems: []string{"parse@2"}},
		{name: "invalid UTF-8 reported once with its line", data: "a\nok\nbad\xff\nbad\xfe\n", header: "a",
			records: []record{{2, "ok"}, {3, "bad\xff"}, {4, "bad\xfe"}}, problems: []string{"encoding@3"}},
		{name: "truncated UTF-8 at end", data: "a\nok\xc3", header: "a", records: []record{{2, "ok\xc3"}}, problems: []string{"encoding@2"}},
		{name: "bare CR stops the file", data: "a,b\r1,2\r3,4\r", problems: []string{"encoding@1"}, fatal: true},
		{name: "NUL on line 3", data: "a,b\n1,2\n3,\x004\n", header: "a|b", records: []record{{2, "1|2"}, {3, "3|\x004"}},
			problems: []string{"encoding@3"}},
		{name: "NUL past the first 4 KB", data: "a,b\n" + strings.Repeat("1,2\n", 1200) + "3,\x004\n5,6\x00\n", header: "a|b",
			records: func() (out []record) {
				for i := range 1200 {
					out = append(out, record{i + 2, "1|2"})
				}
				return append(out, record{1202, "3|\x004"}, record{1203, "5|6\x00"})
			}(), problems: []string{"encoding@1202"}},
		{name: "unterminated quote on the last line", data: "a,b\n1,2\n3,\"4\n", header: "a|b", records: []record{{2, "1|2"}}, problems: []string{"parse@3"}},
		{name: "bare CR later", data: "a,b\n1,2\n3,4\r5,6\n", header: "a|b", records: []record{{2, "1|2"}}, problems: []string{"encoding@3"}},
		{name: "UTF-16 LE", data: "\xff\xfea\x00,\x00b\x00", problems: []string{"encoding@1"}, fatal: true},
		{name: "windows-1252 transcoded", data: "a\nJos\xe9\n", opts: Options{Encoding: "windows-1252"}, header: "a", records: []record{{2, "José"}}},
		{name: "latin1 transcoded", data: "a\nM\xfcller\n", opts: Options{Encoding: "latin1"}, header: "a", records: []record{{2, "Müller"}}},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 3} {
			t.Run(tt.name, func(t *testing.T) {
				header, recs, probs, err := readAll(t, tt.data, tt.opts, chunk)
				if (err != nil) != tt.fatal {
					t.Fatalf("err = %v, fatal %v", err, tt.fatal)
				}
				if tt.fatal && !errors.Is(err, ErrEncoding) {
					t.Errorf("err = %v, want ErrEncoding", err)
				}
				var got []string
				for _, p := range probs {
					got = append(got, p.Code+"@"+itoa(p.Line))
					if p.File != "f.csv" {
						t.Errorf("problem file %q", p.File)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.problems, ",") {
					t.Errorf("chunk %d: problems %v, want %v (%v)", chunk, got, tt.problems, probs)
				}
				if tt.fatal {
					return
				}
				if h := strings.Join(header, "|"); h != tt.header {
					t.Errorf("header %q, want %q", h, tt.header)
				}
				if len(recs) != len(tt.records) {
					t.Fatalf("chunk %d: records %v, want %v", chunk, recs, tt.records)
				}
				for i := range recs {
					if recs[i] != tt.records[i] {
						t.Errorf("record %d = %v, want %v", i, recs[i], tt.records[i])
					}
				}
			})
		}
	}
}

// A stray NUL in UTF-8 text is a problem at its line and character, with a hint to remove
// it; UTF-16 and UTF-32, with or without a byte-order mark, are named as they are and not read.
func TestReaderTellsUTF16FromAStrayNUL(t *testing.T) {
	tests := []struct {
		name, data string
		fatal      bool
		line       int
		want       []string
	}{
		{"a stray NUL in the header", "id,name\x00\n1,2\n", false, 1, []string{"character 8", "remove it"}},
		{"a stray NUL on line 3", "a,b\n1,2\nJos\u00e9,\x004\n", false, 3, []string{"character 6", "remove it"}},
		{"UTF-16 LE with a BOM", "\xff\xfei\x00d\x00\n\x00", true, 1, []string{"UTF-16"}},
		{"UTF-16 LE without a BOM", "i\x00d\x00,\x00n\x00\n\x001\x00,\x002\x00\n\x00", true, 1, []string{"UTF-16"}},
		{"UTF-16 BE without a BOM", "\x00i\x00d\x00,\x00n\x00\n\x001\x00,\x002\x00\n", true, 1, []string{"UTF-16"}},
		{"UTF-32 LE with a BOM", "\xff\xfe\x00\x00i\x00\x00\x00d\x00\x00\x00\n\x00\x00\x00", true, 1, []string{"UTF-32", "CSV UTF-8"}},
		{"UTF-32 BE with a BOM", "\x00\x00\xfe\xff\x00\x00\x00i\x00\x00\x00d\x00\x00\x00\n", true, 1, []string{"UTF-32", "CSV UTF-8"}},
		{"UTF-32 LE without a BOM", "i\x00\x00\x00d\x00\x00\x00,\x00\x00\x00n\x00\x00\x00\n\x00\x00\x001\x00\x00\x00", true, 1, []string{"UTF-32"}},
		{"binary (NULs throughout, at both bytes of a pair)", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
			true, 1, []string{"binary", "not a CSV text file"}},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 3} {
			t.Run(tt.name, func(t *testing.T) {
				_, _, probs, err := readAll(t, tt.data, Options{}, chunk)
				if (err != nil) != tt.fatal {
					t.Fatalf("err = %v, fatal %v", err, tt.fatal)
				}
				if len(probs) != 1 || probs[0].Code != roster.CodeEncoding || probs[0].Line != tt.line {
					t.Fatalf("problems %v, want one encoding problem on line %d", probs, tt.line)
				}
				for _, w := range tt.want {
					if !strings.Contains(probs[0].Message, w) {
						t.Errorf("message %q lacks %q", probs[0].Message, w)
					}
				}
				binary, utf32 := strings.HasPrefix(tt.name, "binary"), strings.HasPrefix(tt.name, "UTF-32")
				if strings.Contains(probs[0].Message, "UTF-16") != (tt.fatal && !binary && !utf32) {
					t.Errorf("message %q: UTF-16 named for a stray NUL, or not for UTF-16", probs[0].Message)
				}
			})
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestReaderErrorFromSource(t *testing.T) {
	rep := roster.ReporterFunc(func(roster.Problem) {})
	rd, err := NewReader(io.MultiReader(strings.NewReader("a,b\n1,2\n"), iotest.ErrReader(errors.New("disk gone"))), "f.csv", Options{}, rep)
	if err != nil {
		// The error may surface while reading the header.
		if !strings.Contains(err.Error(), "disk gone") {
			t.Fatalf("err = %v", err)
		}
		return
	}
	for {
		_, _, err := rd.Next()
		if err == io.EOF {
			t.Fatal("a read error was swallowed")
		}
		if err != nil {
			if !strings.Contains(err.Error(), "disk gone") {
				t.Fatalf("err = %v", err)
			}
			return
		}
	}
}

// readWithinLines reads rd to the end and returns the number of lines in data, the text rd
// reads: an error, or a record said to stand on a line data has not, fails t. each (unless
// nil) sees every record.
func readWithinLines(t *testing.T, rd *Reader, data []byte, each func(rec []string)) int {
	t.Helper()
	lines := bytes.Count(data, []byte{'\n'}) + 1
	for {
		rec, line, err := rd.Next()
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		if line < 1 || line > lines {
			t.Fatalf("line %d outside 1..%d", line, lines)
		}
		if each != nil {
			each(rec)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\r\nb\r\n", "\uFEFFx,y\n\"q\"\"\",2\n", "a\n\"open\n", "a\rb\r", "\xff\xfe", "a\n\xc3\x28\n", "a,b\n\"x\ny\",z\n"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, latin bool) {
		opts := Options{}
		if latin {
			opts.Encoding = "windows-1252"
		}
		var probs []roster.Problem
		rd, err := NewReader(bytes.NewReader(data), "f.csv", opts, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) }))
		if err != nil {
			if !errors.Is(err, ErrEncoding) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		lines := readWithinLines(t, rd, data, nil)
		for _, p := range probs {
			if p.Line < 0 || p.Line > lines+1 {
				t.Fatalf("problem line %d outside the file (%d lines): %v", p.Line, lines, p)
			}
		}
	})
}

// TestEachBlocksReused reads a file of many blocks through EachPre and checks every record as
// it arrives: a block reused while a batch still points into it would show as wrong values.
func TestEachBlocksReused(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name,n\n")
	const rows = 300_000
	for i := range rows {
		if i%1000 == 7 {
			fmt.Fprintf(&b, "id%d,\"quoted, %d\",%d\n", i, i, i%97)
		} else {
			fmt.Fprintf(&b, "id%d,name%d,%d\n", i, i, i%97)
		}
	}
	for _, chunk := range []int{0, 100, 5000} {
		eachAndCheck(t, b.String(), rows, chunk)
	}
}

func eachAndCheck(t *testing.T, data string, rows, chunk int) {
	rd, err := NewReader(strings.NewReader(data), "f.csv", Options{chunk: chunk}, roster.ReporterFunc(func(p roster.Problem) { t.Errorf("problem %v", p) }))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	pre := func(rec []string, line int) ([]string, bool) { return rec, line%2 == 0 }
	err = EachPre(context.Background(), rd, pre, func(rec []string, line int, ok bool) error {
		if ok != (line%2 == 0) {
			return fmt.Errorf("line %d: pre's verdict lost", line)
		}
		i := line - 2
		name := "name" + strconv.Itoa(i)
		if i%1000 == 7 {
			name = "quoted, " + strconv.Itoa(i)
		}
		if i%20000 == 0 {
			time.Sleep(time.Millisecond) // let the parser run ahead and recycle blocks
		}
		want := []string{"id" + strconv.Itoa(i), name, strconv.Itoa(i % 97)}
		if strings.Join(rec, "|") != strings.Join(want, "|") {
			return fmt.Errorf("reads of %d: line %d: %q, want %q", chunk, line, rec, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != rows || rd.Rows() != rows {
		t.Fatalf("reads of %d: %d records (Rows %d), want %d", chunk, n, rd.Rows(), rows)
	}
}

// A read error is returned, never taken for the end of the file; a line it cuts off is not
// a record.
func TestReaderErrorCutsRecord(t *testing.T) {
	for _, data := range []string{"a,b\n1,2\n3,", "a,b\n1,2\n3,\"multi\nline"} {
		rep := roster.ReporterFunc(func(p roster.Problem) { t.Errorf("%q: problem %v", data, p) })
		rd, err := NewReader(io.MultiReader(strings.NewReader(data), iotest.ErrReader(errors.New("disk gone"))), "f.csv", Options{}, rep)
		if err != nil {
			t.Fatal(err)
		}
		var recs []string
		for {
			rec, _, err := rd.Next()
			if err == io.EOF {
				t.Fatalf("%q: the read error was taken for the end", data)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "disk gone") {
					t.Fatalf("%q: err %v", data, err)
				}
				break
			}
			recs = append(recs, strings.Join(rec, "|"))
		}
		if strings.Join(recs, ";") != "1|2" {
			t.Errorf("%q: records %q, want only 1|2", data, recs)
		}
	}
}

// A pre that appends to its record does not write over the next record.
func TestPreAppends(t *testing.T) {
	rd, err := NewReader(strings.NewReader("a,b\n1,2\n3,4\n"), "f.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	pre := func(rec []string, line int) ([]string, bool) { return append(rec, "x"), true }
	err = EachPre(context.Background(), rd, pre, func(rec []string, line int, _ bool) error {
		got = append(got, strings.Join(rec, "|"))
		return nil
	})
	if err != nil || strings.Join(got, ";") != "1|2|x;3|4|x" {
		t.Fatalf("records %q (err %v), want 1|2|x;3|4|x", got, err)
	}
}

// An unterminated quote says whether it ran over later lines or to the end of the file.
func TestUnterminatedQuoteMessage(t *testing.T) {
	for data, want := range map[string]string{
		"a,b\n1,\"x\n3,4\n": "a quoted field opened here is never closed (read to line 3)",
		"a,b\n1,\"x":        "a quoted field on this line is never closed: the file ends inside it",
	} {
		_, _, probs, _ := readAll(t, data, Options{}, 0)
		if len(probs) != 1 || probs[0].Message != want {
			t.Errorf("%q: %v, want %q", data, probs, want)
		}
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// A file whose first read fails is a read error, not an empty file.
func TestFirstReadFails(t *testing.T) {
	bad := errors.New("zip: not a valid zip file")
	_, err := NewReader(failingReader{bad}, "users.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if !errors.Is(err, bad) {
		t.Errorf("err = %v, want the read error", err)
	}
}

// A panic in pre on the parsing goroutine reaches EachPre's caller, where a recover can catch it,
// instead of ending the process with a stack trace.
func TestEachPrePanicReachesCaller(t *testing.T) {
	var b strings.Builder
	b.WriteString("id\n")
	for i := range 5 * batchRows {
		fmt.Fprintf(&b, "%d\n", i)
	}
	rd, err := NewReader(strings.NewReader(b.String()), "f.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != nil {
		t.Fatal(err)
	}
	parser := make(chan struct{})
	pre := func(rec []string, line int) ([]string, bool) {
		if line > 2*batchRows+1 {
			// The caller is held in fn on its first record: this runs on the parsing goroutine.
			close(parser)
			panic("boom")
		}
		return rec, true
	}
	first := true
	defer func() {
		p, ok := recover().(*Panic)
		if !ok || p.Value != "boom" || !strings.Contains(string(p.Stack), "csvio.EachPre") {
			t.Errorf("recovered %v, want the panic of pre with its stack", p)
		}
	}()
	err = EachPre(context.Background(), rd, pre, func([]string, int, bool) error {
		if first {
			first = false
			<-parser
		}
		return nil
	})
	t.Errorf("EachPre returned (%v) after pre panicked", err)
}

// Records past the size limits are positioned parse problems, and reading goes on after them
// (or stops, for a quoted record that may hold the rest of the file); memory stays bounded by
// the limits, whatever the input.
func TestRecordLimits(t *testing.T) {
	long := strings.Repeat("x", MaxRecordBytes+10)
	commas := strings.Repeat(",", MaxFields)
	quotedFields := strings.Repeat(`"a",`, MaxFields) + `"a"`
	tests := []struct {
		name string
		data string
		recs []record
		msg  string // the one problem's message holds it
		line int
		lost bool
	}{
		{"long line", "id,name\n1,a\n2," + long + "\n3,c\n", []record{{2, "1|a"}, {4, "3|c"}}, "longer than 1 MiB", 3, false},
		{"very long line", "id,name\n1,a\n2," + long + long + long + "\n3,c\n", []record{{2, "1|a"}, {4, "3|c"}}, "longer than 1 MiB", 3, false},
		{"long line at the end", "id,name\n1,a\n2," + long, []record{{2, "1|a"}}, "longer than 1 MiB", 3, false},
		{"long line CRLF", "id,name\r\n1,a\r\n2," + long + "\r\n3,c\r\n", []record{{2, "1|a"}, {4, "3|c"}}, "longer than 1 MiB", 3, false},
		{"long quoted record", "id,name\n1,a\n2,\"" + strings.Repeat("x\n", MaxRecordBytes/2+10) + "\"\n3,c\n", []record{{2, "1|a"}, {3 + MaxRecordBytes/2 + 10 + 1, "3|c"}}, "longer than 1 MiB", 3, false},
		{"long quoted line", "id,name\n1,a\n\"2\"," + long + "\n3,c\n", []record{{2, "1|a"}, {4, "3|c"}}, "longer than 1 MiB", 3, false},
		{"long open quote", "id,name\n1,a\n2,\"" + strings.Repeat("x\n", MaxRecordBytes/2+10) + "3,c\n", []record{{2, "1|a"}}, "never closed", 3, true},
		{"too many fields", "id,name\n1,a\n" + commas + "\n3,c\n", []record{{2, "1|a"}, {4, "3|c"}}, "more than 10000,", 3, false},
		{"too many quoted fields", "id,name\n1,a\n" + quotedFields + "\n3,c\n", []record{{2, "1|a"}, {4, "3|c"}}, "more than 10000,", 3, false},
		{"just under the limits", "id,name\n1," + long[:MaxRecordBytes-10] + "\n" + commas[1:] + "\n", []record{{2, "1|" + long[:MaxRecordBytes-10]}, {3, strings.Repeat("|", MaxFields-1)}}, "", 0, false},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 4093, -1} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, chunk), func(t *testing.T) {
				var probs []roster.Problem
				var src io.Reader = strings.NewReader(tt.data)
				if chunk < 0 { // reads of 300,000 bytes, the last with io.EOF
					src, chunk = iotest.DataErrReader(pieces{src, 300_000}), 0
				}
				rd, err := NewReader(src, "f.csv", Options{chunk: chunk, AllowLineBreaks: true}, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) }))
				if err != nil {
					t.Fatal(err)
				}
				recs, err := records(rd)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != len(tt.recs) {
					t.Fatalf("%d records, want %d", len(recs), len(tt.recs))
				}
				for i := range recs {
					if recs[i] != tt.recs[i] {
						t.Errorf("record %d: line %d %.40q, want line %d %.40q", i, recs[i].line, recs[i].fields, tt.recs[i].line, tt.recs[i].fields)
					}
				}
				if tt.msg == "" {
					if len(probs) != 0 {
						t.Errorf("problems %v", probs)
					}
					return
				}
				if len(probs) != 1 || probs[0].Code != roster.CodeParse || probs[0].Line != tt.line || !strings.Contains(probs[0].Message, tt.msg) {
					t.Errorf("problems %.300v, want one parse problem on line %d saying %q", probs, tt.line, tt.msg)
				}
				if rd.Lost() != tt.lost {
					t.Errorf("Lost() = %v, want %v", rd.Lost(), tt.lost)
				}
			})
		}
	}
}

// pieces reads at most n bytes at a time from r.
type pieces struct {
	r io.Reader
	n int
}

func (p pieces) Read(b []byte) (int, error) { return p.r.Read(b[:min(len(b), p.n)]) }

// FuzzLongRecord puts a record past the size limits (filler repeated past 1 MiB) between
// arbitrary text: the reader skips it and reads on, the records after it keep their lines, and
// nothing panics, whatever the quotes and line breaks around it.
func FuzzLongRecord(f *testing.F) {
	f.Add([]byte("id,name\n1,a\n"), []byte("x"), []byte("\n3,c\n"), uint16(0))
	f.Add([]byte("id,name\n1,\""), []byte("x\n"), []byte("\"\n3,c\n"), uint16(7))
	f.Add([]byte("id\n"), []byte(","), []byte("\n\"a\"\"b\",c\r\n"), uint16(300))
	f.Fuzz(func(t *testing.T, prefix, filler, suffix []byte, chunk uint16) {
		if len(filler) == 0 {
			return
		}
		data := append(append(append([]byte{}, prefix...), bytes.Repeat(filler, MaxRecordBytes/len(filler)+2)...), suffix...)
		rd, err := NewReader(pieces{bytes.NewReader(data), 512 + 16*int(chunk)}, "f.csv", Options{AllowLineBreaks: true}, roster.ReporterFunc(func(roster.Problem) {}))
		if err != nil {
			return
		}
		readWithinLines(t, rd, data, func(rec []string) {
			n := 0
			for _, c := range rec {
				n += len(c)
			}
			if n > MaxRecordBytes || len(rec) > MaxFields {
				t.Fatalf("a record of %d bytes, %d cells passed the limits", n, len(rec))
			}
		})
	})
}

// EachPreBatch's flush runs after each run of records, on fn's goroutine, while the strings fn
// was given still hold their values (their blocks are not reused yet); an error from flush
// stops the read and is returned.
func TestEachPreBatchFlush(t *testing.T) {
	const n = 3*batchRows + 7
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,name-%d\n", i, i)
	}
	open := func() *Reader {
		// Small blocks: a run of records spans many, which are reused once the run is done.
		rd, err := NewReader(strings.NewReader(b.String()), "f.csv", Options{chunk: 4096}, roster.ReporterFunc(func(roster.Problem) {}))
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	var held []string // the names of the current run, not cloned
	var lines []int
	flushes, rows := 0, 0
	err := EachPreBatch(context.Background(), open(), nil, func(rec []string, line int, _ bool) error {
		held = append(held, rec[1])
		lines = append(lines, line)
		return nil
	}, func() error {
		flushes++
		for k, v := range held {
			if want := fmt.Sprintf("name-%d", lines[k]-2); v != want {
				t.Fatalf("flush %d: line %d holds %q, want %q", flushes, lines[k], v, want)
			}
		}
		rows += len(held)
		held, lines = held[:0], lines[:0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != n || flushes != 4 || len(held) != 0 {
		t.Errorf("%d rows in %d flushes (%d left over), want %d in 4", rows, flushes, len(held), n)
	}

	stop := errors.New("stop")
	flushes, rows = 0, 0
	err = EachPreBatch(context.Background(), open(), nil, func([]string, int, bool) error {
		rows++
		return nil
	}, func() error {
		flushes++
		return stop
	})
	if !errors.Is(err, stop) || flushes != 1 || rows != batchRows {
		t.Errorf("err %v after %d flushes and %d rows, want the flush's error after 1 and %d", err, flushes, rows, batchRows)
	}
}

// RowsHint counts the rows of a file read whole at the start, and estimates those of a big
// one from its first lines, a little over rather than under.
func TestRowsHint(t *testing.T) {
	quiet := roster.ReporterFunc(func(roster.Problem) {})
	for _, tc := range []struct {
		rows     int
		lastNL   bool
		min, max int
	}{
		{0, true, 0, 0}, {1, false, 1, 1}, {3, true, 3, 3}, {3, false, 3, 3},
		{100_000, true, 100_000, 100_000 * 9 / 8},
	} {
		var b strings.Builder
		b.WriteString("id,name,email\n")
		for i := range tc.rows {
			fmt.Fprintf(&b, "%08d,Ann %d,ann%d@example.org\n", i, i%7, i)
		}
		data := b.String()
		if !tc.lastNL && tc.rows > 0 {
			data = strings.TrimSuffix(data, "\n")
		}
		rd, err := NewReader(strings.NewReader(data), "f.csv", Options{}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		if got := rd.RowsHint(int64(len(data))); got < tc.min || got > tc.max {
			t.Errorf("%d rows: RowsHint = %d, want %d-%d", tc.rows, got, tc.min, tc.max)
		}
	}
}

// TestOpenFile checks how a package's file is opened: rows to read, an empty file reported
// under the name the format knows it by, with its header, an encoding not read (reported by NewReader), and a
// file that is not there.
func TestOpenFile(t *testing.T) {
	fsys := fstest.MapFS{
		"Users.csv": {Data: []byte("sourcedId\nu1\n")},
		"empty.csv": {Data: nil},
		"utf16.csv": {Data: []byte("\xff\xfes\x00I\x00d\x00")},
	}
	for _, tc := range []struct {
		path     string
		reader   bool
		problems string // the codes and files reported
		err      bool
	}{
		{path: "Users.csv", reader: true},
		{path: "empty.csv", problems: "empty-file users.csv: users.csv is empty: it needs at least its header row (sourcedId,name)"},
		{path: "utf16.csv", problems: "encoding users.csv"},
		{path: "gone.csv", err: true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var got []string
			rep := roster.ReporterFunc(func(p roster.Problem) {
				s := p.Code + " " + p.File
				if p.Code == roster.CodeEmptyFile {
					s += ": " + p.Message
				}
				got = append(got, s)
			})
			f, rd, err := OpenFile(fsys, tc.path, "users.csv", Options{}, rep, []string{"sourcedId", "name"})
			if err == nil {
				defer f.Close()
			}
			if (err != nil) != tc.err || (rd != nil) != tc.reader {
				t.Fatalf("OpenFile = reader %v, error %v; want reader %v, error %v", rd != nil, err, tc.reader, tc.err)
			}
			if s := strings.Join(got, "; "); !strings.HasPrefix(s, tc.problems) || (tc.problems == "") != (s == "") {
				t.Errorf("problems %q, want %q", s, tc.problems)
			}
		})
	}
}

// failingFS opens files whose reads fail, and records that each was closed.
type failingFS struct{ closed *bool }

func (f failingFS) Open(string) (fs.File, error) { return failingFile{f.closed}, nil }

type failingFile struct{ closed *bool }

func (failingFile) Stat() (fs.FileInfo, error) { return nil, errors.New("no stat") }
func (failingFile) Read([]byte) (int, error)   { return 0, errors.New("the disk failed") }
func (f failingFile) Close() error             { *f.closed = true; return nil }

// A file OpenFile opened and could not make a Reader of is closed, and its error returned.
func TestOpenFileClosesWhatItCannotRead(t *testing.T) {
	closed := false
	f, rd, err := OpenFile(failingFS{&closed}, "users.csv", "users.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}), nil)
	if err == nil || f != nil || rd != nil {
		t.Fatalf("OpenFile = %v, %v, %v; want nothing but the error", f, rd, err)
	}
	if !closed {
		t.Error("the file was left open")
	}
}

// longRows is a CSV file of n records, each a number and a cell of size bytes, made as it is
// read.
type longRows struct {
	n, size, at int
	cur         []byte
}

func (l *longRows) Read(p []byte) (int, error) {
	if len(l.cur) == 0 {
		if l.at == l.n {
			return 0, io.EOF
		}
		l.cur = append(append(fmt.Appendf(l.cur[:0], "%d,", l.at), bytes.Repeat([]byte{'a' + byte(l.at%26)}, l.size)...), '\n')
		l.at++
	}
	m := copy(p, l.cur)
	l.cur = l.cur[m:]
	return m, nil
}

// The records read ahead hold a bounded amount of memory however long they are: a batch ends at
// batchRows records or once its blocks take batchBytes, so that a file of megabyte rows (the
// most a record may be) does not have a few thousand of them in memory at once.
func TestEachBoundsLongRows(t *testing.T) {
	const rows, size = 400, 600 << 10
	rd, err := NewReader(&longRows{n: rows, size: size}, "f.csv", Options{}, roster.ReporterFunc(func(p roster.Problem) { t.Errorf("problem %v", p) }))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = EachPre(context.Background(), rd, func(rec []string, _ int) ([]string, bool) { return rec, true }, func(rec []string, line int, _ bool) error {
		if n%50 == 0 {
			time.Sleep(20 * time.Millisecond) // let the parser run ahead as far as it may
		}
		if len(rec) != 2 || len(rec[1]) != size || rec[1][size-1] != 'a'+byte((line-1)%26) {
			return fmt.Errorf("line %d: a wrong record", line)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != rows-1 { // the first record is the header
		t.Fatalf("%d records, want %d", n, rows-1)
	}
	held := 0
	for _, b := range rd.sc.pool {
		held += len(b.buf)
	}
	if held > 64<<20 {
		t.Errorf("the read took %d MiB of blocks for %d MiB of input, want at most 64", held>>20, rows*size>>20)
	}
}

// A file whose first row is longer than the first block read has at most its size divided by
// what was read of that row: its hint must not be the size over a short row's 64 bytes, which
// sized ID tables for millions of rows that a file of a few hundred long ones does not have.
func TestRowsHintLongFirstRow(t *testing.T) {
	const rows, size = 300, 700 << 10
	rd, err := NewReader(io.MultiReader(strings.NewReader("id,name\n"), &longRows{n: rows, size: size}), "f.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != nil {
		t.Fatal(err)
	}
	total := int64(rows) * (size + 5)
	// Only the start of the first row has been read: the hint may be over, but by a factor of
	// the row's length over what was read, not of the row's length over 64 bytes (3 million).
	if got := rd.RowsHint(total); got < 1 || got > 16*rows {
		t.Errorf("RowsHint = %d for %d rows of %d KiB, want 1-%d", got, rows, size>>10, 16*rows)
	}
}

// A batch read ahead is bounded by the memory its records take, not only by the blocks they
// point into: a row of 10,000 empty cells is 10 KB of file but 160 KB of string headers, so a
// batch that counted only its blocks (8 MiB) held about 130 MB of cells, and the batches in
// flight half a gigabyte, for a file of a few megabytes. flush runs after each batch, so the
// cells fn gets between two flushes are one batch's.
func TestEachBoundsManyCells(t *testing.T) {
	const rows, cells = 300, MaxFields
	data := "h\n" + strings.Repeat(strings.Repeat(",", cells-1)+"\n", rows)
	rd, err := NewReader(strings.NewReader(data), "f.csv", Options{}, roster.ReporterFunc(func(p roster.Problem) { t.Errorf("problem %v", p) }))
	if err != nil {
		t.Fatal(err)
	}
	n, inBatch, most := 0, 0, 0
	err = EachPreBatch(context.Background(), rd, nil, func(rec []string, line int, _ bool) error {
		if len(rec) != cells {
			return fmt.Errorf("line %d: %d cells, want %d", line, len(rec), cells)
		}
		n++
		inBatch += len(rec)
		return nil
	}, func() error {
		most, inBatch = max(most, inBatch), 0
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != rows {
		t.Fatalf("%d records, want %d", n, rows)
	}
	// At most the budget, and the one record that crossed it.
	if held, limit := most*16, batchBytes+cells*16; held > limit {
		t.Errorf("a batch held %d cells (%d MiB of string headers), want at most %d MiB", most, held>>20, limit>>20)
	}
}

// Lines too short to be a row of the header's cells (a file of "a\n" under a six-column
// header) are ragged rows, never read into an ID table: they do not count towards the hint,
// which sized two ID tables of 1 GiB each for a 1 GB file of them (2.5 GB peak to validate).
func TestRowsHintShortLines(t *testing.T) {
	data := "email,password,first_name,last_name,person_number,unique_id\n" + strings.Repeat("a\n", 200_000)
	rd, err := NewReader(strings.NewReader(data), "f.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != nil {
		t.Fatal(err)
	}
	size := int64(1 << 30) // as if the file went on so for 1 GiB
	if got := rd.RowsHint(size); got < 1 || got > 1024 {
		t.Errorf("RowsHint = %d for a file of \"a\" lines under a six-column header, want 1-1024", got)
	}
	// Lines of as many cells as the header are counted as before.
	data = "a,b,c\n" + strings.Repeat("x,y,z\n", 200_000)
	rd, err = NewReader(strings.NewReader(data), "f.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rd.RowsHint(int64(len(data))), 200_000; got < want || got > want*9/8 {
		t.Errorf("RowsHint = %d for %d rows, want %d-%d", got, want, want, want*9/8)
	}
}

// An old Mac file of more than 1 MiB is one line longer than a record may be: it is told by its
// bare CR as a small one is, not as a record too long and then an empty file (what a 150 MB
// one was told before).
func TestReaderBareCRPastRecordLimit(t *testing.T) {
	data := "a,b\r" + strings.Repeat("1,2\r", 1_000_000)
	_, _, probs, err := readAll(t, data, Options{}, 0)
	if !errors.Is(err, ErrEncoding) {
		t.Errorf("err = %v, want ErrEncoding", err)
	}
	if len(probs) != 1 || probs[0].Code != roster.CodeEncoding || probs[0].Line != 1 || !strings.Contains(probs[0].Message, "bare CR") {
		t.Errorf("problems %v, want one bare CR encoding problem on line 1", probs)
	}
}
