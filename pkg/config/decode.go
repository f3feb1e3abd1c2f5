package config

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/suggest"
	"github.com/rostersync/rostersync/pkg/transport/sftpurl"
)

// fileConfig is the file's schema. Its yaml tags are the only keys accepted.
type fileConfig struct {
	Layouts  map[string]*fileLayout  `yaml:"layouts"`
	Profiles map[string]*fileProfile `yaml:"profiles"`
}

type fileLayout struct {
	Format  string       `yaml:"format"`
	Columns []fileColumn `yaml:"columns"`
}

type fileColumn struct {
	Name     string `yaml:"name"`
	Required bool   `yaml:"required"`
}

type fileProfile struct {
	Source      string   `yaml:"source"`
	From        string   `yaml:"from"`
	To          string   `yaml:"to"`
	Format      string   `yaml:"format"`
	Destination string   `yaml:"destination"`
	FileName    string   `yaml:"file_name"`
	Files       []string `yaml:"files"`
	Newest      bool     `yaml:"newest"`
	MaxAge      string   `yaml:"max_age"`
	Zip         bool     `yaml:"zip"`
	Archive     bool     `yaml:"archive"`
	Layout      string   `yaml:"layout"`
	Vendor      string   `yaml:"vendor"`
	Org         string   `yaml:"org"`
	Role        string   `yaml:"role"`

	User           string    `yaml:"user"`
	Password       string    `yaml:"password"`
	PasswordEnv    string    `yaml:"password_env"`
	PasswordFile   string    `yaml:"password_file"`
	IdentityFile   string    `yaml:"identity_file"`
	Passphrase     string    `yaml:"passphrase"`
	PassphraseEnv  string    `yaml:"passphrase_env"`
	PassphraseFile string    `yaml:"passphrase_file"`
	Agent          bool      `yaml:"agent"`
	KnownHosts     string    `yaml:"known_hosts"`
	Timeout        string    `yaml:"timeout"`
	Retries        *int      `yaml:"retries"`
	StateDir       string    `yaml:"state_dir"`
	Guard          fileGuard `yaml:"guard"`

	Collect     string `yaml:"collect"`
	CollectFrom string `yaml:"collect_from"`
	OnSuccess   string `yaml:"on_success"`
	OnFailure   string `yaml:"on_failure"`
	Report      string `yaml:"report"`

	// Sections are the formats' own sections (capti:, students: …), decoded by the formats
	// (format.Configurable); checkKeys accepts only the registered ones.
	Sections map[string]yaml.Node `yaml:",inline"`
}

// sectionTypes maps the name of each format with settings of its own to its settings' type,
// whose yaml tags are the keys of its profile section.
func sectionTypes(reg *format.Registry) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reg.Formats() {
		if c, ok := f.(format.Configurable); ok {
			out[f.Name()] = reflect.TypeOf(c.NewSettings())
		}
	}
	return out
}

// fileGuard is a profile's guard: block. The limits at its top apply to every guarded kind;
// users:, enrollments: and classes: override them for one kind.
type fileGuard struct {
	MinRows     *int `yaml:"min_rows"`
	fileLimits  `yaml:",inline"`
	Users       *fileLimits `yaml:"users"`
	Enrollments *fileLimits `yaml:"enrollments"`
	Classes     *fileLimits `yaml:"classes"`
}

// fileLimits are one kind's limits in a guard: block, as the file gives them and as config
// show prints them (a limit not set left out).
type fileLimits struct {
	MaxRemovedPercent *float64 `yaml:"max_removed_percent,omitempty"`
	MaxRemoved        *int     `yaml:"max_removed,omitempty"`
	MaxAddedPercent   *float64 `yaml:"max_added_percent,omitempty"`
	MaxAdded          *int     `yaml:"max_added,omitempty"`
	MaxChangedPercent *float64 `yaml:"max_changed_percent,omitempty"`
	MaxChanged        *int     `yaml:"max_changed,omitempty"`
}

