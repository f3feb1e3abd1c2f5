package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// writeBoth writes recs with Writer and with encoding/csv, and returns both outputs.
func writeBoth(t *testing.T, recs [][]string, crlf bool) (string, string) {
	t.Helper()
	var got, want bytes.Buffer
	w, ref := NewWriter(&got), csv.NewWriter(&want)
	w.UseCRLF, ref.UseCRLF = crlf, crlf
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
		if err := ref.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	ref.Flush()
	if w.Error() != nil || ref.Error() != nil {
		t.Fatal(w.Error(), ref.Error())
	}
	return got.String(), want.String()
}

// Writer writes what encoding/csv writes, byte for byte: random fields of the characters that
// change quoting (comma, quote, CR, LF, a leading space of any kind, `\.`), at every length
// around the eight bytes read at once, with LF and CRLF line ends, and records long enough to
// be written out in several pieces.
func TestWriterMatchesEncodingCSV(t *testing.T) {
	alphabet := []string{"a", "Z", "0", ",", "\"", "\r", "\n", " ", "\t", "\v", "\\", ".", "é", "\u0085", "\u00a0", "\u3000", "\xff"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, crlf := range []bool{false, true} {
		var recs [][]string
		for range 20000 {
			rec := make([]string, rng.IntN(6))
			for j := range rec {
				var b strings.Builder
				for range rng.IntN(20) {
					s := alphabet[rng.IntN(len(alphabet))]
					if rng.IntN(3) > 0 {
						s = alphabet[rng.IntN(3)] // mostly plain bytes, so a special one is found in any position
					}
					b.WriteString(s)
				}
				rec[j] = b.String()
			}
			recs = append(recs, rec)
		}
		recs = append(recs, []string{`\.`}, []string{`\.`, "x"}, []string{""}, []string{}, []string{strings.Repeat("x,", 70000)},
			[]string{"", "plain", "a,b", `say "hi"`, "line\nbreak", "cr\rhere", "crlf\r\nend", " lead", "\tlead", "\u00a0nbsp",
				"trail ", `\.`, `\.x`, "ünï", "\xff\xfe", `"`, ",", "\n", "\u2028sep", "\vv", "\ff", "\u0085nel", "\u3000ideo", "x\ty", "\x00nul", "é"})
		got, want := writeBoth(t, recs, crlf)
		if !crlf {
			var appended []byte
			for _, r := range recs {
				appended = AppendRecord(appended, r)
			}
			if string(appended) != want {
				t.Error("AppendRecord's records differ from encoding/csv's")
			}
		}
		if got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("crlf %v: line %d: %q, want %q", crlf, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("crlf %v: %d bytes, want %d", crlf, len(got), len(want))
		}
	}
}

// Every field of one special byte at each position of lengths 1-24 is quoted as encoding/csv
// quotes it.
func TestWriterSpecialByteEveryPosition(t *testing.T) {
	var recs [][]string
	for n := 1; n <= 24; n++ {
		for at := range n {
			for _, c := range []byte{',', '"', '\r', '\n', 'x', 0x8c, 0x2b, 0x0b} {
				f := []byte(strings.Repeat("a", n))
				f[at] = c
				recs = append(recs, []string{string(f), "b"})
			}
		}
	}
	if got, want := writeBoth(t, recs, false); got != want {
		t.Fatal("output differs from encoding/csv")
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n++; f.n > 1 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A failed write is kept: Error returns it, and Write returns it from then on.
func TestWriterError(t *testing.T) {
	w := NewWriter(&failWriter{})
	long := strings.Repeat("x", writerFlushAt)
	if err := w.Write([]string{long}); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := w.Write([]string{long}); err == nil || err.Error() != "disk full" {
		t.Fatalf("second write: %v", err)
	}
	if err := w.Write([]string{"a"}); err == nil {
		t.Fatal("a write after the failure succeeded")
	}
	w.Flush()
	if w.Error() == nil {
		t.Fatal("Error() = nil after a failed write")
	}
}

// FuzzWriter holds Writer to encoding/csv on any two fields (split from the input at its
// first NUL), with LF and CRLF line ends.
func FuzzWriter(f *testing.F) {
	for _, s := range []string{"a\x00b", " x\x00\"", "\\.\x00a,b", "\u00a0é\r\n\x00", "12345678,\x00abcdefgh\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, b, _ := strings.Cut(s, "\x00")
		for _, crlf := range []bool{false, true} {
			if got, want := writeBoth(t, [][]string{{a, b}, {b}}, crlf); got != want {
				t.Fatalf("crlf %v: %q, want %q", crlf, got, want)
			}
		}
	})
}
