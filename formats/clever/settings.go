package clever

import (
	"github.com/rostersync/rostersync/pkg/format"
)

// Settings are the Clever format's own settings: the flag --clever-lenient-dates and a
// profile's clever: section (lenient_dates). Read finds them with format.SettingsOf.
type Settings struct {
	// LenientDates accepts M/D/YYYY (no zero padding) besides MM/DD/YYYY.
	LenientDates bool `yaml:"lenient_dates"`
}

var (
	_ format.Configurable = Format{}
	_ format.Settings     = (*Settings)(nil)
)

// NewSettings returns the defaults.
func (Format) NewSettings() format.Settings { return &Settings{} }

// AddFlags declares --clever-lenient-dates, which changes how an upload is read (the writer
// always writes MM/DD/YYYY).
func (s *Settings) AddFlags(fs *format.FlagSet) {
	fs.BoolVar(&s.LenientDates, "clever-lenient-dates", format.Reading, "clever: accept M/D/YYYY dates besides MM/DD/YYYY")
}

// Configured has nothing to check.
func (s *Settings) Configured(func(string) string) error { return nil }

// Value returns the settings as a Settings value.
func (s *Settings) Value() (any, error) { return *s, nil }

// settingsOf returns the Clever settings of opts (the defaults when none were given).
func settingsOf(opts format.Options) Settings { return format.SettingsOf[Settings](opts, Name) }
