package csvio

import (
	"io"

	"github.com/rostersync/rostersync/pkg/atomicfile"
)

// WriteFileAtomic writes path through a temporary file and a rename, mode 0600.
//
// Deprecated: use atomicfile.WriteFile; this forwarder only keeps callers written against the
// old name building until they move.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.WriteFile(path, write)
}
