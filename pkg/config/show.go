package config

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Redacted is what Show prints in place of a secret.
const Redacted = "***"

type showConfig struct {
	File     string                `yaml:"file"`
	Warnings []string              `yaml:"warnings,omitempty"`
	Layouts  map[string]showLayout `yaml:"layouts,omitempty"`
	Profiles map[string]*yaml.Node `yaml:"profiles"`
}

type showLayout struct {
	Format  string       `yaml:"format"`
	Columns []showColumn `yaml:"columns,flow"`
}

type showColumn struct {
	Name     string `yaml:"name"`
	Required bool   `yaml:"required,omitempty"`
}

type showProfile struct {
	Source string `yaml:"source,omitempty"`
	From   string `yaml:"from,omitempty"`
	To     string `yaml:"to,omitempty"`
	Format string `yaml:"format,omitempty"`
	Layout string `yaml:"layout,omitempty"`
	// The formats' own sections (capti:, students: …) follow layout (showOf).
	Vendor      string   `yaml:"vendor,omitempty"`
	Org         string   `yaml:"org,omitempty"`
	Role        string   `yaml:"role,omitempty"`
	Files       []string `yaml:"files,omitempty,flow"`
	Newest      bool     `yaml:"newest,omitempty"`
	MaxAge      string   `yaml:"max_age,omitempty"`
	Destination string   `yaml:"destination,omitempty"`
	FileName    string   `yaml:"file_name,omitempty"`
	Zip         bool     `yaml:"zip,omitempty"`
	Archive     bool     `yaml:"archive,omitempty"`

	User           string `yaml:"user,omitempty"`
	Password       string `yaml:"password,omitempty"`
	PasswordEnv    string `yaml:"password_env,omitempty"`
	PasswordFile   string `yaml:"password_file,omitempty"`
	IdentityFile   string `yaml:"identity_file,omitempty"`
	Passphrase     string `yaml:"passphrase,omitempty"`
	PassphraseEnv  string `yaml:"passphrase_env,omitempty"`
	PassphraseFile string `yaml:"passphrase_file,omitempty"`
	Agent          bool   `yaml:"agent,omitempty"`
	KnownHosts     string `yaml:"known_hosts,omitempty"`
	Timeout        string `yaml:"timeout"`
	Retries        int    `yaml:"retries"`
	StateDir       string `yaml:"state_dir,omitempty"`

	Guard showGuard `yaml:"guard"`

	Collect     string `yaml:"collect,omitempty"`
	CollectFrom string `yaml:"collect_from,omitempty"`
	OnSuccess   string `yaml:"on_success,omitempty"`
	OnFailure   string `yaml:"on_failure,omitempty"`
	Report      string `yaml:"report,omitempty"`
}

// showGuard is the effective guard: min_rows, then each guarded kind's limits (limits not set
// are left out).
type showGuard struct {
	MinRows     int         `yaml:"min_rows"`
	Classes     *fileLimits `yaml:"classes,flow"`
	Users       *fileLimits `yaml:"users,flow"`
	Enrollments *fileLimits `yaml:"enrollments,flow"`
}

func showGuardOf(g Guard) showGuard {
	lim := func(k roster.Kind) *fileLimits {
		l := g.For(k)
		pct := func(v float64) *float64 {
			if v < 0 {
				return nil
			}
			return &v
		}
		n := func(v int) *int {
			if v < 0 {
				return nil
			}
			return &v
		}
		return &fileLimits{pct(l.MaxRemovedPercent), n(l.MaxRemoved), pct(l.MaxAddedPercent), n(l.MaxAdded),
			pct(l.MaxChangedPercent), n(l.MaxChanged)}
	}
	rows := g.MinRows
	if rows <= 0 {
		rows = guard.DefaultMinRows
	}
	return showGuard{MinRows: rows, Classes: lim(roster.ClassKind), Users: lim(roster.UserKind), Enrollments: lim(roster.EnrollmentKind)}
}

