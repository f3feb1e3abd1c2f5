// Package guard is the shrink guard of push and sync (SPEC §5): it refuses to publish a file
// that would make a wipe-and-reload vendor delete most of its students, or change or add far
// more of them than a night does.
package guard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
)

// NoLimit is a limit that is not set: nothing is refused for it.
const NoLimit = -1

// Defaults of a destination's policy: Clever's (at most 10% of the users removed and 75%
// changed in one sync), for each guarded kind.
const (
	DefaultMaxRemovedPercent = 10.0
	DefaultMaxChangedPercent = 75.0
	DefaultMinRows           = 1
)

// Guarded are the kinds the guard limits, in report order. A format without classes
// (Capti, students.csv) is limited on users alone.
var Guarded = []roster.Kind{roster.ClassKind, roster.UserKind, roster.EnrollmentKind}

// Limits are what one kind may lose, gain and change in one publish: each as a percentage of
// the kind's entities in the last snapshot and as a count. NoLimit (or any negative value)
// leaves one unset; 0 allows none.
type Limits struct {
	MaxRemovedPercent float64
	MaxRemoved        int
	MaxAddedPercent   float64
	MaxAdded          int
	MaxChangedPercent float64
	MaxChanged        int
}

// DefaultLimits are the limits of a kind the configuration says nothing about.
func DefaultLimits() Limits {
	return Limits{
		MaxRemovedPercent: DefaultMaxRemovedPercent, MaxRemoved: NoLimit,
		MaxAddedPercent: NoLimit, MaxAdded: NoLimit,
		MaxChangedPercent: DefaultMaxChangedPercent, MaxChanged: NoLimit,
	}
}

// Policy is what a destination tolerates.
type Policy struct {
	// MinRows is the fewest data rows a file may have (0 or less: DefaultMinRows).
	MinRows int
	// Limits holds the limits of each guarded kind; a nil map means DefaultLimits for every
	// guarded kind, and a guarded kind missing from a non-nil map has DefaultLimits too.
	Limits map[roster.Kind]Limits
}

// Default returns the policy of a destination without configuration.
func Default() Policy {
	p := Policy{MinRows: DefaultMinRows, Limits: map[roster.Kind]Limits{}}
	for _, k := range Guarded {
		p.Limits[k] = DefaultLimits()
	}
	return p
}

// For returns the limits of kind k.
func (p Policy) For(k roster.Kind) Limits {
	if l, ok := p.Limits[k]; ok {
		return l
	}
	return DefaultLimits()
}

// minRows is MinRows with its default.
func (p Policy) minRows() int {
	if p.MinRows <= 0 {
		return DefaultMinRows
	}
	return p.MinRows
}

// Verdict is the guard's decision with its figures.
type Verdict struct {
	Allowed  bool
	Reason   string // why it refused ("" when allowed)
	Compared bool   // a previous snapshot existed
	Rows     int
	Counts   map[roster.Kind]snapshot.Counts
	// Notes say how the comparison was made when that is not the usual way (a snapshot of an
	// older rostersync compared by IDs only).
	Notes []string
	// Delta is set when new is a delta: it was applied to old, not compared with it.
	Delta bool
	// State is what to record as the destination's snapshot if the file is published: new
	// for a bulk file, old with new applied for a delta (keyed as new and old are).
	State *snapshot.Snapshot
	// Code is the problem code of a refusal: roster.CodeGuard, or roster.CodeExcelDamage for
	// IDs a spreadsheet rewrote.
	Code string
	// ExcelDamage counts, per kind, the new IDs that are IDs of the last push without their
	// leading zeros.
	ExcelDamage map[roster.Kind]int
}

// Run is the guard of one publish: it keys built (the snapshot of the input, as read) with the
// state folder's key, compares it with last (the snapshot of the last push, read back; nil on
// the first push) and checks the policy. A snapshot of an older rostersync (not keyed), or one
// keyed with another secret (the key file replaced), is compared by IDs only: removals and
// additions count, changes cannot; a Note says so. One whose rows were keyed with HMAC-SHA256
// (the rostersync before this one) is compared exactly (sinceHMAC).
func Run(last, built *snapshot.Snapshot, key *snapshot.Key, rows int, p Policy) (Verdict, error) {
	cur, err := built.Keyed(key)
	if err != nil {
		return Verdict{}, err
	}
	var notes []string
	if last != nil {
		switch {
		case last.HMACKeyed(key):
			return sinceHMAC(last, built, cur, key, rows, p)
		case last.Legacy():
			notes = append(notes, "the last snapshot was written by an older rostersync (not keyed): compared by IDs only this once, changed rows not counted")
		case last.ByIDsOnly(key):
			notes = append(notes, "the last snapshot was keyed with another "+snapshot.KeyFile+" (was the state folder's key replaced?): compared by IDs only this once, changed rows not counted")
		}
		if last, err = last.Keyed(key); err != nil {
			return Verdict{}, err
		}
	}
	v := Check(last, cur, rows, p)
	v.Notes = append(notes, v.Notes...)
	return v, nil
}

