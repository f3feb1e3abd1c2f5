package format

import (
	"context"
	"errors"

	"github.com/rostersync/rostersync/pkg/roster"
)

// StreamWriter is an optional ability of a Format: a writer that writes a roster's entities as
// a reader sends them, holding only what a later entity needs (IDs, a few fields), instead of
// the whole roster Write takes. A converter streams a reader into it, so its memory does not
// grow with the rows. What it writes, and what it reports, is what Write would for the roster
// of the entities sent.
type StreamWriter interface {
	// WriteStream starts writing into dst, reporting to rep what Write would. scratch is a
	// private folder (0700, on dst's file system when dst is a folder) for files the writer
	// builds before they are complete; the caller removes it.
	WriteStream(ctx context.Context, dst Dest, scratch string, opts Options, rep roster.Reporter) (Stream, error)
}

// Stream receives the entities of one roster, in the reader's order, then End. A kind's
// delta mark (roster.DeltaMarker) comes before its entities. The strings of an entity are
// valid only during the call that sends it (roster.Borrower): a Stream copies what it keeps.
type Stream interface {
	roster.Sink
	roster.DeltaMarker
	// End writes what is left. count is what Roster.Count gives for the roster of the entities
	// sent, with the entities read but not sent (a kind the writer does not use) counted.
	End(count func(roster.Kind) int) error
}

// ErrStreamOrder is returned by a Stream sent an entity it can no longer write as Write would
// (an org after the users that refer to it, in an order the writer cannot keep): the caller
// writes the whole roster with Write instead.
var ErrStreamOrder = errors.New("the entities come in an order the streaming writer cannot follow")

// Adopter is an optional ability of a Dest: it takes the finished file at path (in a scratch
// folder on its file system) as its file name, by renaming it instead of copying it.
type Adopter interface {
	Adopt(name, path string) error
}
