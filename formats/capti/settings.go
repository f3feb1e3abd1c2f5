package capti

import (
	"errors"
	"slices"

	"github.com/rostersync/rostersync/pkg/format"
)

// Settings are the Capti format's own settings: the flags --capti-id and --capti-domain, and
// a profile's capti: section (id, domain). Read and Write find them with format.SettingsOf.
type Settings struct {
	ID     string `yaml:"id"`     // "email" (default) or "username": which column is the Capti ID
	Domain string `yaml:"domain"` // the domain Capti appends to usernames, for messages and collision checks
}

var (
	_ format.Configurable = Format{}
	_ format.Settings     = (*Settings)(nil)
	_ format.FlagValuer   = (*Settings)(nil)
)

// NewSettings returns the defaults.
func (Format) NewSettings() format.Settings { return &Settings{} }

// AddFlags declares --capti-id and --capti-domain: both change how a Capti roster is read
// and checked, and what is written.
func (s *Settings) AddFlags(fs *format.FlagSet) {
	fs.StringVar(&s.ID, "capti-id", format.Reading|format.Writing, "capti: which column is the Capti ID, email or username (default email)")
	fs.StringVar(&s.Domain, "capti-domain", format.Reading|format.Writing, "capti: the domain Capti appends to usernames")
}

// idChoice is --capti-id and a profile's capti.id.
var idChoice = format.Choice{Flag: "capti-id", Key: "capti.id", Values: []string{ColEmail, ColUsername}}

// FlagValues lists the values --capti-id takes, for shell completion.
func (s *Settings) FlagValues() map[string][]string { return idChoice.FlagValues() }

// Configured checks a profile's capti: section; id ignores case there.
func (s *Settings) Configured(func(string) string) error {
	var err error
	s.ID, err = idChoice.Configured(s.ID)
	return err
}

// Value checks --capti-id and returns the settings as a Settings value.
func (s *Settings) Value() (any, error) {
	if err := idChoice.Check(s.ID); err != nil {
		return nil, err
	}
	return *s, nil
}

// settingsOf returns the Capti settings of opts (the defaults when none were given).
func settingsOf(opts format.Options) Settings { return format.SettingsOf[Settings](opts, Name) }

// CheckLayout checks that a config file's capti layout holds the Capti ID (email or username)
// and unique_id, the sync key.
func (Format) CheckLayout(l *format.Layout) error {
	names := l.Names()
	has := func(n string) bool { return slices.Contains(names, n) }
	if !has(ColEmail) && !has(ColUsername) {
		return errors.New("a capti layout needs an email or a username column, the Capti ID (names are lower case)")
	}
	if !has(ColUniqueID) {
		return errors.New("a capti layout needs the unique_id column (the sync key)")
	}
	return nil
}
