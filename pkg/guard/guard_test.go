package guard

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/diff"
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

// snap builds the snapshot of r; modes marks it a delta as a delta package's reader does.
func snap(t *testing.T, r *roster.Roster, modes map[roster.Kind]diff.Mode) *snapshot.Snapshot {
	t.Helper()
	b := snapshot.NewBuilder()
	if err := r.Emit(b); err != nil {
		t.Fatal(err)
	}
	for k := range modes {
		b.MarkDelta(k) // as the OneRoster reader does (roster.DeltaMarker)
	}
	return b.Snapshot()
}

// district is a bulk roster of n students, each in one class.
func district(n int) *roster.Roster {
	r := &roster.Roster{Classes: []roster.Class{{SourcedID: "c1", Title: "Math"}}}
	for i := range n {
		id := fmt.Sprint("u", i)
		r.Users = append(r.Users, roster.User{SourcedID: id, GivenName: "Ana", Role: "student"})
		r.Enrollments = append(r.Enrollments, roster.Enrollment{SourcedID: "e" + id, ClassID: "c1", UserID: id, Role: "student"})
	}
	return r
}

// deltaModes is what a delta package of users.csv and enrollments.csv tells (its reader's
// MarkDelta): the kinds it leaves out are kept as they were.
var deltaModes = map[roster.Kind]diff.Mode{roster.UserKind: diff.Delta, roster.EnrollmentKind: diff.Delta}

func TestRunDelta(t *testing.T) {
	key, err := snapshot.NewKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	base := snap(t, district(100), nil)
	v, err := Run(nil, base, key, 201, Default())
	if err != nil || !v.Allowed {
		t.Fatalf("first push: %v %+v", err, v)
	}
	last := v.State

	// A delta marking every user (and enrollment) tobedeleted is refused.
	wipe := &roster.Roster{}
	for _, u := range district(100).Users {
		wipe.Users = append(wipe.Users, roster.User{SourcedID: u.SourcedID, Status: "tobedeleted"})
	}
	v, err = Run(last, snap(t, wipe, deltaModes), key, 100, Default())
	if err != nil {
		t.Fatal(err)
	}
	if v.Allowed || !strings.Contains(v.Reason, "100.0% of users removed (100 of 100)") || !v.Delta {
		t.Errorf("a delta deleting everyone: allowed %v, %q", v.Allowed, v.Reason)
	}

	// An empty delta is refused for what it is, not as a file that would remove every user.
	v, err = Run(last, snap(t, &roster.Roster{}, deltaModes), key, 0, Default())
	if err != nil {
		t.Fatal(err)
	}
	if v.Allowed || !strings.Contains(v.Reason, "the delta is empty") || strings.Contains(v.Reason, "remove every user") {
		t.Errorf("an empty delta: allowed %v, %q", v.Allowed, v.Reason)
	}

	// A normal delta: 2 users changed, 1 added, 1 deleted; the other 97 left out, as deltas do.
	d := &roster.Roster{Users: []roster.User{
		{SourcedID: "u1", Status: "active", GivenName: "Ben", Role: "student"},
		{SourcedID: "u2", Status: "active", GivenName: "Cy", Role: "student"},
		{SourcedID: "u100", Status: "active", GivenName: "Dee", Role: "student"},
		{SourcedID: "u3", Status: "tobedeleted"},
	}, Enrollments: []roster.Enrollment{{SourcedID: "eu3", Status: "tobedeleted"}}}
	v, err = Run(last, snap(t, d, deltaModes), key, 5, Default())
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot.Counts{Added: 1, Removed: 1, Changed: 2, Unchanged: 97, RemovedPercent: 1}
	if !v.Allowed || v.Counts[roster.UserKind] != want {
		t.Errorf("a normal delta: allowed %v %q, users %+v, want %+v", v.Allowed, v.Reason, v.Counts[roster.UserKind], want)
	}
	if c := v.Counts[roster.ClassKind]; c.Unchanged != 1 || c.Removed != 0 {
		t.Errorf("classes, absent from the delta: %+v, want unchanged", c)
	}
	// The state it leaves is the earlier push with the delta applied: 100 users, 99 enrollments.
	if v.State.Count(roster.UserKind) != 100 || v.State.Count(roster.EnrollmentKind) != 99 || v.State.Count(roster.ClassKind) != 1 {
		t.Errorf("state: %d users, %d enrollments, %d classes", v.State.Count(roster.UserKind), v.State.Count(roster.EnrollmentKind), v.State.Count(roster.ClassKind))
	}
	// The next delta deleting u3 again removes nothing: it was removed by the earlier push.
	again := &roster.Roster{Users: []roster.User{{SourcedID: "u3", Status: "tobedeleted"}}}
	v2, err := Run(v.State, snap(t, again, deltaModes), key, 1, Default())
	if err != nil || !v2.Allowed || v2.Counts[roster.UserKind].Removed != 0 {
		t.Errorf("u3 deleted twice: %v %+v", err, v2.Counts[roster.UserKind])
	}
	// The same rows sent as a bulk file remove the 97 left out.
	v3, err := Run(last, snap(t, d, nil), key, 5, Default())
	if err != nil || v3.Allowed || !strings.Contains(v3.Reason, "98.0% of users removed (98 of 100)") {
		t.Errorf("the delta's rows as bulk: %v %v %q", err, v3.Allowed, v3.Reason)
	}

	// A delta may be the first push: checked for emptiness only; its state holds its live rows.
	v, err = Run(nil, snap(t, d, deltaModes), key, 5, Default())
	if err != nil || !v.Allowed || v.State.Count(roster.UserKind) != 3 {
		t.Errorf("a delta as first push: %v %+v", err, v)
	}
	v, err = Run(nil, snap(t, &roster.Roster{}, deltaModes), key, 0, Default())
	if err != nil || v.Allowed || !strings.Contains(v.Reason, "empty") {
		t.Errorf("an empty delta as first push: %v %+v", err, v)
	}
}

