package oneroster

import (
	"fmt"
	"slices"
	"strings"
)

// Versions are the OneRoster versions the writer writes, the default first.
var Versions = []string{"1.1", "1.2"}

// Options are the OneRoster format's own settings (the --oneroster-version flag, the
// oneroster: section of a profile).
type Options struct {
	// Version is the version Write writes: "1.1" (also for "") or "1.2".
	Version string
}

// WithOptions returns the format with o set, or an error naming the versions there are. The
// format's other methods read them (Write: Options().Version).
func (f Format) WithOptions(o Options) (Format, error) {
	v, err := ParseVersion(o.Version)
	if err != nil {
		return Format{}, err
	}
	f.opts = Options{Version: v}
	return f, nil
}

// Options returns the format's settings, the version filled in.
func (f Format) Options() Options {
	o := f.opts
	if o.Version == "" {
		o.Version = Versions[0]
	}
	return o
}

// ParseVersion checks a OneRoster output version: "" is the default, 1.1; "1.2.1" is 1.2 (the
// manifest says 1.2 for both).
func ParseVersion(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch v {
	case "":
		return Versions[0], nil
	case "1.2.1":
		return "1.2", nil
	}
	if !slices.Contains(Versions, v) {
		return "", fmt.Errorf("OneRoster version %q cannot be written: write %s", v, strings.Join(Versions, " or "))
	}
	return v, nil
}