// sinceHMAC guards against the snapshot of a push by the rostersync that keyed rows with
// HMAC-SHA256 (with the same secret): the input is keyed that way too for an exact comparison,
// and the state left for the next push is keyed as rows are keyed now (cur), with the rows of
// last a delta keeps compared by IDs from then on.
func sinceHMAC(last, built, cur *snapshot.Snapshot, key *snapshot.Key, rows int, p Policy) (Verdict, error) {
	asLast, err := built.KeyedHMAC(key)
	if err != nil {
		return Verdict{}, err
	}
	v := Check(last, asLast, rows, p)
	byIDs, err := last.Keyed(key)
	if err != nil {
		return Verdict{}, err
	}
	if _, v.State, err = snapshot.Compare(byIDs, cur); err != nil {
		return Verdict{}, err
	}
	return v, nil
}

// Check decides whether new (with rows data rows) may replace old (nil on the first push);
// both hash alike (snapshot.Compare).
func Check(old, new *snapshot.Snapshot, rows int, p Policy) Verdict {
	v := Verdict{Allowed: true, Rows: rows, Delta: len(new.Modes) > 0, Code: roster.CodeGuard}
	if old == nil {
		v.State = new.Applied()
	} else {
		v.Compared = true
		counts, state, err := snapshot.Compare(old, new)
		if err != nil {
			v.Allowed, v.Reason = false, err.Error()
			return v
		}
		v.Counts, v.State = counts, state
	}
	switch {
	case rows == 0:
		v.Allowed, v.Reason = false, "the file is empty or has only a header: the vendor would remove every user"
		if v.Delta {
			v.Reason = "the delta is empty (only headers): it changes nothing, which an export that worked never sends; check the export"
		}
		return v
	case rows < p.minRows():
		v.Allowed, v.Reason = false, fmt.Sprintf("%d data rows, fewer than min_rows %d", rows, p.minRows())
		return v
	}
	if old == nil {
		return v
	}
	// IDs a spreadsheet rewrote: the cause, named before any share it makes look removed.
	if d := snapshot.ExcelDamage(old, new); len(d) > 0 {
		v.ExcelDamage = d
		var parts []string
		for _, k := range roster.Kinds {
			if n := d[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, k))
			}
		}
		v.Allowed, v.Code = false, roster.CodeExcelDamage
		v.Reason = "the IDs of " + strings.Join(parts, ", ") + " are IDs of the last push without their leading zeros: " +
			"a spreadsheet opened and saved the file (export it again without opening it, or import it as text)"
		return v
	}
	var over []string
	for _, k := range Guarded {
		c, ok := v.Counts[k]
		if !ok {
			continue
		}
		over = append(over, overLimits(k, c, c.Old(), p.For(k))...)
	}
	if len(over) > 0 {
		v.Allowed = false
		v.Reason = strings.Join(over, "; ")
	}
	return v
}

// overLimits lists, for one kind, each limit its counts go over.
func overLimits(k roster.Kind, c snapshot.Counts, old int, l Limits) []string {
	var out []string
	check := func(what string, n int, maxPercent float64, maxCount int) {
		if n == 0 {
			return
		}
		if maxPercent >= 0 && old > 0 {
			if pct := float64(n) * 100 / float64(old); pct > maxPercent {
				out = append(out, fmt.Sprintf("%s of %s %s (%d of %d): more than max_%s_percent %s",
					percent(pct), k, what, n, old, what, strconv.FormatFloat(maxPercent, 'f', -1, 64)))
				return
			}
		}
		if maxCount >= 0 && n > maxCount {
			out = append(out, fmt.Sprintf("%d %s %s: more than max_%s %d", n, k, what, what, maxCount))
		}
	}
	check("removed", c.Removed, l.MaxRemovedPercent, l.MaxRemoved)
	check("changed", c.Changed, l.MaxChangedPercent, l.MaxChanged)
	check("added", c.Added, l.MaxAddedPercent, l.MaxAdded)
	return out
}

// percent prints a share to one decimal, never rounding a share above 0 down to 0.
func percent(p float64) string {
	if p > 0 && p < 0.05 {
		return "<0.1%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// Summary is the one-screen diff summary a refusal prints: one line per kind.
func (v Verdict) Summary() []string {
	var out []string
	for _, k := range roster.Kinds {
		c, ok := v.Counts[k]
		if !ok {
			continue
		}
		out = append(out, fmt.Sprintf("%-16s +%d -%d ~%d =%d (%.1f%% removed)", k, c.Added, c.Removed, c.Changed, c.Unchanged, c.RemovedPercent))
	}
	return out
}
