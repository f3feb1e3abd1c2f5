// Package format defines the contract every roster format implements (detect, read with
// positioned problems, write) and the explicit Registry that lists them. Formats read from an
// fs.FS, so one file, stdin, a directory and a zip look the same to them.
package format

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Format is one roster format: a plug-in that can detect, read and write.
type Format interface {
	// Name is the --format value, the registry key and the package name.
	Name() string
	// Detect sniffs file names and header rows, cheaply.
	Detect(fsys fs.FS) Match
	// Read reads fsys, sends each entity to sink as it is read and reports everything wrong with
	// the data to rep, with positions. The error is for input that cannot be read at all.
	Read(ctx context.Context, fsys fs.FS, opts Options, sink roster.Sink, rep roster.Reporter) (Info, error)
	// Write writes r to dst in this format, reporting to rep what the mapping drops (lossy) and
	// rows it cannot write (errors).
	Write(ctx context.Context, dst Dest, r *roster.Roster, opts Options, rep roster.Reporter) error
}

// Needs is an optional ability of a Format: the entity kinds its writer uses, so a converter
// keeps only those in memory.
type Needs interface {
	Needs() []roster.Kind
}

// RoleHolder is an optional ability of a Format whose files hold users of some roles only
// (students.csv: students): a diff against another format compares those roles alone.
type RoleHolder interface {
	Roles() []string
}

// Namer is an optional ability of a multi-file Format: the name a lone file (stdin, or a file
// named otherwise) is read under, from its name and header line. A reader of a package
// knows its files by name; a lone "export.csv" holding users is its users.csv.
type Namer interface {
	NameFor(name, header string) string
}

// Match says how well an input looks like a format.
type Match int

// Match levels, weakest first.
const (
	NoMatch     Match = iota
	NameMatch         // a file name the format uses, with a header that does not match exactly
	HeaderMatch       // a header row that matches the format
)

// Info describes what was read.
type Info struct {
	Format  string     `json:"format"`
	Version string     `json:"version"` // "" for single-file formats
	Files   []FileInfo `json:"files"`
}

// FileInfo counts the data rows of one file.
type FileInfo struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
	// Source is the file's name in the input when the format read it under Name (Users.csv
	// read as users.csv); "" when they are the same.
	Source string `json:"-"`
}

// Dest is where a writer puts its files. The caller publishes them atomically after Write
// returns without error, or discards them.
type Dest interface {
	// Create opens the named output file. Single-file formats call it once; the caller may
	// publish that file under another name (the DEST the user gave).
	Create(name string) (io.WriteCloser, error)
}

// Layout is a column layout for a single-file format: names, order, required flags and extra
// columns. Column layouts are data: a config file can replace a built-in one.
type Layout struct {
	Name    string   `json:"name" yaml:"name"`
	Format  string   `json:"format" yaml:"format"`
	Columns []Column `json:"columns" yaml:"columns"`
}

// Column is one column of a Layout.
type Column struct {
	Name     string `json:"name" yaml:"name"`
	Required bool   `json:"required,omitempty" yaml:"required"`
}

// Names returns the layout's column names in order.
func (l *Layout) Names() []string {
	out := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		out[i] = c.Name
	}
	return out
}

// Options carries every setting a format may use. Formats ignore what is not theirs.
type Options struct {
	// InputEncoding is "" (UTF-8) or "windows-1252" / "latin1", which are transcoded.
	InputEncoding string
	// Vendor selects a vendor rule set on top of the format's own rules (format.Vendors).
	Vendor string
	// Fix makes readers repair safe, common export damage, reporting each repair.
	Fix bool
	// Layout replaces the format's built-in column layout.
	Layout *Layout
	// Org names the school written when converting from a format without orgs.
	Org string
	// Role is the role given to users read from a format without roles (default student).
	Role string
	// Zip asks a multi-file writer for one .zip instead of separate files.
	Zip bool
	// Reread says the input was read and its problems reported before, as in diff's second
	// pass: a reader may skip the checks whose only outcome is a problem. It must send the
	// same entities as a checked read with the same options.
	Reread bool
	// Ragged makes a reader send a ragged row (more or fewer cells than the header) when its
	// key can still be told (RaggedRow), as diff asks: a damaged row is compared, not counted
	// as removed. Its problem is reported as always.
	Ragged bool
	// OnlyWanted lets a reader of a package leave unread the files whose entities its sink does
	// not want (roster.Selective) and that no file it reads refers to, as diff asks for the
	// entities it compares: those files' problems are not reported. Readers that ignore it read
	// every file.
	OnlyWanted bool

	// settings are the formats' own settings by format name (Settings.Value).
	settings map[string]any
}

