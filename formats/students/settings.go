package students

import (
	"errors"
	"slices"

	"github.com/rostersync/rostersync/pkg/format"
)

// Site is one row of a site map: a district site ID and its school's name.
type Site struct {
	ID, Name string
}

// Settings are the students.csv format's own settings: the flags --google-sso,
// --passwords-are-dates, --site-map and --student-id, and a profile's students: section
// (passwords_are_dates, site_map, google_sso, student_id). Read and Write find them with
// format.SettingsOf.
type Settings struct {
	PasswordsAreDates bool   `yaml:"passwords_are_dates,omitempty"`
	SiteMap           string `yaml:"site_map,omitempty"` // the site map's path (also how messages name it)
	GoogleSSO         bool   `yaml:"google_sso,omitempty"`
	StudentID         string `yaml:"student_id,omitempty"` // "identifier" (default) or "sourcedId": what STUDENT_ID holds from OneRoster
	// Sites is the site map loaded from SiteMap by Value; nil: no site map given, no check.
	Sites []Site `yaml:"-"`
}

var (
	_ format.Configurable = Format{}
	_ format.Settings     = (*Settings)(nil)
	_ format.FlagValuer   = (*Settings)(nil)
)

// NewSettings returns the defaults.
func (Format) NewSettings() format.Settings { return &Settings{} }

// AddFlags declares the students.csv flags. --google-sso, --passwords-are-dates and
// --site-map change how a file is checked and what is written; --student-id changes what
// STUDENT_ID is written from and so which field diff pairs users on (the reader always reads
// STUDENT_ID as the student number).
func (s *Settings) AddFlags(fs *format.FlagSet) {
	both := format.Reading | format.Writing
	fs.BoolVar(&s.GoogleSSO, "google-sso", both, "students: students sign in with Google (EMAIL required, PASSWORD not)")
	fs.BoolVar(&s.PasswordsAreDates, "passwords-are-dates", both, "students: PASSWORD is a date, written M/D/YYYY")
	fs.StringVar(&s.SiteMap, "site-map", both, "students: .csv or .xlsx with SITE_ID,SITE_NAME; every SITE_ID must be in it")
	fs.StringVar(&s.StudentID, "student-id", format.Writing|format.Matching, "students: what STUDENT_ID holds from OneRoster, identifier or sourcedId")
}

// idChoice is --student-id and a profile's students.student_id.
var idChoice = format.Choice{Flag: "student-id", Key: "students.student_id", Values: []string{"identifier", "sourcedId"}}

// FlagValues lists the values --student-id takes, for shell completion.
func (s *Settings) FlagValues() map[string][]string { return idChoice.FlagValues() }

// Configured checks a profile's students: section: student_id ignores case there, and
// site_map is a path from the config file's folder.
func (s *Settings) Configured(resolve func(string) string) error {
	var err error
	if s.StudentID, err = idChoice.Configured(s.StudentID); err != nil {
		return err
	}
	if s.SiteMap != "" {
		s.SiteMap = resolve(s.SiteMap)
	}
	return nil
}

// Value checks --student-id, loads the site map named and returns the settings as a
// Settings value.
func (s *Settings) Value() (any, error) {
	if err := idChoice.Check(s.StudentID); err != nil {
		return nil, err
	}
	v := *s
	if s.SiteMap != "" {
		sites, err := LoadSiteMap(s.SiteMap)
		if err != nil {
			return nil, err
		}
		v.Sites = sites
	}
	return v, nil
}

// settingsOf returns the students.csv settings of opts (the defaults when none were given).
func settingsOf(opts format.Options) Settings { return format.SettingsOf[Settings](opts, Name) }

// CheckLayout checks that a config file's students layout holds STUDENT_ID.
func (Format) CheckLayout(l *format.Layout) error {
	if !slices.Contains(l.Names(), ColStudentID) {
		return errors.New("a students layout needs the STUDENT_ID column (names are upper case)")
	}
	return nil
}
