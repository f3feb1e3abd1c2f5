package oneroster

import (
	"bytes"
	"io"
)

// memDest keeps written files in memory.
type memDest map[string]*bytes.Buffer

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (d memDest) Create(name string) (io.WriteCloser, error) {
	b := &bytes.Buffer{}
	d[name] = b
	return nopCloser{b}, nil
}