// Settings returns the settings of the format called name (what its Settings.Value gave),
// or nil when there are none.
func (o Options) Settings(name string) any { return o.settings[name] }

// WithSettings returns o with v as the settings of the format called name. o is unchanged.
func (o Options) WithSettings(name string, v any) Options {
	m := make(map[string]any, len(o.settings)+1)
	maps.Copy(m, o.settings)
	m[name] = v
	o.settings = m
	return o
}

// SettingsOf returns the settings of the format called name as a T: the zero T (the format's
// defaults) when none were given.
func SettingsOf[T any](o Options, name string) T {
	v, _ := o.settings[name].(T)
	return v
}

// Configurable is an optional ability of a Format with settings of its own: its flags, its
// section of a config-file profile (keyed by its name) and what they load.
type Configurable interface {
	// NewSettings returns settings holding the defaults, ready to have flags bound and a
	// profile section decoded into them.
	NewSettings() Settings
}

// Settings are one run's settings of a Configurable format: a pointer to a struct whose yaml
// tags are the keys of the format's config-file section. Flags given on the command line win
// over the profile's section, which wins over the defaults.
type Settings interface {
	// AddFlags declares the format's flags on fs, bound to the settings, each with what it
	// changes (Use); each flag's default is its current value.
	AddFlags(fs *FlagSet)
	// Configured is called once the profile's section was decoded into the settings: it
	// resolves paths with resolve (from the config file's folder, ~ expanded), normalizes
	// values and checks them. Its error names the key (capti.id).
	Configured(resolve func(path string) string) error
	// Value checks the final settings and loads what they name (a site map); it returns what
	// the format's Read and Write find with SettingsOf. A bad value is a *SettingError; any
	// other error is a file that could not be loaded.
	Value() (any, error)
}

// FlagValuer is an optional ability of Settings: the values some of its flags take, for
// shell completion (--capti-id: email, username).
type FlagValuer interface {
	FlagValues() map[string][]string
}

// SettingError is a setting's value a format refuses, with a hint on what to give.
type SettingError struct {
	Err  error
	Hint string
}

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

// ErrorClass is errclass.Usage (exit 2): a setting's value is given on the command line or in
// a profile.
func (e *SettingError) ErrorClass() errclass.Class { return errclass.Usage }

// ErrorHints is the hint, if any.
func (e *SettingError) ErrorHints() []string {
	if e.Hint == "" {
		return nil
	}
	return []string{e.Hint}
}

// Vendors is an optional ability of a Format with vendor rule sets (--vendor): each name with
// what it adds, for help.
type Vendors interface {
	Vendors() []Vendor
}

// Vendor is one vendor rule set of a Format.
type Vendor struct {
	Name  string // the --vendor value
	About string // what the rules do, for help
}

// LayoutChecker is an optional ability of a single-file Format whose column layout a config
// file's layouts: can replace: it checks that a layout holds the columns the format cannot do
// without.
type LayoutChecker interface {
	CheckLayout(l *Layout) error
}

// ErrUnknownFormat is returned for a --format value no format has: errclass.Usage (exit 2).
var ErrUnknownFormat = errclass.Sentinel(errclass.Usage, "unknown format")

// ErrUndetected is returned when no format recognises the input: errclass.Local (exit 3).
var ErrUndetected = errclass.Sentinel(errclass.Local, "cannot tell the format of the input")

// Registry is the explicit list of formats, in precedence order.
type Registry struct {
	formats []Format
}

// NewRegistry returns a registry of fs in precedence order. It panics on a duplicate name,
// which is a programming error.
func NewRegistry(fs ...Format) *Registry {
	r := &Registry{}
	for _, f := range fs {
		if _, err := r.Lookup(f.Name()); err == nil {
			panic("format: duplicate format " + f.Name())
		}
		r.formats = append(r.formats, f)
	}
	return r
}