// Show prints the effective configuration as YAML: the file read, warnings, layouts and
// profiles with paths resolved and defaults applied. Secrets (password, passphrase) print as
// "***"; the names of environment variables and files that hold secrets are shown. With
// profile != "", only that profile (and no layout but its own) is shown.
func Show(w io.Writer, c *Config, profile string) error {
	out := showConfig{File: c.File, Warnings: c.Warnings, Profiles: map[string]*yaml.Node{}}
	if c.File == "" {
		out.File = "(none: looked for " + strings.Join(c.Searched, ", ") + ")"
	}
	layouts := c.Layouts
	profiles := c.Profiles
	if profile != "" {
		p, err := c.Profile(profile)
		if err != nil {
			return err
		}
		profiles = map[string]*Profile{p.Name: p}
		layouts = nil
		if l, ok := c.Layouts[p.Layout]; ok {
			layouts = map[string]format.Layout{p.Layout: l}
		}
	}
	if len(layouts) > 0 {
		out.Layouts = map[string]showLayout{}
		for name, l := range layouts {
			sl := showLayout{Format: l.Format}
			for _, col := range l.Columns {
				sl.Columns = append(sl.Columns, showColumn(col))
			}
			out.Layouts[name] = sl
		}
	}
	for name, p := range profiles {
		n, err := showOf(p, c.formats)
		if err != nil {
			return fmt.Errorf("show configuration: %w", err)
		}
		out.Profiles[name] = n
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("show configuration: %w", err)
	}
	return enc.Close()
}

// showOf is a profile as Show prints it: its keys in the file's order, the formats' sections
// (in name order, each on one line) after layout.
func showOf(p *Profile, reg *format.Registry) (*yaml.Node, error) {
	s := &showProfile{
		Source: p.Source, From: p.From, To: p.To, Format: p.Format, Layout: p.Layout,
		Vendor: p.Vendor, Org: p.Org, Role: p.Role, Files: p.Files, Newest: p.Newest,
		MaxAge: durationString(p.MaxAge), Destination: p.Destination, FileName: p.FileName,
		Zip: p.Zip, Archive: p.Archive, User: p.User,
		PasswordEnv: p.PasswordEnv, PasswordFile: p.PasswordFile, IdentityFile: p.IdentityFile,
		PassphraseEnv: p.PassphraseEnv, PassphraseFile: p.PassphraseFile, Agent: p.Agent,
		KnownHosts: p.KnownHosts, Timeout: durationString(p.Timeout), Retries: p.Retries,
		StateDir: p.StateDir,
		Guard:    showGuardOf(p.Guard),
		Collect:  p.Collect, CollectFrom: p.CollectFrom, OnSuccess: p.OnSuccess, OnFailure: p.OnFailure,
		Report: p.Report,
	}
	if p.Password != "" {
		s.Password = Redacted
	}
	if p.Passphrase != "" {
		s.Passphrase = Redacted
	}
	var n yaml.Node
	if err := n.Encode(s); err != nil {
		return nil, err
	}
	at := 0 // after source, from, to, format and layout
	for at+1 < len(n.Content) && slices.Contains([]string{"source", "from", "to", "format", "layout"}, n.Content[at].Value) {
		at += 2
	}
	var sections []*yaml.Node
	for _, name := range slices.Sorted(maps.Keys(p.sections)) {
		f, err := reg.Lookup(name)
		c, ok := f.(format.Configurable)
		if err != nil || !ok {
			continue
		}
		st := c.NewSettings()
		if _, err := p.DecodeSettings(name, st); err != nil {
			return nil, err
		}
		if reflect.Indirect(reflect.ValueOf(st)).IsZero() {
			continue // nothing set: as if left out
		}
		var v yaml.Node
		if err := v.Encode(st); err != nil {
			return nil, err
		}
		v.Style = yaml.FlowStyle
		sections = append(sections, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, &v)
	}
	n.Content = slices.Insert(n.Content, at, sections...)
	return &n, nil
}

// durationString prints d without trailing zero units ("26h", not "26h0m0s").
func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
