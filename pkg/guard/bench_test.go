package guard

import (
	"fmt"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
)

// BenchmarkRun guards a 1.8M-user roster (a 183 MB Capti file) against the last push's: what
// push does between the end of the check and the upload (keying the built snapshot, comparing).
func BenchmarkRun(b *testing.B) {
	const n = 1_800_000
	build := func(night int) *snapshot.Snapshot {
		sb := snapshot.NewBuilder()
		for i := range n {
			u := roster.User{SourcedID: fmt.Sprint(1_000_000 + i), Email: fmt.Sprintf("u%d@example.org", i), GivenName: "A", FamilyName: "B"}
			if i%100 == 0 {
				u.GivenName = fmt.Sprint("night", night)
			}
			if err := sb.User(&u); err != nil {
				b.Fatal(err)
			}
		}
		return sb.Snapshot()
	}
	key, err := snapshot.NewKey(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	last, err := build(1).Keyed(key)
	if err != nil {
		b.Fatal(err)
	}
	built := build(2)
	b.ResetTimer()
	for b.Loop() {
		v, err := Run(last, built, key, n, Default())
		if err != nil || !v.Allowed || v.Counts[roster.UserKind].Changed != n/100 {
			b.Fatalf("%v %+v", err, v)
		}
	}
}
