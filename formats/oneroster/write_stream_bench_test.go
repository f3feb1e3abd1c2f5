package oneroster

import (
	"testing"

	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// BenchmarkStreamRead reads the package ($ROSTERSYNC_BENCH_DIR, else 100k users) as convert
// --to oneroster does, straight into the streaming writer, alternated with the read alone
// (Discard, as validate): "stream" minus "discard" is what writing as it reads costs.
func BenchmarkStreamRead(b *testing.B) {
	formattest.BenchStreamRead(b, New(), benchDir(b), New())
}
