package oneroster

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
)

// Versions are the OneRoster versions the writer writes, the default first.
var Versions = []string{"1.1", "1.2"}

// Settings are the OneRoster format's own settings: the --oneroster-version flag and a
// profile's oneroster: section (version). Read and Write find them with format.SettingsOf.
type Settings struct {
	// Version is the version Write writes: "1.1" (also for "") or "1.2".
	Version string `yaml:"version"`
}

var (
	_ format.Configurable = Format{}
	_ format.Settings     = (*Settings)(nil)
	_ format.FlagValuer   = (*Settings)(nil)
)

// NewSettings returns the defaults.
func (Format) NewSettings() format.Settings { return &Settings{} }

// AddFlags declares --oneroster-version, which changes only what is written (the reader
// takes the version a package's manifest says).
func (s *Settings) AddFlags(fs *format.FlagSet) {
	fs.StringVar(&s.Version, "oneroster-version", format.Writing, "oneroster: the version convert writes, 1.1 or 1.2 (default 1.1)")
}

// FlagValues lists the values --oneroster-version takes, for shell completion.
func (s *Settings) FlagValues() map[string][]string {
	return map[string][]string{"oneroster-version": Versions}
}

// Configured checks a profile's oneroster: section.
func (s *Settings) Configured(func(string) string) error {
	if _, err := ParseVersion(s.Version); err != nil {
		return fmt.Errorf("oneroster.version: %w", err)
	}
	return nil
}

// Value checks --oneroster-version and returns the settings, the version filled in.
func (s *Settings) Value() (any, error) {
	v, err := ParseVersion(s.Version)
	if err != nil {
		return nil, &format.SettingError{Err: err, Hint: "use --oneroster-version 1.1 or --oneroster-version 1.2"}
	}
	return Settings{Version: v}, nil
}

// WithVersion returns opts with the OneRoster writer set to version, or an error naming the
// versions there are.
func WithVersion(opts format.Options, version string) (format.Options, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return opts, err
	}
	return opts.WithSettings(Name, Settings{Version: v}), nil
}

// settingsOf returns the OneRoster settings of opts, the version filled in.
func settingsOf(opts format.Options) Settings {
	s := format.SettingsOf[Settings](opts, Name)
	if s.Version == "" {
		s.Version = Versions[0]
	}
	return s
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
