package csvio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/randtext"
)

// outcomes reads all of data with encoding/csv (LazyQuotes off, any number of fields), one line
// per Read: the record and its line, or the syntax error with its lines and column.
func csvOutcomes(data string) []string {
	cr := csv.NewReader(strings.NewReader(data))
	cr.FieldsPerRecord = -1
	var out []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("error %d-%d col %d bare %v", pe.StartLine, pe.Line, pe.Column, errors.Is(pe.Err, csv.ErrBareQuote)))
		case err != nil:
			return append(out, "fail "+err.Error())
		default:
			line, _ := cr.FieldPos(0)
			out = append(out, fmt.Sprintf("%d %q", line, rec))
		}
	}
}

func scanOutcomes(data string, max int) []string {
	sc := newScanner(strings.NewReader(data), false, max)
	sc.onCR = func(int) { panic("bare CR") }
	var out []string
	for {
		rec, line, _, err := sc.next(nil)
		if err == io.EOF {
			return out
		}
		var pe *parseErr
		switch {
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("error %d-%d col %d bare %v", pe.startLine, pe.line, pe.col, pe.bare))
		case err != nil:
			return append(out, "fail "+err.Error())
		default:
			out = append(out, fmt.Sprintf("%d %q", line, rec))
		}
	}
}

// TestScannerMatchesEncodingCSV holds the scanner to encoding/csv on many random inputs made of
// the characters that matter (commas, quotes, line endings, empty lines), read in blocks of
// several sizes so that records cross block boundaries.
func TestScannerMatchesEncodingCSV(t *testing.T) {
	pieces := []string{"a", "bc", "é", ",", ",", "\"", "\"", "\"\"", "\n", "\n", "\r\n", " "}
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 5000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if n%7 == 0 {
			b.WriteString("\r") // a CR ending the file is dropped, not a bare CR
		}
		data := b.String()
		want := strings.Join(csvOutcomes(data), "\n")
		for _, max := range []int{0, 1, 2, 5} {
			if got := strings.Join(scanOutcomes(data, max), "\n"); got != want {
				t.Fatalf("input %q (reads of %d bytes):\nscanner:\n%s\nencoding/csv:\n%s", data, max, got, want)
			}
		}
	}
}

// FuzzScanner compares the scanner with encoding/csv on any input without bare CRs.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\r\nb\r\n", "x,\"q\"\"\",2\n", "a\n\"open\n", "a,b\n\"x\ny\",z\n", "\"a\"b,c\n", "a\"b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if strings.Contains(strings.ReplaceAll(strings.TrimSuffix(data, "\r"), "\r\n", ""), "\r") {
			return // bare CRs stop the scanner (reported), where encoding/csv merges lines
		}
		want := strings.Join(csvOutcomes(data), "\n")
		for _, max := range []int{0, 3} {
			if got := strings.Join(scanOutcomes(data, max), "\n"); got != want {
				t.Fatalf("reads of %d bytes:\nscanner:\n%s\nencoding/csv:\n%s", max, got, want)
			}
		}
	})
}

// TestSplitCommas holds the eight-bytes-at-a-time split to strings.Split.
func TestSplitCommas(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	const alphabet = ",,a-.\x2d\x2c\xac\x01\xff"
	for range 100_000 {
		s := randtext.Bytes(r, alphabet, 40)
		got, want := splitCommas(nil, s), strings.Split(s, ",")
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("splitCommas(%q) = %q, want %q", s, got, want)
		}
	}
}
