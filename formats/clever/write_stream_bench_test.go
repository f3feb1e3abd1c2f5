package clever_test

import (
	"testing"

	"github.com/rostersync/rostersync/formats/clever"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// BenchmarkStreamRead reads a OneRoster package ($ROSTERSYNC_BENCH_DIR, else 100k users) as
// convert --to clever does, straight into the streaming writer, alternated with the read
// alone (Discard, as validate): "stream" minus "discard" is what the Clever writer costs.
func BenchmarkStreamRead(b *testing.B) {
	formattest.BenchStreamRead(b, clever.New(), formattest.BenchDir(b, "ROSTERSYNC_BENCH_DIR"), oneroster.New())
}
