package guard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
)

func users(n int) *snapshot.Snapshot {
	b := snapshot.NewBuilder()
	for i := range n {
		b.User(&roster.User{SourcedID: fmt.Sprint("u", i)}) //nolint:errcheck
	}
	return b.Snapshot()
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		old     *snapshot.Snapshot
		new     *snapshot.Snapshot
		rows    int
		p       Policy
		allowed bool
		reason  string
	}{
		{"first push", nil, users(5), 5, Policy{}, true, ""},
		{"empty", nil, users(0), 0, Policy{}, false, "empty"},
		{"empty after a push", users(100), users(0), 0, Policy{}, false, "empty"},
		{"below min_rows", nil, users(5), 5, Policy{MinRows: 100}, false, "fewer than min_rows 100"},
		{"10% removed is allowed", users(100), users(90), 90, Policy{}, true, ""},
		{"11% removed is refused", users(100), users(89), 89, Policy{}, false, "11.0% of users removed (11 of 100)"},
		{"a custom limit", users(100), users(70), 70, Policy{MaxRemovedPercent: 50}, true, ""},
		{"growth", users(10), users(1000), 1000, Policy{}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Check(tt.old, tt.new, tt.rows, tt.p)
			if v.Allowed != tt.allowed || !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("allowed %v reason %q; want %v %q", v.Allowed, v.Reason, tt.allowed, tt.reason)
			}
			if v.Compared != (tt.old != nil) {
				t.Errorf("compared %v", v.Compared)
			}
		})
	}
	v := Check(users(100), users(50), 50, Policy{})
	if s := strings.Join(v.Summary(), "\n"); !strings.Contains(s, "-50") {
		t.Errorf("summary %q", s)
	}
}
