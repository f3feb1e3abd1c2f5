// Package config reads rostersync's configuration file (SPEC §4): column layouts and named
// jobs ("profiles"). The file is decoded strictly: an unknown key is an error naming the key
// path, so a typo in a guard setting can never silently weaken it. Relative paths resolve from
// the file's folder, and a file that holds a secret or can be changed by others is refused.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
)

// ErrConfig wraps every configuration error. Its class is errclass.Setup (exit 2), whatever
// wraps it.
var ErrConfig = errclass.Sentinel(errclass.Setup, "configuration error")

// Defaults applied to profile keys left out of the file.
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 3
)

// EnvConfig names the environment variable that points at the config file.
const EnvConfig = "ROSTERSYNC_CONFIG"

// LoadOptions say where Load looks for the config file.
type LoadOptions struct {
	// Path is the --config flag ("" if not given). A named file must exist.
	Path string
	// Getenv reads the environment (os.Getenv if nil); it supplies ROSTERSYNC_CONFIG.
	Getenv func(string) string
	// WorkDir is the folder searched for rostersync.yaml and the base of a relative Path
	// (the process's working directory if "").
	WorkDir string
	// UserConfigDir is the user's configuration folder, searched for rostersync/config.yaml
	// (os.UserConfigDir if "").
	UserConfigDir string
	// HomeDir replaces "~/" in paths (os.UserHomeDir if "").
	HomeDir string
	// Formats are the formats whose sections a profile may hold (format.Configurable, keyed
	// by format name) and whose layouts the file may define (format.LayoutChecker).
	Formats *format.Registry
}

// Config is the decoded configuration file.
type Config struct {
	// File is the absolute path of the file read, "" if none was found.
	File string
	// Layouts are the column layouts by lower-case name.
	Layouts map[string]format.Layout
	// Profiles are the jobs by lower-case name (profile names are case-insensitive).
	Profiles map[string]*Profile
	// Warnings are things the user should know (checks skipped on this system).
	Warnings []string
	// Searched lists the files looked for when none was found.
	Searched []string

	formats *format.Registry
}

// Profile is one named job of the config file.
type Profile struct {
	Name string // lower-case

	Source string // a local path (absolute after Load) or an sftp:// URL
	From   string // the source format ("" detects it)
	To     string // the target format of a conversion
	Format string // the format to validate against

	Destination string // a local folder or an sftp:// URL (absolute after Load when local)
	FileName    string // overrides the format's output file name
	Files       []string
	Newest      bool
	MaxAge      time.Duration // 0: no limit
	Zip         bool
	Archive     bool
	Layout      string // the name of a layout of the config file (lower-case)

	Vendor string
	Org    string
	Role   string

	User           string
	Password       string // a secret kept in the file (which must then be private); never print it
	PasswordEnv    string
	PasswordFile   string
	IdentityFile   string
	Passphrase     string // a secret kept in the file; never print it
	PassphraseEnv  string
	PassphraseFile string
	Agent          bool
	KnownHosts     string
	Timeout        time.Duration
	Retries        int
	StateDir       string

	Guard Guard

	Collect     string // local folder for the vendor's result files
	CollectFrom string // remote folder they are fetched from, e.g. log/
	OnSuccess   string
	OnFailure   string

	// sections are the formats' own sections (capti:, students: …) by format name, checked
	// at Load and decoded by DecodeSettings; dir and home resolve their paths.
	sections  map[string]*yaml.Node
	dir, home string
	// Report is where push and sync write the run's HTML report (absolute after Load; a copy
	// goes beside the run record); "" for none.
	Report string
}

// DecodeSettings decodes the profile's section of the format called name into s and lets the
// format resolve and check it (format.Settings.Configured). It reports whether the profile
// has that section.
func (p *Profile) DecodeSettings(name string, s format.Settings) (bool, error) {
	n := p.sections[name]
	if n == nil {
		return false, nil
	}
	if err := n.Decode(s); err != nil {
		return true, fmt.Errorf("%s: %s", name, yamlMessage(err))
	}
	return true, s.Configured(func(path string) string { return resolvePath(path, p.dir, p.home) })
}

