package diff

import (
	"strconv"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/idset"
)

// TestBloomHoldsEveryKey: the pass-2 filter never turns away a key it was built from, and
// turns away most others.
func TestBloomHoldsEveryKey(t *testing.T) {
	keys := idset.New(64)
	for i := range 10_000 {
		keys.Set(xxhash.Sum64String("in"+strconv.Itoa(i)), int32(i))
	}
	b := newBloom(keys)
	keys.All(func(k uint64, _ int32) {
		if !b.mayHold(k) {
			t.Fatalf("key %x built into the filter is turned away", k)
		}
	})
	held := 0
	for i := range 100_000 {
		if b.mayHold(xxhash.Sum64String("out" + strconv.Itoa(i))) {
			held++
		}
	}
	if held > 5_000 {
		t.Errorf("%d of 100000 keys not in the set pass the filter; want about 1.4%%", held)
	}
	var zero bloom
	if !zero.mayHold(42) {
		t.Error("a zero filter turns a key away")
	}
}
