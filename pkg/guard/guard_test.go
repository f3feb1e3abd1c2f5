package guard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
)

// users returns a snapshot of n users u0…u(n-1); the first changed of them have another name.
func users(n int, changed ...int) *snapshot.Snapshot {
	b := snapshot.NewBuilder()
	c := 0
	if len(changed) > 0 {
		c = changed[0]
	}
	for i := range n {
		name := "Ana"
		if i < c {
			name = "Ben"
		}
		b.User(&roster.User{SourcedID: fmt.Sprint("u", i), GivenName: name}) //nolint:errcheck
	}
	return b.Snapshot()
}

// with returns Default() with the users' limits changed by set.
func with(set func(*Limits)) Policy {
	p := Default()
	l := p.Limits[roster.UserKind]
	set(&l)
	p.Limits[roster.UserKind] = l
	return p
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
		{"11% removed is refused", users(100), users(89), 89, Policy{}, false, "11.0% of users removed (11 of 100): more than max_removed_percent 10"},
		{"a custom limit", users(100), users(70), 70, with(func(l *Limits) { l.MaxRemovedPercent = 50 }), true, ""},
		{"0% allows no removal", users(100), users(99), 99, with(func(l *Limits) { l.MaxRemovedPercent = 0 }), false, "1.0% of users removed (1 of 100): more than max_removed_percent 0"},
		{"0% allows no removal of 1 in 10,000", users(10000), users(9999), 9999, with(func(l *Limits) { l.MaxRemovedPercent = 0 }), false, "<0.1% of users removed (1 of 10000)"},
		{"0% with nothing removed", users(100), users(101), 101, with(func(l *Limits) { l.MaxRemovedPercent = 0 }), true, ""},
		{"a removed count", users(1000), users(950), 950, with(func(l *Limits) { l.MaxRemoved = 40 }), false, "50 users removed: more than max_removed 40"},
		{"no percent limit, a count", users(100), users(50), 50, with(func(l *Limits) { l.MaxRemovedPercent, l.MaxRemoved = NoLimit, 60 }), true, ""},
		{"75% changed is allowed", users(100), users(100, 75), 100, Policy{}, true, ""},
		{"76% changed is refused", users(100), users(100, 76), 100, Policy{}, false, "76.0% of users changed (76 of 100): more than max_changed_percent 75"},
		{"a changed count", users(100), users(100, 3), 100, with(func(l *Limits) { l.MaxChanged = 2 }), false, "3 users changed: more than max_changed 2"},
		{"growth is not limited by default", users(10), users(1000), 1000, Policy{}, true, ""},
		{"an added percent", users(10), users(1000), 1000, with(func(l *Limits) { l.MaxAddedPercent = 100 }), false, "9900.0% of users added (990 of 10): more than max_added_percent 100"},
		{"an added count", users(10), users(20), 20, with(func(l *Limits) { l.MaxAdded = 5 }), false, "10 users added: more than max_added 5"},
		{"two limits at once", users(100), users(80, 80), 80, Policy{}, false, "20.0% of users removed (20 of 100): more than max_removed_percent 10; 80.0% of users changed (80 of 100)"},
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

// TestKindLimits: each guarded kind has its own limits; an unguarded kind (orgs) has none.
func TestKindLimits(t *testing.T) {
	b := snapshot.NewBuilder()
	for i := range 10 {
		b.Org(&roster.Org{SourcedID: fmt.Sprint("o", i)})                                                         //nolint:errcheck
		b.Enrollment(&roster.Enrollment{SourcedID: fmt.Sprint("e", i), ClassID: "c", UserID: fmt.Sprint("u", i)}) //nolint:errcheck
	}
	old := b.Snapshot()
	b = snapshot.NewBuilder()
	b.Org(&roster.Org{SourcedID: "o0"})                                           //nolint:errcheck
	b.Enrollment(&roster.Enrollment{SourcedID: "e0", ClassID: "c", UserID: "u0"}) //nolint:errcheck
	b.Enrollment(&roster.Enrollment{SourcedID: "e1", ClassID: "c", UserID: "u1"}) //nolint:errcheck
	new := b.Snapshot()
	p := Default()
	l := p.Limits[roster.EnrollmentKind]
	l.MaxRemovedPercent = 90
	p.Limits[roster.EnrollmentKind] = l
	if v := Check(old, new, 3, p); !v.Allowed {
		t.Errorf("80%% of enrollments with a 90%% limit refused: %s", v.Reason)
	}
	if v := Check(old, new, 3, Default()); v.Allowed || !strings.Contains(v.Reason, "80.0% of enrollments removed") || strings.Contains(v.Reason, "orgs") {
		t.Errorf("default: allowed %v, %q", v.Allowed, v.Reason)
	}
}
