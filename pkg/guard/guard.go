// Package guard is the shrink guard of push and sync (SPEC §5): it refuses to publish a file
// that would make a wipe-and-reload vendor delete most of its students.
package guard

import (
	"fmt"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
)

// Defaults of a destination's policy.
const (
	DefaultMaxRemovedPercent = 10.0
	DefaultMinRows           = 1
)

// Policy is what a destination tolerates.
type Policy struct {
	MaxRemovedPercent float64
	MinRows           int
}

// Verdict is the guard's decision with its figures.
type Verdict struct {
	Allowed  bool
	Reason   string // why it refused ("" when allowed)
	Compared bool   // a previous snapshot existed
	Rows     int
	Counts   map[roster.Kind]snapshot.Counts
}

// guarded are the kinds whose removals the guard limits.
var guarded = []roster.Kind{roster.UserKind, roster.EnrollmentKind}

// Check decides whether new (with rows data rows) may replace old (nil on the first push).
func Check(old, new *snapshot.Snapshot, rows int, p Policy) Verdict {
	v := Verdict{Allowed: true, Rows: rows}
	if p.MinRows <= 0 {
		p.MinRows = DefaultMinRows
	}
	if p.MaxRemovedPercent <= 0 {
		p.MaxRemovedPercent = DefaultMaxRemovedPercent
	}
	if old != nil {
		v.Compared = true
		v.Counts = snapshot.Compare(old, new)
	}
	switch {
	case rows == 0:
		v.Allowed, v.Reason = false, "the file is empty or has only a header: the vendor would remove every user"
		return v
	case rows < p.MinRows:
		v.Allowed, v.Reason = false, fmt.Sprintf("%d data rows, fewer than min_rows %d", rows, p.MinRows)
		return v
	}
	if old == nil {
		return v
	}
	var over []string
	for _, k := range guarded {
		c, ok := v.Counts[k]
		if !ok || old.Count(k) == 0 {
			continue
		}
		if c.RemovedPercent > p.MaxRemovedPercent {
			over = append(over, fmt.Sprintf("%.1f%% of %s removed (%d of %d)", c.RemovedPercent, k, c.Removed, old.Count(k)))
		}
	}
	if len(over) > 0 {
		v.Allowed = false
		v.Reason = strings.Join(over, ", ") + fmt.Sprintf(": more than max_removed_percent %g", p.MaxRemovedPercent)
	}
	return v
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
