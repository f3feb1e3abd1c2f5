package csvio

import (
	"io"
	"strings"
)

// Records hands a Reader's rows to a decoder that takes a whole small file at once and maps
// columns by header name (gocsv's CSVReader: Read and ReadAll), without losing what the
// decoder drops: the physical line each data record starts on (Lines) and its number of cells
// (Widths), and whether every cell was blank (Blank). Data record i of ReadAll is Lines[i],
// Widths[i], Blank[i]. Every problem of the reader
// still goes to its Reporter.
//
// For small fixed-shape files only (a manifest, a site map): ReadAll holds the whole file. The
// roster files stream through Reader.Next.
type Records struct {
	r      *Reader
	header []string
	sent   bool // the header was returned
	limit  int
	// Lines, Widths and Blank describe the data records returned so far.
	Lines, Widths []int
	Blank         []bool
	// Truncated is set when ReadAll stopped at the limit with rows left.
	Truncated bool
}

// Records returns the rest of r as whole records: header first (when not nil, it replaces
// the header read, so columns found in another case or order can be given their canonical
// names), then at most limit data records (0: no limit).
func (r *Reader) Records(header []string, limit int) *Records {
	if header == nil {
		header = r.header
	}
	return &Records{r: r, header: header, limit: limit}
}

// Read returns the header on the first call, then one data record per call (its own copy),
// then io.EOF. A record past the limit sets Truncated and ends the file.
func (t *Records) Read() ([]string, error) {
	if !t.sent {
		t.sent = true
		if t.r.Empty {
			return nil, io.EOF
		}
		return append([]string(nil), t.header...), nil
	}
	rec, line, err := t.r.Next()
	if err != nil {
		return nil, err
	}
	if t.limit > 0 && len(t.Lines) >= t.limit {
		t.Truncated = true
		return nil, io.EOF
	}
	t.Lines = append(t.Lines, line)
	t.Widths = append(t.Widths, len(rec))
	blank := true
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	t.Blank = append(t.Blank, blank)
	return append([]string(nil), rec...), nil // Next reuses the slice, not the strings
}

// ReadAll returns the header and every data record up to the limit.
func (t *Records) ReadAll() ([][]string, error) {
	var all [][]string
	for {
		rec, err := t.Read()
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, rec)
	}
}
