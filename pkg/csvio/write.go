package csvio

import (
	"fmt"
	"io"
)

// Creator is where WriteFile creates its file: a format.Dest.
type Creator interface {
	Create(name string) (io.WriteCloser, error)
}

// WriteFile creates name in dst and writes header, then the records rows hands to write: RFC
// 4180 quoting, LF line endings, UTF-8 as given. A failure to create or write the file is
// returned naming it ("create NAME: …", "write NAME: …"); an error rows returns by itself (an
// interrupt, a refusal) is returned as it is. The file is closed on every path.
func WriteFile(dst Creator, name string, header []string, rows func(write func([]string) error) error) error {
	w, err := dst.Create(name)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	cw := NewWriter(w)
	var werr error
	write := func(rec []string) error {
		if err := cw.Write(rec); err != nil {
			werr = err
			return err
		}
		return nil
	}
	err = write(header)
	if err == nil {
		err = rows(write)
	}
	if err != nil && werr == nil {
		w.Close()
		return err
	}
	cw.Flush()
	if werr == nil {
		werr = cw.Error()
	}
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write %s: %w", name, werr)
	}
	return nil
}