// Guard is the shrink guard of a profile's uploads: guard.Default() with what the file's
// guard: block sets.
type Guard = guard.Policy

// Load finds, reads and checks the config file. Resolution: opts.Path, else ROSTERSYNC_CONFIG,
// else rostersync.yaml in the working directory, else rostersync/config.yaml in the user config
// dir, else no file (an empty Config, not an error). A file named by the flag or the
// environment must exist.
func Load(opts LoadOptions) (*Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	wd := opts.WorkDir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("%w: working directory: %w", ErrConfig, err)
		}
	}
	home := opts.HomeDir
	if home == "" {
		home, _ = os.UserHomeDir()
	}

	explicit, how := opts.Path, "--config"
	if explicit == "" {
		explicit, how = getenv(EnvConfig), EnvConfig
	}
	c := &Config{Layouts: map[string]format.Layout{}, Profiles: map[string]*Profile{}, formats: opts.Formats}
	if c.formats == nil {
		c.formats = format.NewRegistry()
	}
	var path string
	mine := false // the implicit ./rostersync.yaml must be the user's own
	if explicit != "" {
		path = absFrom(wd, ExpandHome(explicit, home))
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("%w: config file %s (from %s): %w", ErrConfig, path, how, unwrapPath(err))
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%w: config file %s (from %s) is a folder", ErrConfig, path, how)
		}
	} else {
		candidates := []string{filepath.Join(wd, "rostersync.yaml")}
		ucd := opts.UserConfigDir
		if ucd == "" {
			ucd, _ = os.UserConfigDir()
		}
		if ucd != "" {
			candidates = append(candidates, filepath.Join(ucd, "rostersync", "config.yaml"))
		}
		for i, p := range candidates {
			st, err := os.Stat(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%w: config file %s: %w", ErrConfig, p, unwrapPath(err))
			}
			if st.IsDir() {
				return nil, fmt.Errorf("%w: config file %s is a folder", ErrConfig, p)
			}
			path, mine = p, i == 0
			break
		}
		if path == "" {
			c.Searched = candidates
			return c, nil
		}
	}
	c.File = path
	if err := load(c, path, home, mine); err != nil {
		return nil, err
	}
	return c, nil
}

func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// load reads and checks the file at path into c. mine: the file must be the user's own, not
// root's (it was found in the working directory).
func load(c *Config, path, home string, mine bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: open config file %s: %w", ErrConfig, path, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: config file %s: %w", ErrConfig, path, unwrapPath(err))
	}
	// Who may change it, before anything in it is believed (strict modes, secure.go).
	if err := CheckInfo(path, st, Trust{What: "config file", Mine: mine}); err != nil {
		if _, ok := errors.AsType[*InsecureError](err); ok {
			return err
		}
		return fmt.Errorf("%w: config file %s: %w", ErrConfig, path, unwrapPath(err))
	}
	const maxSize = 4 << 20
	if st.Size() > maxSize {
		return fmt.Errorf("%w: config file %s is larger than 4 MiB", ErrConfig, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return fmt.Errorf("%w: read config file %s: %w", ErrConfig, path, err)
	}
	raw, err := decode(path, data, sectionTypes(c.formats))
	if err != nil {
		return err
	}
	warn, err := checkMode(path, st.Mode(), raw.hasSecret())
	if err != nil {
		return err
	}
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	dir := filepath.Dir(path)
	for name, l := range raw.Layouts {
		key := strings.ToLower(name)
		if _, dup := c.Layouts[key]; dup {
			return fmt.Errorf("%w: %s: layout %q is defined twice (layout names ignore case)", ErrConfig, path, name)
		}
		lay, err := l.layout(key, c.formats)
		if err != nil {
			return fmt.Errorf("%w: %s: layouts.%s: %w", ErrConfig, path, name, err)
		}
		c.Layouts[key] = lay
	}
	for name, fp := range raw.Profiles {
		key := strings.ToLower(name)
		if strings.TrimSpace(key) == "" {
			return fmt.Errorf("%w: %s: a profile has an empty name", ErrConfig, path)
		}
		if _, dup := c.Profiles[key]; dup {
			return fmt.Errorf("%w: %s: profile %q is defined twice (profile names ignore case)", ErrConfig, path, name)
		}
		p, err := fp.profile(key, dir, home, c.formats)
		if err != nil {
			return fmt.Errorf("%w: %s: profiles.%s: %w", ErrConfig, path, name, err)
		}
		if err := c.checkLayout(p); err != nil {
			return fmt.Errorf("%w: %s: profiles.%s: %w", ErrConfig, path, name, err)
		}
		c.Profiles[key] = p
	}
	return nil
}