// policy applies the block to guard.Default(): the top-level limits to every kind, then each
// kind's own.
func (g *fileGuard) policy() (guard.Policy, error) {
	p := guard.Default()
	if g.MinRows != nil {
		if *g.MinRows < 0 {
			return p, errors.New("guard.min_rows must be 0 or more")
		}
		p.MinRows = *g.MinRows
	}
	top := g.fileLimits
	for _, k := range guard.Guarded {
		l := p.Limits[k]
		if err := top.apply(&l, "guard."); err != nil {
			return p, err
		}
		own := map[roster.Kind]*fileLimits{roster.UserKind: g.Users, roster.EnrollmentKind: g.Enrollments, roster.ClassKind: g.Classes}[k]
		if own != nil {
			if err := own.apply(&l, "guard."+string(k)+"."); err != nil {
				return p, err
			}
		}
		p.Limits[k] = l
	}
	return p, nil
}

// apply sets the limits the block gives on l, checking each (prefix names the key in errors).
func (f *fileLimits) apply(l *guard.Limits, prefix string) error {
	pct := func(name string, v *float64, dst *float64) error {
		if v == nil {
			return nil
		}
		if *v < 0 || *v > 100 || *v != *v {
			return fmt.Errorf("%s%s %v: use a number from 0 to 100", prefix, name, *v)
		}
		*dst = *v
		return nil
	}
	count := func(name string, v *int, dst *int) error {
		if v == nil {
			return nil
		}
		if *v < 0 {
			return fmt.Errorf("%s%s %d: use 0 or more", prefix, name, *v)
		}
		*dst = *v
		return nil
	}
	return errors.Join(
		pct("max_removed_percent", f.MaxRemovedPercent, &l.MaxRemovedPercent),
		count("max_removed", f.MaxRemoved, &l.MaxRemoved),
		pct("max_added_percent", f.MaxAddedPercent, &l.MaxAddedPercent),
		count("max_added", f.MaxAdded, &l.MaxAdded),
		pct("max_changed_percent", f.MaxChangedPercent, &l.MaxChangedPercent),
		count("max_changed", f.MaxChanged, &l.MaxChanged),
	)
}

// decode parses data strictly: unknown keys are errors naming the key path. sections are the
// formats' profile sections and their settings' types.
func decode(file string, data []byte, sections map[string]reflect.Type) (*fileConfig, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrConfig, file, yamlMessage(err))
	}
	raw := &fileConfig{}
	if len(doc.Content) == 0 { // an empty file
		return raw, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return raw, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: %s:%d: the file must be a mapping with layouts: and profiles:", ErrConfig, file, root.Line)
	}
	var unknown []unknownKey
	kc := keyChecker{sections: sections, out: &unknown}
	kc.check(root, reflect.TypeFor[fileConfig](), "", 0)
	if len(unknown) > 0 {
		u := unknown[0]
		more := ""
		if len(unknown) > 1 {
			more = fmt.Sprintf(" (and %d more unknown keys)", len(unknown)-1)
		}
		return nil, fmt.Errorf("%w: %s:%d: unknown key %q%s%s", ErrConfig, file, u.line, u.path, u.hint, more)
	}
	if err := root.Decode(raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrConfig, file, yamlMessage(err))
	}
	return raw, nil
}

// yamlMessage flattens a yaml error to one line.
func yamlMessage(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n  ")
	return strings.ReplaceAll(s, "\n  ", "; ")
}

type unknownKey struct {
	path string
	line int
	hint string
}

// keyChecker walks a document against its schema and records every unknown key in out. A
// profile's keys are fileProfile's and the format sections'.
type keyChecker struct {
	sections map[string]reflect.Type
	out      *[]unknownKey
}

// check walks n against the schema type t and records every mapping key t does not have.
func (kc keyChecker) check(n *yaml.Node, t reflect.Type, path string, depth int) {
	out := kc.out
	if n == nil || depth > 32 {
		return
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil && depth < 32 {
		n = n.Alias
		depth++
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // a type error, reported by Decode
		}
		fields := structKeys(t)
		if t == reflect.TypeFor[fileProfile]() {
			maps.Copy(fields, kc.sections)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				kc.merge(v, t, path, depth+1)
				continue
			}
			ft, ok := fields[k.Value]
			if !ok {
				*out = append(*out, unknownKey{path: join(path, k.Value), line: k.Line, hint: keyHint(k.Value, fields)})
				continue
			}
			kc.check(v, ft, join(path, k.Value), depth+1)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				kc.merge(v, t, path, depth+1)
				continue
			}
			kc.check(v, t.Elem(), join(path, k.Value), depth+1)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			kc.check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	}
}

