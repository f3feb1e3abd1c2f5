package diff

import (
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
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

// ModesOf returns how the kinds of an input apply, from what its reader said of each file: nil
// (every kind bulk) unless a file is a delta; then each kind read from a delta file is Delta,
// from a bulk file Bulk, and every other kind Kept (a delta package leaves it as it was).
func ModesOf(info format.Info) map[roster.Kind]Mode {
	delta := false
	for _, f := range info.Files {
		delta = delta || f.Mode == "delta"
	}
	if !delta {
		return nil
	}
	out := map[roster.Kind]Mode{}
	for _, k := range roster.Kinds {
		out[k] = Kept
	}
	for _, f := range info.Files {
		k := roster.Kind(strings.TrimSuffix(f.Name, ".csv"))
		if _, ok := out[k]; !ok {
			continue
		}
		switch f.Mode {
		case "delta":
			out[k] = Delta
		case "bulk":
			out[k] = Bulk
		}
	}
	return out
}