// checkLayout checks that a profile's layout exists and fits one of the profile's formats: a
// job that reads a Capti file with a customer layout and converts it to OneRoster uses a capti
// layout, as one that writes a Capti file does.
func (c *Config) checkLayout(p *Profile) error {
	if p.Layout == "" {
		return nil
	}
	l, ok := c.Layouts[p.Layout]
	if !ok {
		return fmt.Errorf("layout %q is not defined%s", p.Layout, suggestion(p.Layout, mapKeys(c.Layouts)))
	}
	formats := p.formats()
	if len(formats) == 0 {
		return fmt.Errorf("layout %q needs the profile's format: set to, from or format", p.Layout)
	}
	if !slices.Contains(formats, l.Format) {
		return fmt.Errorf("layout %q is for format %s, but the profile reads and writes %s", p.Layout, l.Format, strings.Join(formats, " and "))
	}
	return nil
}

// formats lists the formats a profile names (to, format, from), without repeats.
func (p *Profile) formats() []string {
	var out []string
	for _, f := range []string{p.To, p.Format, p.From} {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// ProfileNames lists the profile names, sorted (for shell completion).
func (c *Config) ProfileNames() []string {
	return mapKeys(c.Profiles)
}

// Profile returns the profile called name, ignoring case.
func (c *Config) Profile(name string) (*Profile, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if p, ok := c.Profiles[key]; ok {
		return p, nil
	}
	if c.File == "" {
		return nil, fmt.Errorf("%w: no profile %q: no config file found (looked for %s)", ErrConfig, name, strings.Join(c.Searched, ", "))
	}
	names := c.ProfileNames()
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: no profile %q: %s defines no profiles", ErrConfig, name, c.File)
	}
	return nil, fmt.Errorf("%w: no profile %q in %s%s (profiles: %s)", ErrConfig, name, c.File,
		suggestion(key, names), strings.Join(names, ", "))
}

// FormatOptions converts the profile's format settings to format.Options, with the profile's
// layout taken from layouts. The formats' own sections are not in them: the caller decodes
// them with DecodeSettings.
func (p *Profile) FormatOptions(layouts map[string]format.Layout) (format.Options, error) {
	o := format.Options{
		Vendor: p.Vendor,
		Org:    p.Org,
		Role:   p.Role,
		Zip:    p.Zip,
	}
	if p.Layout != "" {
		l, ok := layouts[strings.ToLower(p.Layout)]
		if !ok {
			return format.Options{}, fmt.Errorf("%w: profile %s: layout %q is not defined", ErrConfig, p.Name, p.Layout)
		}
		l.Columns = slices.Clone(l.Columns)
		o.Layout = &l
	}
	return o, nil
}

// ExpandHome replaces a leading "~/" (or a lone "~"; `~\` too on Windows) with home; with
// home "" it returns p unchanged. The one expansion of "~" for config files, flags and the
// transport's key and known_hosts paths.
func ExpandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") || (filepath.Separator == '\\' && strings.HasPrefix(p, `~\`)) {
		return filepath.Join(home, p[2:])
	}
	return p
}

// absFrom makes p absolute relative to dir.
func absFrom(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// resolvePath expands "~/" and makes a relative path absolute from dir.
func resolvePath(p, dir, home string) string {
	if p == "" {
		return ""
	}
	return absFrom(dir, ExpandHome(p, home))
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