// Names lists the registered format names in precedence order.
func (r *Registry) Names() []string {
	out := make([]string, len(r.formats))
	for i, f := range r.formats {
		out[i] = f.Name()
	}
	return out
}

// Lookup returns the format called name.
func (r *Registry) Lookup(name string) (Format, error) {
	for _, f := range r.formats {
		if f.Name() == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownFormat, name, strings.Join(r.Names(), ", "))
}

// Detect returns the format that matches fsys best; a header match beats a name match, and
// registration order breaks ties.
func (r *Registry) Detect(fsys fs.FS) (Format, error) {
	var best Format
	bestMatch := NoMatch
	for _, f := range r.formats {
		if m := f.Detect(fsys); m > bestMatch {
			best, bestMatch = f, m
		}
	}
	if best == nil {
		return nil, ErrUndetected
	}
	return best, nil
}

// Formats returns the registered formats in precedence order.
func (r *Registry) Formats() []Format { return slices.Clone(r.formats) }

// Carrier is an optional ability of a Format: the canonical fields it carries per entity kind,
// named as OneRoster columns (givenName, email, grades …). A cross-format diff compares only the
// fields both sides carry. A format without it carries every field.
type Carrier interface {
	Carries() map[roster.Kind][]string
}

// OptionsCarrier is an optional ability of a Carrier whose fields depend on its options: a
// students.csv whose STUDENT_ID holds the sourcedId (--student-id sourcedId) carries no
// identifier. A cross-format diff asks it before Carries.
type OptionsCarrier interface {
	CarriesWith(opts Options) map[roster.Kind][]string
}

// OrgTyper is an optional ability of a Format: the org types (OneRoster's school, district …)
// its files hold. A cross-format diff compares only orgs of a type both formats hold, and leaves
// users' references to orgs of other types out on both sides. A format without it holds every
// type.
type OrgTyper interface {
	OrgTypes() []string
}

// RoleCarrier is an optional ability of a Format: per user role, the user fields it carries
// (Carrier) but does not hold for users of that role (Clever's staff.csv has no staff number).
// A cross-format diff does not compare them for users of that role.
type RoleCarrier interface {
	RoleOmits() map[string][]string
}

// UserKeyer is an optional ability of a Format: the canonical fields that identify a user
// and a school in it, with opts, when that is not sourcedId (students.csv's STUDENT_ID is the
// OneRoster identifier, or the sourcedId with --student-id sourcedId; its SITE_ID is the
// school's identifier). org is "" when schools are keyed by sourcedId.
type UserKeyer interface {
	UserKey(opts Options) (user, org string)
}

// RaggedMessage is the ragged-row problem's message for a record of cells cells under a header
// of width: advice, when not "", is the format's word on quoting ("Clever requires quotes
// around a value with a comma").
func RaggedMessage(cells, width int, advice string) string {
	if advice != "" {
		advice = " " + advice
	}
	return fmt.Sprintf("the row has %d cells, the header has %d: a comma inside an unquoted value?%s (the row is not read)", cells, width, advice)
}

// FitRagged returns a record whose cell count is not header's fitted to it (RaggedRow, with
// the secret columns SecretColumns finds in header blanked) when fit (Options.Ragged) and
// its key can be told; ok is false when the row is not read.
func FitRagged(rec, header []string, key int, fit bool) (out []string, ok bool) {
	if !fit {
		return rec, false
	}
	return RaggedRow(rec, len(header), key, SecretColumns(header)...)
}

// RaggedRow returns a ragged record cut or padded to width cells, when its key (the cell at
// key) can be told: the key is the first cell (only a comma inside it could move it), or every
// cell past the header is empty (a trailing comma: the cells are where the header says). ok is
// false when the key cannot be told.
//
// secret are the header positions of the columns holding secrets (SecretColumns; -1 for one
// the file lacks). In a row whose cells moved, a secret may sit in any column between its own
// and where the shift puts it: those cells are blanked, so a password or a birth date never
// shows as another column's value (diff prints the values of the columns that changed).
func RaggedRow(rec []string, width, key int, secret ...int) (out []string, ok bool) {
	aligned := len(rec) > width
	for _, v := range rec[min(width, len(rec)):] {
		aligned = aligned && v == ""
	}
	if key < 0 || key >= len(rec) || (key != 0 && !aligned) {
		return nil, false
	}
	out = make([]string, width)
	copy(out, rec)
	if aligned {
		return out, true
	}
	shift := len(rec) - width // > 0: cells too many, moved right; < 0: too few, moved left
	for _, s := range secret {
		if s < 0 || s >= width {
			continue
		}
		for i := max(0, min(s, s+shift)); i <= min(width-1, max(s, s+shift)); i++ {
			if i != key {
				out[i] = ""
			}
		}
	}
	return out, true
}