// merge checks the mappings merged in by a "<<" key.
func (kc keyChecker) merge(v *yaml.Node, t reflect.Type, path string, depth int) {
	if v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			kc.check(item, t, path, depth)
		}
		return
	}
	kc.check(v, t, path, depth)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// structKeys maps a schema struct's yaml keys to their types.
func structKeys(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" && opts == "inline" {
			if f.Type.Kind() == reflect.Struct { // an inline map holds the keys checked elsewhere
				maps.Copy(m, structKeys(f.Type))
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		m[name] = f.Type
	}
	return m
}

// keyHint suggests a known key for an unknown one.
func keyHint(key string, fields map[string]reflect.Type) string {
	names := mapKeys(fields)
	if s := suggestion(key, names); s != "" {
		return s
	}
	if len(names) <= 6 {
		return " (known keys: " + strings.Join(names, ", ") + ")"
	}
	return ""
}

// suggestion returns ` (did you mean "x"?)` for the known name closest to s (suggest.Closest),
// or "".
func suggestion(s string, known []string) string {
	best := suggest.Closest(s, known)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// hasSecret reports whether any profile keeps a password or passphrase in the file.
func (c *fileConfig) hasSecret() bool {
	for _, p := range c.Profiles {
		if p != nil && (p.Password != "" || p.Passphrase != "") {
			return true
		}
	}
	return false
}

// layout checks a layout and converts it. Its format must be one of reg whose column layout a
// config file can replace (format.LayoutChecker), which checks its columns.
func (l *fileLayout) layout(name string, reg *format.Registry) (format.Layout, error) {
	if l == nil {
		return format.Layout{}, errors.New("empty layout: give format and columns")
	}
	var names []string
	for _, f := range reg.Formats() {
		if _, ok := f.(format.LayoutChecker); ok {
			names = append(names, f.Name())
		}
	}
	slices.Sort(names)
	f := strings.ToLower(strings.TrimSpace(l.Format))
	switch {
	case slices.Contains(names, f):
	case f == "":
		return format.Layout{}, fmt.Errorf("format is missing (%s)", strings.Join(names, " or "))
	default:
		return format.Layout{}, fmt.Errorf("format %q has no column layout (use %s)", l.Format, strings.Join(names, " or "))
	}
	if len(l.Columns) == 0 {
		return format.Layout{}, errors.New("columns is empty")
	}
	out := format.Layout{Name: name, Format: f, Columns: make([]format.Column, len(l.Columns))}
	seen := map[string]int{}
	for i, c := range l.Columns {
		n := strings.TrimSpace(c.Name)
		if n == "" {
			return format.Layout{}, fmt.Errorf("columns[%d]: name is empty", i)
		}
		if j, dup := seen[strings.ToLower(n)]; dup {
			return format.Layout{}, fmt.Errorf("columns[%d]: column %q repeats columns[%d]", i, n, j)
		}
		seen[strings.ToLower(n)] = i
		out.Columns[i] = format.Column{Name: n, Required: c.Required}
	}
	ft, err := reg.Lookup(f)
	if err != nil {
		return format.Layout{}, err
	}
	if err := ft.(format.LayoutChecker).CheckLayout(&out); err != nil {
		return format.Layout{}, err
	}
	return out, nil
}

// profile checks a profile, resolves its paths from dir and applies defaults.
func (fp *fileProfile) profile(name, dir, home string, reg *format.Registry) (*Profile, error) {
	if fp == nil {
		fp = &fileProfile{}
	}
	p := &Profile{
		Name:           name,
		From:           strings.ToLower(strings.TrimSpace(fp.From)),
		To:             strings.ToLower(strings.TrimSpace(fp.To)),
		Format:         strings.ToLower(strings.TrimSpace(fp.Format)),
		FileName:       fp.FileName,
		Files:          fp.Files,
		Newest:         fp.Newest,
		Zip:            fp.Zip,
		Archive:        fp.Archive,
		Layout:         strings.ToLower(strings.TrimSpace(fp.Layout)),
		Vendor:         fp.Vendor,
		Org:            fp.Org,
		Role:           fp.Role,
		User:           fp.User,
		Password:       fp.Password,
		PasswordEnv:    fp.PasswordEnv,
		Passphrase:     fp.Passphrase,
		PassphraseEnv:  fp.PassphraseEnv,
		Agent:          fp.Agent,
		CollectFrom:    fp.CollectFrom,
		OnSuccess:      fp.OnSuccess,
		OnFailure:      fp.OnFailure,
		Timeout:        DefaultTimeout,
		Retries:        DefaultRetries,
		PasswordFile:   resolvePath(fp.PasswordFile, dir, home),
		PassphraseFile: resolvePath(fp.PassphraseFile, dir, home),
		IdentityFile:   resolvePath(fp.IdentityFile, dir, home),
		KnownHosts:     resolvePath(fp.KnownHosts, dir, home),
		StateDir:       resolvePath(fp.StateDir, dir, home),
		Collect:        resolvePath(fp.Collect, dir, home),
		sections:       map[string]*yaml.Node{},
		dir:            dir,
		home:           home,
		Report:         resolvePath(fp.Report, dir, home),
	}
	var err error
	if p.Source, err = location("source", fp.Source, dir, home); err != nil {
		return nil, err
	}
	if p.Destination, err = location("destination", fp.Destination, dir, home); err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(fp.Sections)) {
		f, err := reg.Lookup(key)
		c, ok := f.(format.Configurable)
		if err != nil || !ok {
			return nil, fmt.Errorf("unknown key %q", key) // checkKeys reports it first
		}
		n := fp.Sections[key]
		p.sections[key] = &n
		if _, err := p.DecodeSettings(key, c.NewSettings()); err != nil {
			return nil, err
		}
	}
	if p.MaxAge, err = duration("max_age", fp.MaxAge); err != nil {
		return nil, err
	}
	if fp.Timeout != "" {
		if p.Timeout, err = duration("timeout", fp.Timeout); err != nil {
			return nil, err
		}
		if p.Timeout == 0 {
			return nil, errors.New("timeout must be more than 0")
		}
	}
	if fp.Retries != nil {
		if *fp.Retries < 0 {
			return nil, errors.New("retries must be 0 or more")
		}
		p.Retries = *fp.Retries
	}
	if p.Guard, err = fp.Guard.policy(); err != nil {
		return nil, err
	}
	if n := count(p.Password != "", p.PasswordEnv != "", p.PasswordFile != ""); n > 1 {
		return nil, errors.New("give only one of password, password_env and password_file")
	}
	if n := count(p.Passphrase != "", p.PassphraseEnv != "", p.PassphraseFile != ""); n > 1 {
		return nil, errors.New("give only one of passphrase, passphrase_env and passphrase_file")
	}
	return p, nil
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// location checks a source or destination: an sftp:// URL is kept as is (a password in it is
// refused), a local path is resolved from dir.
func location(key, v, dir, home string) (string, error) {
	if v == "" || v == "-" {
		return v, nil
	}
	if !sftpurl.Is(v) {
		return resolvePath(v, dir, home), nil
	}
	if sftpurl.HasPassword(v) { // before parsing: an error must not repeat any of it
		return "", fmt.Errorf("%s: a password in the URL is refused; use password_env, password_file or an identity_file", key)
	}
	if _, err := sftpurl.Parse(v); err != nil {
		// The reason never repeats the URL, which may hold a secret.
		return "", fmt.Errorf("%s is not a valid sftp:// URL (%v)", key, err)
	}
	return v, nil
}

// duration parses a Go duration ("90m", "26h") or a whole number of days ("2d").
func duration(key, s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n >= 0 && n <= 36500 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q: use a duration such as 30s, 90m, 26h or 2d", key, s)
	}
	return d, nil
}
