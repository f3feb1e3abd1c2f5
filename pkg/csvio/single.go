package csvio

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/rostersync/rostersync/pkg/roster"
)

// SingleFile describes a format kept in one CSV file, for ReadSingle: the format supplies its
// messages and its row checks, the skeleton the opening, the encoding, the empty-file cases and
// the two-core row loop.
type SingleFile struct {
	// Name is the file's name in the file system read.
	Name string
	// Encoding is Options.Encoding.
	Encoding string
	// Empty is the message for a file without even a header row; NoRows for a header and no row.
	Empty, NoRows string
	// Begin checks the header and returns how to read the rows; false when the first row is
	// not a header at all (reported), and no row is read. rep is the reporter the format must
	// use from then on (rows are checked on two goroutines); sizeHint guesses the number of rows.
	Begin func(header []string, sizeHint int, rep roster.Reporter) (Rows, bool, error)
	// End, if set, runs after the last row (before the no-row check): a second pass that names
	// repeated IDs, for instance.
	End func() error
}

// Rows is how a single-file format reads its rows.
type Rows struct {
	// Pre checks one record on its own; it may run on the parsing goroutine.
	Pre Pre
	// Row takes a record Pre passed, on the caller's goroutine, in order.
	Row func(rec []string, line int) error
	// Copy gives Row a copy of each record's strings (the sink keeps them), not the strings of
	// the file's whole block.
	Copy bool
}

// ReadSingle reads the one CSV file sf describes from fsys and returns its number of rows.
// Problems go to rep; an error is returned as it is (a format adds its own prefix).
func ReadSingle(ctx context.Context, fsys fs.FS, sf SingleFile, rep roster.Reporter) (int, error) {
	fh, err := fsys.Open(sf.Name)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", sf.Name, err)
	}
	defer fh.Close()
	// Problems may come from the parsing goroutine too (EachPre): one lock for the watch and rep.
	watch := &encodingWatch{rep: rep}
	srep := NewSyncReporter(watch)
	rd, err := NewReader(fh, sf.Name, Options{Encoding: sf.Encoding}, srep)
	if err != nil {
		if errors.Is(err, ErrEncoding) {
			return 0, nil // reported with its position: the file is not text
		}
		return 0, fmt.Errorf("read %s: %w", sf.Name, err)
	}
	if rd.Empty {
		if !watch.bad { // else a bare CR stopped the reading at the header: reported
			srep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: sf.Name, Message: sf.Empty})
		}
		return 0, nil
	}
	rows, ok, err := sf.Begin(rd.Header(), sizeHint(fh, rd), srep)
	if err != nil || !ok {
		return 0, err
	}
	// The stateless checks (Pre) run on whichever of two cores has time, the ID tables and the
	// sink on the caller's goroutine.
	var rowErr error
	var keep []string
	err = EachPre(ctx, rd, rows.Pre, func(rec []string, line int, ok bool) error {
		if !ok {
			return nil // not read (reported)
		}
		if rows.Copy {
			keep = Clone(keep, rec)
			rec = keep
		}
		rowErr = rows.Row(rec, line)
		return rowErr
	})
	if rowErr != nil {
		return 0, rowErr
	}
	if err != nil {
		return 0, err
	}
	if sf.End != nil {
		if err := sf.End(); err != nil {
			return 0, err
		}
	}
	if rd.Rows() == 0 && !watch.bad && !rd.Lost() {
		srep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: sf.Name, Message: sf.NoRows})
	}
	return rd.Rows(), nil
}

// encodingWatch passes problems on and notes an encoding error, after which an empty-looking
// file is not reported again as empty: the reading stopped.
type encodingWatch struct {
	rep roster.Reporter
	bad bool
}

func (w *encodingWatch) Report(p roster.Problem) {
	if p.Code == roster.CodeEncoding && p.Severity == roster.Error {
		w.bad = true
	}
	w.rep.Report(p)
}

// sizeHint guesses the number of rows from the file's size and its first rows (64 bytes a row
// when none is read yet), to size ID tables once.
func sizeHint(f fs.File, rd *Reader) int {
	fi, err := f.Stat()
	if err != nil || fi.Size() <= 0 {
		return 0
	}
	if n := rd.RowsHint(fi.Size()); n > 0 {
		return n
	}
	return int(min(fi.Size()/64, 1<<26))
}