// SecretColumns returns the positions in header of the columns that hold a password or a birth
// date (password, birthDate, DOB, in any case), for RaggedRow.
func SecretColumns(header []string) []int {
	var pos []int
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "password", "birthdate", "dob":
			pos = append(pos, i)
		}
	}
	return pos
}

// Titler is an optional ability of a Format: how messages name it ("OneRoster",
// "students.csv"). Without it, messages use its Name.
type Titler interface {
	Title() string
}

// Title is how messages name f.
func Title(f Format) string {
	if t, ok := f.(Titler); ok {
		return t.Title()
	}
	return f.Name()
}

// RoleSourcer is an optional ability of a Format whose users can come without a role (a role
// held in another file): messages refusing such users say why in the format's terms.
type RoleSourcer interface {
	// NoRole says why a user has no role ("in OneRoster 1.2, no roles.csv row") and how to
	// give it one ("give them a role in roles.csv").
	NoRole() (why, fix string)
}

// Fixer is an optional ability of a Format whose writer, under Options.Fix, repairs values its
// own check refuses (OneRoster writes grades zero-padded): Fixes reports whether problem p, from
// that check, is one it would repair. Without it, --fix is never suggested for a refused output.
type Fixer interface {
	Fixes(p roster.Problem) bool
}

// Packaging says how a format's files are named and packaged.
type Packaging struct {
	// Multi marks a format whose roster is a set of files (a package): it is written into a
	// folder or one .zip (a zip on stdout), and a zip refused unread is taken for the first
	// such format registered.
	Multi bool
	// FileName is the file a single-file format writes into a folder DEST, or the .zip a
	// multi-file format is zipped into by a job (zip: true).
	FileName string
	// Files are the names the format reads, in package order: what a job pulls by default
	// from an sftp:// folder.
	Files []string
	// Meta are files of a package that hold no rows (manifest.csv) but are sent with it.
	Meta []string
	// Pull is the glob a job pulls from an sftp:// folder holding none of Files ("" is
	// "*.zip").
	Pull string
}

// Packager is an optional ability of a Format: how its output is named and packaged. A
// Format without it writes one file, named <name>.csv.
type Packager interface {
	Packaging() Packaging
}

// PackagingOf returns f's packaging, or the default of a single-file format.
func PackagingOf(f Format) Packaging {
	if p, ok := f.(Packager); ok {
		return p.Packaging()
	}
	return Packaging{FileName: f.Name() + ".csv", Files: []string{f.Name() + ".csv"}}
}

// DeltaHolder is an optional ability of a Format that can hold a delta (only the changes
// since the last export, rows marked tobedeleted): a delta read from it is written as a delta,
// and it is the format a delta's --base is read in. A format without it holds whole rosters.
type DeltaHolder interface {
	HoldsDeltas() bool
}

// HoldsDeltas reports whether f can hold a delta.
func HoldsDeltas(f Format) bool {
	d, ok := f.(DeltaHolder)
	return ok && d.HoldsDeltas()
}

// OrgUse is how a Format's writer uses the schools (orgs) of a roster.
type OrgUse int

// OrgUse values.
const (
	// OrgsIgnored: the format is written without schools (the default).
	OrgsIgnored OrgUse = iota
	// OrgsReferenced: users are written with their school (students.csv's SITE_ID), so one
	// file of a package, read without the package's orgs, is refused.
	OrgsReferenced
	// OrgsRequired: every user needs a school; a roster without orgs needs --org.
	OrgsRequired
)

// OrgUser is an optional ability of a Format: how its writer uses schools, a precondition of
// converting into it.
type OrgUser interface {
	OrgUse() OrgUse
}

// OrgUseOf returns how f uses schools.
func OrgUseOf(f Format) OrgUse {
	if o, ok := f.(OrgUser); ok {
		return o.OrgUse()
	}
	return OrgsIgnored
}