func TestRunLegacyAndOtherKey(t *testing.T) {
	k1, _ := snapshot.NewKey([]byte("0123456789abcdef0123456789abcdef"))
	k2, _ := snapshot.NewKey([]byte("fedcba9876543210fedcba9876543210"))
	built := snap(t, district(10), nil)
	v, err := Run(nil, built, k1, 20, Default())
	if err != nil {
		t.Fatal(err)
	}
	// Another key (the key file replaced): compared by IDs only, saying so, never counted as
	// everything removed or changed.
	renamedAll := district(10)
	for i := range renamedAll.Users {
		renamedAll.Users[i].GivenName = "Zed"
	}
	v2, err := Run(v.State, snap(t, renamedAll, nil), k2, 20, Default())
	if err != nil || !v2.Allowed || v2.Counts[roster.UserKind].Unchanged != 10 || len(v2.Notes) != 1 || !strings.Contains(v2.Notes[0], "keyed with another snapshot.key") {
		t.Errorf("another key: %v %+v", err, v2)
	}
	// A legacy snapshot (an older rostersync's) compares by IDs only, and says so.
	legacy := &snapshot.Snapshot{KeyID: snapshot.LegacyKeyID, Kinds: map[roster.Kind][]snapshot.Entry{}}
	for k, e := range snap(t, district(10), nil).Kinds {
		for _, x := range e {
			legacy.Kinds[k] = append(legacy.Kinds[k], snapshot.Entry{Key: x.Key, Row: diff.Unknown})
		}
	}
	renamed := district(9)
	for i := range renamed.Users {
		renamed.Users[i].GivenName = "Zed"
	}
	v3, err := Run(legacy, snap(t, renamed, nil), k1, 19, Default())
	if err != nil {
		t.Fatal(err)
	}
	if c := v3.Counts[roster.UserKind]; c.Removed != 1 || c.Changed != 0 || c.Unchanged != 9 || !v3.Allowed {
		t.Errorf("legacy: %+v allowed %v", c, v3.Allowed)
	}
	if len(v3.Notes) != 1 || !strings.Contains(v3.Notes[0], "compared by IDs only") {
		t.Errorf("legacy notes %q", v3.Notes)
	}
}

