// Package spool keeps records end to end in a private file (0600) in a scratch folder, to be
// read back once, in order: what a streaming writer must hold until its last file is written,
// kept on disk instead of in memory.
package spool

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// Spool is a file of records, each its length first. It is not safe for concurrent use.
type Spool struct {
	f  *os.File
	bw *bufio.Writer
	n  int
}

// New creates a spool in the folder scratch.
func New(scratch string) (*Spool, error) {
	f, err := os.CreateTemp(scratch, "spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return &Spool{f: f, bw: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Len returns the number of records added.
func (sp *Spool) Len() int { return sp.n }

// Add appends a copy of rec.
func (sp *Spool) Add(rec []byte) error {
	sp.n++
	if _, err := sp.bw.Write(binary.AppendUvarint(nil, uint64(len(rec)))); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := sp.bw.Write(rec); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Close removes the spool's file; again, it does nothing.
func (sp *Spool) Close() {
	if sp.f != nil {
		sp.f.Close()
		os.Remove(sp.f.Name())
		sp.f = nil
	}
}

// Each calls fn with each record in the order added (rec is valid during the call only), then
// removes the spool. An error of fn stops it and is returned as it is.
func (sp *Spool) Each(fn func(rec []byte) error) error {
	defer sp.Close()
	if err := sp.bw.Flush(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	br := bufio.NewReaderSize(sp.f, 256<<10)
	var rec []byte
	for {
		n, err := binary.ReadUvarint(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if cap(rec) < int(n) {
			rec = make([]byte, n)
		}
		rec = rec[:n]
		if _, err := io.ReadFull(br, rec); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}
