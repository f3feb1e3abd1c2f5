package cli

import (
	"io"
	"io/fs"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressMin is the input size (bytes of its files; for diff, of both inputs) from which
// validate and diff show a progress bar on a terminal.
var progressMin int64 = 50 << 20

// readProgress returns fsys counting the bytes read from its files into a progress bar on
// stderr ("reading PATH"), and a function ending the bar; fsys itself when stderr is not a
// terminal, with quiet, or for an input under progressMin.
func readProgress(deps *Deps, quiet bool, path string, fsys fs.FS) (fs.FS, func()) {
	if quiet || !deps.IO.IsStderrTTY || fsys == nil {
		return fsys, func() {}
	}
	total := inputSize(fsys)
	if total < progressMin {
		return fsys, func() {}
	}
	add, done := readBar(deps, "reading "+termSafe(path), total)
	return countingFS{fsys, add}, done
}

// inputSize is the bytes of the files of fsys (a zip's as unpacked).
func inputSize(fsys fs.FS) int64 {
	var total int64
	_ = fs.WalkDir(fsys, ".", func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() > 0 {
			total += info.Size()
		}
		return nil
	})
	return total
}

// readBar draws a bar of total bytes on stderr (the library push's bar uses), cleared when
// done; add may be called from several goroutines.
//
// A variable, so that a test can count what a bar is given.
var readBar = func(deps *Deps, what string, total int64) (add func(int64), done func()) {
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWriter(deps.IO.ErrOut),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(10),
		progressbar.OptionThrottle(65*time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionClearOnFinish(),
	)
	return func(n int64) { _ = bar.Add64(n) }, func() { _ = bar.Exit(); _ = bar.Clear() }
}

// countingFS passes each byte read from its files to add.
type countingFS struct {
	fs.FS
	add func(int64)
}

func (c countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return f, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return f, nil // read as it is (ReadDir)
	}
	return countingFile{f, c.add}, nil
}

type countingFile struct {
	fs.File
	add func(int64)
}

func (c countingFile) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}

var _ io.Reader = countingFile{}