// TestExcelDamage: IDs that lost their leading zeros since the last push are refused as
// excel-damage, naming the cause instead of a share removed.
func TestExcelDamage(t *testing.T) {
	key, _ := snapshot.NewKey([]byte("0123456789abcdef0123456789abcdef"))
	r := &roster.Roster{Courses: []roster.Course{{SourcedID: "03100500", Title: "Algebra"}, {SourcedID: "03100600", Title: "Art"}}}
	for i := range 20 {
		r.Users = append(r.Users, roster.User{SourcedID: fmt.Sprintf("%06d", i+1), GivenName: "Ana"})
	}
	v, err := Run(nil, snap(t, r, nil), key, 22, Default())
	if err != nil || !v.Allowed {
		t.Fatal(err, v)
	}
	last := v.State
	// Written and read back: the stripped IDs survive the state folder.
	var buf bytes.Buffer
	if err := last.Write(&buf); err != nil {
		t.Fatal(err)
	}
	last, err = snapshot.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	damaged := &roster.Roster{Courses: []roster.Course{{SourcedID: "3100500", Title: "Algebra"}, {SourcedID: "03100600", Title: "Art"}}}
	for i := range 20 {
		id := fmt.Sprintf("%06d", i+1)
		if i < 1 {
			id = fmt.Sprint(i + 1) // 1 of 20 users: under every share limit
		}
		damaged.Users = append(damaged.Users, roster.User{SourcedID: id, GivenName: "Ana"})
	}
	v, err = Run(last, snap(t, damaged, nil), key, 22, Default())
	if err != nil {
		t.Fatal(err)
	}
	if v.Allowed || v.Code != roster.CodeExcelDamage || v.ExcelDamage[roster.UserKind] != 1 || v.ExcelDamage[roster.CourseKind] != 1 ||
		!strings.Contains(v.Reason, "the IDs of 1 courses, 1 users are IDs of the last push without their leading zeros") || strings.Contains(v.Reason, "%") {
		t.Errorf("allowed %v code %s damage %v: %q", v.Allowed, v.Code, v.ExcelDamage, v.Reason)
	}
	// New IDs that were never zero-padded are no damage.
	fresh := &roster.Roster{Courses: r.Courses, Users: append(slices.Clone(r.Users), roster.User{SourcedID: "777", GivenName: "Bo"})}
	if v, _ := Run(last, snap(t, fresh, nil), key, 23, Default()); !v.Allowed || v.ExcelDamage != nil {
		t.Errorf("a new user 777: %+v", v)
	}
}

// TestHMACKeyedLastPush: the last push's snapshot, written by the rostersync that keyed rows
// with HMAC-SHA256, is compared exactly (changed rows counted, no "by IDs only" note), and the
// state left for the next push is keyed as rows are keyed now.
func TestHMACKeyedLastPush(t *testing.T) {
	key, err := snapshot.NewKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := snap(t, district(10), nil).KeyedHMAC(key)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := before.Applied().Write(&buf); err != nil {
		t.Fatal(err)
	}
	last, err := snapshot.Read(&buf)
	if err != nil || !last.HMACKeyed(key) || last.ByIDsOnly(key) == false {
		t.Fatalf("read back: %v, HMAC-keyed %v", err, last.HMACKeyed(key))
	}
	changed := district(10)
	for i := range 3 {
		changed.Users[i].GivenName = "Zed"
	}
	strict := Default()
	l := strict.Limits[roster.UserKind]
	l.MaxChangedPercent = 20
	strict.Limits[roster.UserKind] = l
	v, err := Run(last, snap(t, changed, nil), key, 11, strict)
	if err != nil {
		t.Fatal(err)
	}
	if c := v.Counts[roster.UserKind]; v.Allowed || c.Changed != 3 || c.Unchanged != 7 || len(v.Notes) != 0 {
		t.Errorf("3 of 10 users changed since an HMAC-keyed push: allowed %v, %+v, notes %q", v.Allowed, c, v.Notes)
	}
	v, err = Run(last, snap(t, district(10), nil), key, 11, strict)
	if err != nil {
		t.Fatal(err)
	}
	if c := v.Counts[roster.UserKind]; !v.Allowed || c.Unchanged != 10 || len(v.Notes) != 0 || v.State.KeyID != key.ID {
		t.Fatalf("unchanged since an HMAC-keyed push: allowed %v, %+v, notes %q, state key %q (want %q)", v.Allowed, c, v.Notes, v.State.KeyID, key.ID)
	}
	// The next push compares with that state, keyed as now: exactly, changes counted.
	v, err = Run(v.State, snap(t, changed, nil), key, 11, strict)
	if err != nil {
		t.Fatal(err)
	}
	if c := v.Counts[roster.UserKind]; v.Allowed || c.Changed != 3 || len(v.Notes) != 0 {
		t.Errorf("the push after: allowed %v, %+v, notes %q", v.Allowed, c, v.Notes)
	}
}
