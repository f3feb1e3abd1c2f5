package diff

import (
	"github.com/rostersync/rostersync/pkg/roster"
)

// TellModes tells sink, when it is a ModeSetter, how each kind of modes applies.
func TellModes(sink roster.Sink, modes map[roster.Kind]Mode) {
	ms, ok := sink.(ModeSetter)
	if !ok {
		return
	}
	for k, m := range modes {
		ms.SetMode(k, m)
	}
}

// MarkDelta is roster.DeltaMarker's: a reader tells that kind's rows come from a delta file.
// In an input with a delta file, a kind that sends nothing (its file marked absent) is Kept.
func (p *pass1) MarkDelta(kind roster.Kind) { p.SetMode(kind, Delta) }

// effectiveModes returns the modes of the kinds as read: as told, and, when any kind is a
// delta, Kept for every kind no entity was sent of (a delta package leaves it as it was).
func (p *pass1) effectiveModes() [numKinds]Mode {
	m := p.modes
	delta := false
	for _, x := range m {
		delta = delta || x == Delta
	}
	if !delta {
		return m
	}
	for k := range m {
		if m[k] == Bulk && len(p.tables[k]) == 0 && p.parts[k].n == 0 && len(p.blocks[k]) == 0 {
			m[k] = Kept
		}
	}
	return m
}
