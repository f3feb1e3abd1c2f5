package sds

import (
	"fmt"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/value"
)

// Settings are the SDS format's own settings: the flag --sds-domain and a profile's sds:
// section (domain). Write finds them with format.SettingsOf.
type Settings struct {
	// Domain is appended to a username that has no domain when writing, if the user has no
	// e-mail address to take instead: "school.org" makes "jcraig" jcraig@school.org.
	Domain string `yaml:"domain"`
}

var (
	_ format.Configurable = Format{}
	_ format.Settings     = (*Settings)(nil)
)

// NewSettings returns the defaults: no domain.
func (Format) NewSettings() format.Settings { return &Settings{} }

// AddFlags declares --sds-domain, which changes only what is written.
func (s *Settings) AddFlags(fs *format.FlagSet) {
	fs.StringVar(&s.Domain, "sds-domain", format.Writing, "sds: the domain written after a username without one, when the user has no e-mail")
}

// Configured checks a profile's sds: section.
func (s *Settings) Configured(func(string) string) error {
	if err := checkDomain(s.Domain); err != nil {
		return fmt.Errorf("sds.domain %q: %w", s.Domain, err)
	}
	return nil
}

// Value checks --sds-domain and returns the settings as a Settings value.
func (s *Settings) Value() (any, error) {
	if err := checkDomain(s.Domain); err != nil {
		return nil, &format.SettingError{Err: fmt.Errorf("--sds-domain %q: %w", s.Domain, err), Hint: "give a domain such as school.org"}
	}
	return Settings{Domain: strings.TrimPrefix(strings.TrimSpace(s.Domain), "@")}, nil
}

// checkDomain refuses a domain that cannot follow a username's @: one that makes no address
// the SDS check accepts (no dot, as in "lincolnsd" or a YAML number, would have every user it
// is written for refused by the output's check).
func checkDomain(d string) error {
	d = strings.TrimPrefix(strings.TrimSpace(d), "@")
	if d == "" {
		return nil // no domain: the default
	}
	if strings.ContainsAny(d, "@ \t,;<>\"") {
		return fmt.Errorf("a domain holds no @, spaces or punctuation")
	}
	if why := value.EmailProblem("name@" + d); why != "" {
		return fmt.Errorf("name@%s %s: SDS usernames are sign-ins such as name@school.org", d, why)
	}
	return nil
}

// settingsOf returns the SDS settings of opts (the defaults when none were given).
func settingsOf(opts format.Options) Settings { return format.SettingsOf[Settings](opts, Name) }
