package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/formats/students"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
)

// env is a fake environment for LoadOptions.Getenv.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// writeFile writes data at path (folders made), mode 0600.
func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// folders is a fake machine: a working dir, a user config dir and a home.
type folders struct{ root, wd, ucd, home string }

func newFolders(t *testing.T) folders {
	root := t.TempDir()
	f := folders{root: root, wd: filepath.Join(root, "wd"), ucd: filepath.Join(root, "config"), home: filepath.Join(root, "home")}
	for _, d := range []string{f.wd, f.ucd, f.home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f folders) opts(path string, getenv func(string) string) LoadOptions {
	return LoadOptions{Path: path, Getenv: getenv, WorkDir: f.wd, UserConfigDir: f.ucd, HomeDir: f.home, Formats: formats.Registry()}
}

// settingsOf decodes p's section of the format called name into that format's settings.
func settingsOf(t *testing.T, p *Profile, name string) format.Settings {
	t.Helper()
	f, err := formats.Registry().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	s := f.(format.Configurable).NewSettings()
	if _, err := p.DecodeSettings(name, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// profileOnly is a config file whose one profile is called name.
func profileOnly(name string) string { return "profiles:\n  " + name + ":\n    to: capti\n" }

func TestLoadResolution(t *testing.T) {
	f := newFolders(t)
	flag := writeFile(t, filepath.Join(f.root, "flag.yaml"), profileOnly("from-flag"))
	envFile := writeFile(t, filepath.Join(f.root, "env.yaml"), profileOnly("from-env"))
	wdFile := writeFile(t, filepath.Join(f.wd, "rostersync.yaml"), profileOnly("from-wd"))
	ucdFile := writeFile(t, filepath.Join(f.ucd, "rostersync", "config.yaml"), profileOnly("from-ucd"))
	homeFile := writeFile(t, filepath.Join(f.home, "cfg", "home.yaml"), profileOnly("from-home"))

	steps := []struct {
		name    string
		path    string
		getenv  func(string) string
		remove  string // file removed before this step
		file    string
		profile string
	}{
		{name: "--config wins", path: flag, getenv: env(EnvConfig, envFile), file: flag, profile: "from-flag"},
		{name: "--config relative to the working dir", path: "rostersync.yaml", getenv: env(EnvConfig, envFile), file: wdFile, profile: "from-wd"},
		{name: "--config with ~/", path: "~/cfg/home.yaml", getenv: env(), file: homeFile, profile: "from-home"},
		{name: "then ROSTERSYNC_CONFIG", getenv: env(EnvConfig, envFile), file: envFile, profile: "from-env"},
		{name: "then ./rostersync.yaml", getenv: env(), file: wdFile, profile: "from-wd"},
		{name: "then the user config dir", getenv: env(), remove: wdFile, file: ucdFile, profile: "from-ucd"},
		{name: "then nothing", getenv: env(), remove: ucdFile},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.remove != "" {
				if err := os.Remove(s.remove); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(f.opts(s.path, s.getenv))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.File != s.file {
				t.Errorf("File = %q, want %q", c.File, s.file)
			}
			if s.profile == "" {
				if len(c.Profiles) != 0 || !slices.Equal(c.Searched, []string{wdFile, ucdFile}) {
					t.Errorf("no file: profiles %v, searched %v", c.ProfileNames(), c.Searched)
				}
				return
			}
			if names := c.ProfileNames(); !slices.Equal(names, []string{s.profile}) {
				t.Errorf("profiles %v, want %s", names, s.profile)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	f := newFolders(t)
	for name, o := range map[string]LoadOptions{
		"--config":          f.opts(filepath.Join(f.root, "nope.yaml"), env()),
		"ROSTERSYNC_CONFIG": f.opts("", env(EnvConfig, filepath.Join(f.root, "nope.yaml"))),
		"--config a folder": f.opts(f.home, env()),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(o)
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want a configuration error", err)
			}
			if !strings.Contains(err.Error(), strings.Fields(name)[0]) && !strings.Contains(err.Error(), "folder") {
				t.Errorf("err %q does not say where the name came from", err)
			}
		})
	}
	// A rostersync.yaml that is a folder is an error, not skipped.
	if err := os.Mkdir(filepath.Join(f.wd, "rostersync.yaml"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f.opts("", env())); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("err = %v, want a folder error", err)
	}
}

// loadText writes data as a 0600 config file in a fresh folder and loads it.
func loadText(t *testing.T, data string) (*Config, folders, error) {
	t.Helper()
	f := newFolders(t)
	p := writeFile(t, filepath.Join(f.root, "etc", "rostersync.yaml"), data)
	c, err := Load(f.opts(p, env()))
	return c, f, err
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"top level", "profile:\n  p: {}\n", `:1: unknown key "profile" (did you mean "profiles"?)`},
		{"guard typo", "profiles:\n  p:\n    guard: {max_removed_precent: 50}\n", `:3: unknown key "profiles.p.guard.max_removed_precent" (did you mean "max_removed_percent"?)`},
		{"profile key", "profiles:\n  nightly:\n    to: capti\n    destnation: /x\n", `:4: unknown key "profiles.nightly.destnation" (did you mean "destination"?)`},
		{"capti key", "profiles:\n  p:\n    capti: {id: email, domian: x}\n", `unknown key "profiles.p.capti.domian" (did you mean "domain"?)`},
		{"students key", "profiles:\n  p:\n    students: {sitemap: x.csv}\n", `unknown key "profiles.p.students.sitemap" (did you mean "site_map"?)`},
		{"layout column", "layouts:\n  l:\n    format: capti\n    columns: [{name: email, requird: true}]\n", `unknown key "layouts.l.columns[0].requird" (did you mean "required"?)`},
		{"merged mapping", "base: &b {max_removed_percnt: 5}\nprofiles:\n  p:\n    guard:\n      <<: *b\n", `unknown key "base"`},
		{"merged unknown", "profiles:\n  a: &a {to: capti, destination: /x}\n  b:\n    <<: *a\n    colect: y\n", `unknown key "profiles.b.colect" (did you mean "collect"?)`},
		{"several", "profiles:\n  p: {a1: 1, b2: 2}\n", "(and 1 more unknown keys)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantConfigError(t, tt.data, tt.want) })
	}
}

func TestBadValues(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not a mapping", "- a\n- b\n", "must be a mapping"},
		{"yaml syntax", "profiles: [\n", "rostersync.yaml"},
		{"type", "profiles:\n  p:\n    retries: many\n", "cannot unmarshal"},
		{"capti id", "profiles:\n  p:\n    capti: {id: phone}\n", `profiles.p: capti.id "phone": use email or username`},
		{"student id", "profiles:\n  p:\n    students: {student_id: ssid}\n", `students.student_id "ssid": use identifier or sourcedId`},
		{"guard percent", "profiles:\n  p:\n    guard: {max_removed_percent: 150}\n", "guard.max_removed_percent 150: use a number from 0 to 100"},
		{"guard rows", "profiles:\n  p:\n    guard: {min_rows: -1}\n", "guard.min_rows must be 0 or more"},
		{"guard count", "profiles:\n  p:\n    guard: {max_removed: -5}\n", "guard.max_removed -5: use 0 or more"},
		{"guard kind percent", "profiles:\n  p:\n    guard: {users: {max_changed_percent: 101}}\n", "guard.users.max_changed_percent 101: use a number from 0 to 100"},
		{"guard kind typo", "profiles:\n  p:\n    guard: {users: {max_remove: 5}}\n", `unknown key "profiles.p.guard.users.max_remove" (did you mean "max_removed"?)`},
		{"guard unknown kind", "profiles:\n  p:\n    guard: {orgs: {max_removed: 5}}\n", `unknown key "profiles.p.guard.orgs"`},
		{"retries", "profiles:\n  p:\n    retries: -2\n", "retries must be 0 or more"},
		{"timeout", "profiles:\n  p:\n    timeout: soon\n", `timeout "soon": use a duration`},
		{"zero timeout", "profiles:\n  p:\n    timeout: 0s\n", "timeout must be more than 0"},
		{"max age", "profiles:\n  p:\n    max_age: -1h\n", `max_age "-1h"`},
		{"two secrets", "profiles:\n  p:\n    password_env: A\n    password_file: /x\n", "give only one of password, password_env and password_file"},
		{"two passphrases", "profiles:\n  p:\n    passphrase: x\n    passphrase_env: B\n", "give only one of passphrase, passphrase_env and passphrase_file"},
		{"password in URL", "profiles:\n  p:\n    destination: sftp://u:hunter2@h/x/\n", "destination: a password in the URL is refused"},
		{"profile twice", "profiles:\n  Nightly: {to: capti}\n  nightly: {to: capti}\n", "is defined twice (profile names ignore case)"},
		{"layout twice", "layouts:\n  L: {format: capti, columns: [{name: email}, {name: unique_id}]}\n  l: {format: capti, columns: [{name: email}, {name: unique_id}]}\n", "is defined twice (layout names ignore case)"},
		{"layout format", "layouts:\n  l: {format: clever, columns: [{name: x}]}\n", `layouts.l: format "clever" has no column layout`},
		{"layout without format", "layouts:\n  l: {columns: [{name: x}]}\n", "format is missing"},
		{"layout without columns", "layouts:\n  l: {format: capti}\n", "columns is empty"},
		{"layout repeats a column", "layouts:\n  l: {format: capti, columns: [{name: email}, {name: Email}]}\n", `columns[1]: column "Email" repeats columns[0]`},
		{"capti layout without an ID", "layouts:\n  l: {format: capti, columns: [{name: unique_id}, {name: first_name}]}\n", "needs an email or a username column"},
		{"capti layout without unique_id", "layouts:\n  l: {format: capti, columns: [{name: email}]}\n", "needs the unique_id column"},
		{"students layout without STUDENT_ID", "layouts:\n  l: {format: students, columns: [{name: student_id}]}\n", "needs the STUDENT_ID column"},
		{"undefined layout", "layouts:\n  lincoln-capti: {format: capti, columns: [{name: email}, {name: unique_id}]}\nprofiles:\n  p: {to: capti, layout: lincoln-capt}\n", `layout "lincoln-capt" is not defined (did you mean "lincoln-capti"?)`},
		{"layout of another format", "layouts:\n  l: {format: students, columns: [{name: STUDENT_ID}]}\nprofiles:\n  p: {from: oneroster, to: capti, layout: l}\n", `layout "l" is for format students, but the profile reads and writes capti and oneroster`},
		{"layout without a format", "layouts:\n  l: {format: capti, columns: [{name: email}, {name: unique_id}]}\nprofiles:\n  p: {layout: l}\n", "needs the profile's format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantConfigError(t, tt.data, tt.want) })
	}
}

const full = `layouts:
  Lincoln-Capti:
    format: Capti
    columns: [{name: email, required: true}, {name: first_name}, {name: last_name}, {name: unique_id, required: true}]
profiles:
  Capti-Nightly:
    source: exports/oneroster.zip
    from: OneRoster
    to: capti
    layout: LINCOLN-capti
    capti: {id: Username, domain: lincolnsd}
    destination: sftp://lincolnsd@sftp.example.org:2222/
    password: hunter2
    known_hosts: ~/.ssh/known_hosts
    identity_file: keys/id_ed25519
    state_dir: /var/lib/rostersync
    guard:
      max_removed_percent: 5.5
      min_rows: 100
      max_changed: 500
      enrollments: {max_removed_percent: 0, max_added_percent: 50}
    max_age: 2d
    timeout: 90s
    retries: 0
    collect: reports
    collect_from: log/
  s4s:
    source: /exports/students.csv
    to: students
    students: {passwords_are_dates: true, site_map: sites.xlsx, google_sso: true, student_id: SOURCEDID}
    destination: outbox/
    passphrase: s3cret
    passphrase_env: ""
`

func TestLoadProfiles(t *testing.T) {
	c, f, err := loadText(t, full)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.root, "etc")
	p, err := c.Profile("capti-NIGHTLY ")
	if err != nil {
		t.Fatal(err)
	}
	wantGuard := guard.Default()
	wantGuard.MinRows = 100
	for _, k := range guard.Guarded {
		l := wantGuard.Limits[k]
		l.MaxRemovedPercent, l.MaxChanged = 5.5, 500
		if k == roster.EnrollmentKind {
			l.MaxRemovedPercent, l.MaxAddedPercent = 0, 50
		}
		wantGuard.Limits[k] = l
	}
	want := Profile{
		Name: "capti-nightly", Source: filepath.Join(dir, "exports/oneroster.zip"), From: "oneroster", To: "capti",
		Layout:      "lincoln-capti",
		Destination: "sftp://lincolnsd@sftp.example.org:2222/", Password: "hunter2",
		KnownHosts: filepath.Join(f.home, ".ssh/known_hosts"), IdentityFile: filepath.Join(dir, "keys/id_ed25519"),
		StateDir: "/var/lib/rostersync", Guard: wantGuard,
		MaxAge: 48 * time.Hour, Timeout: 90 * time.Second, Retries: 0,
		Collect: filepath.Join(dir, "reports"), CollectFrom: "log/",
	}
	if !equalProfile(p, &want) {
		t.Errorf("profile:\n%+v\nwant:\n%+v", *p, want)
	}
	if c := settingsOf(t, p, "capti").(*capti.Settings); *c != (capti.Settings{ID: "username", Domain: "lincolnsd"}) {
		t.Errorf("capti = %+v", c)
	}
	s, err := c.Profile("S4S")
	if err != nil {
		t.Fatal(err)
	}
	if st := settingsOf(t, s, "students").(*students.Settings); !reflect.DeepEqual(*st, students.Settings{PasswordsAreDates: true, SiteMap: filepath.Join(dir, "sites.xlsx"), GoogleSSO: true, StudentID: "sourcedId"}) {
		t.Errorf("students = %+v", st)
	}
	if s.Source != "/exports/students.csv" || s.Destination != filepath.Join(dir, "outbox") {
		t.Errorf("source %q destination %q", s.Source, s.Destination)
	}
	// Defaults.
	if !reflect.DeepEqual(s.Guard, guard.Default()) || s.Timeout != DefaultTimeout || s.Retries != DefaultRetries {
		t.Errorf("defaults: guard %+v timeout %v retries %d", s.Guard, s.Timeout, s.Retries)
	}
	if l := c.Layouts["lincoln-capti"]; l.Format != "capti" || len(l.Columns) != 4 || !l.Columns[0].Required || l.Columns[1].Required {
		t.Errorf("layout = %+v", l)
	}

	// Unknown profiles: a suggestion and the list.
	_, err = c.Profile("capti-nighty")
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `(did you mean "capti-nightly"?)`) || !strings.Contains(err.Error(), "profiles: capti-nightly, s4s") {
		t.Errorf("err = %v", err)
	}
}

func equalProfile(a, b *Profile) bool {
	x, y := *a, *b
	return x.Name == y.Name && x.Source == y.Source && x.From == y.From && x.To == y.To && x.Format == y.Format &&
		x.Destination == y.Destination && x.Layout == y.Layout &&
		x.Password == y.Password && x.KnownHosts == y.KnownHosts && x.IdentityFile == y.IdentityFile &&
		x.StateDir == y.StateDir && reflect.DeepEqual(x.Guard, y.Guard) && x.MaxAge == y.MaxAge && x.Timeout == y.Timeout &&
		x.Retries == y.Retries && x.Collect == y.Collect && x.CollectFrom == y.CollectFrom &&
		x.PasswordFile == y.PasswordFile && x.PassphraseFile == y.PassphraseFile
}

func TestPaths(t *testing.T) {
	c, f, err := loadText(t, `profiles:
  p:
    source: ../data/export.zip
    destination: "-"
    password_file: ~/secrets/sftp
    passphrase_file: "~"
    students: {site_map: ./maps/sites.csv}
  q:
    source: sftp://h/~/drop/
    destination: ~/outbox/
  r:
    source: ./in.csv
    destination: out//
`)
	if err != nil {
		t.Fatal(err)
	}
	p, q := c.Profiles["p"], c.Profiles["q"]
	for _, tt := range []struct{ name, got, want string }{
		{"relative source", p.Source, filepath.Join(f.root, "data", "export.zip")},
		{"stdout", p.Destination, "-"},
		{"~/", p.PasswordFile, filepath.Join(f.home, "secrets", "sftp")},
		{"lone ~", p.PassphraseFile, f.home},
		{"site map from the file's folder", settingsOf(t, p, "students").(*students.Settings).SiteMap, filepath.Join(f.root, "etc", "maps", "sites.csv")},
		{"URL kept", q.Source, "sftp://h/~/drop/"},
		// Local destinations are folders; their paths are clean, the key push and history share.
		{"~/ destination", q.Destination, filepath.Join(f.home, "outbox")},
		{"clean destination", c.Profiles["r"].Destination, filepath.Join(f.root, "etc", "out")},
		{"clean source", c.Profiles["r"].Source, filepath.Join(f.root, "etc", "in.csv")},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestCheckMode(t *testing.T) {
	tests := []struct {
		mode    fs.FileMode
		secret  bool
		refused string
	}{
		{0o600, true, ""},
		{0o400, true, ""},
		{0o644, false, ""},
		{0o640, true, "readable by group or others"},
		{0o604, true, "readable by group or others"},
		{0o620, false, "writable by group or others"},
		{0o602, false, "writable by group or others"},
		{0o666, true, "writable by group or others"},
		{0o700, true, ""},
	}
	for _, tt := range tests {
		warn, err := checkMode("/etc/r.yaml", tt.mode, tt.secret)
		if warn != "" {
			t.Errorf("%04o: warning %q on unix", tt.mode, warn)
		}
		if tt.refused == "" {
			if err != nil {
				t.Errorf("%04o secret=%v: refused: %v", tt.mode, tt.secret, err)
			}
			continue
		}
		var ie *InsecureError
		if !errors.As(err, &ie) || !errors.Is(err, ErrConfig) {
			t.Errorf("%04o secret=%v: err = %v, want an InsecureError", tt.mode, tt.secret, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.refused) || ie.Mode != tt.mode || ie.Hint() != "chmod 600 /etc/r.yaml" {
			t.Errorf("%04o: err %q hint %q", tt.mode, err, ie.Hint())
		}
	}

	// On Windows the bits mean nothing: a warning, never a refusal.
	old := goos
	goos = "windows"
	defer func() { goos = old }()
	warn, err := checkMode(`C:\r.yaml`, 0o666, true)
	if err != nil || !strings.Contains(warn, "not checked on Windows") {
		t.Errorf("windows: warning %q, err %v", warn, err)
	}
}

// TestInsecureFile checks Load applies the mode check to the file's real mode bits (tests run
// as root, so only the bits are checked, never whether a read fails).
func TestInsecureFile(t *testing.T) {
	f := newFolders(t)
	secret := writeFile(t, filepath.Join(f.root, "secret.yaml"), "profiles:\n  p: {password: hunter2}\n")
	plain := writeFile(t, filepath.Join(f.root, "plain.yaml"), "profiles:\n  p: {password_env: X}\n")
	for _, tt := range []struct {
		path    string
		mode    fs.FileMode
		refused bool
	}{
		{secret, 0o600, false}, {secret, 0o644, true}, {secret, 0o640, true},
		{plain, 0o644, false}, {plain, 0o664, true}, {plain, 0o646, true},
	} {
		if err := os.Chmod(tt.path, tt.mode); err != nil {
			t.Fatal(err)
		}
		_, err := Load(f.opts(tt.path, env()))
		var ie *InsecureError
		if got := errors.As(err, &ie); got != tt.refused {
			t.Errorf("%s %04o: err = %v, refused %v, want %v", filepath.Base(tt.path), tt.mode, err, got, tt.refused)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("err %q shows the password", err)
		}
	}
	// A file with a shell-unfriendly name gets a quoted hint.
	if h := (&InsecureError{File: "/x/my config.yaml"}).Hint(); h != "chmod 600 '/x/my config.yaml'" {
		t.Errorf("hint = %q", h)
	}
}

func TestShow(t *testing.T) {
	c, f, err := loadText(t, full)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Show(&b, c, ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(out, secret) {
			t.Errorf("Show prints a secret %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"file: " + filepath.Join(f.root, "etc", "rostersync.yaml"),
		"password: '***'",
		"passphrase: '***'",
		"capti-nightly:",
		"s4s:",
		"lincoln-capti:",
		"capti: {id: username, domain: lincolnsd}",
		"site_map: " + filepath.Join(f.root, "etc", "sites.xlsx"),
		"min_rows: 100",
		"users: {max_removed_percent: 5.5, max_changed_percent: 75, max_changed: 500}",
		"enrollments: {max_removed_percent: 0, max_added_percent: 50, max_changed_percent: 75, max_changed: 500}",
		"users: {max_removed_percent: 10, max_changed_percent: 75}",
		"max_age: 2d",
		"timeout: 1m30s",
		"timeout: 30s",
		"known_hosts: " + filepath.Join(f.home, ".ssh", "known_hosts"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Show output lacks %q:\n%s", want, out)
		}
	}

	// One profile: only it and its layout.
	b.Reset()
	if err := Show(&b, c, "S4S"); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, "capti-nightly") || strings.Contains(out, "lincoln-capti") || !strings.Contains(out, "s4s:") {
		t.Errorf("Show s4s:\n%s", out)
	}
	b.Reset()
	if err := Show(&b, c, "capti-nightly"); err != nil || !strings.Contains(b.String(), "lincoln-capti:") {
		t.Errorf("Show capti-nightly (err %v):\n%s", err, b.String())
	}
	if err := Show(&b, c, "nope"); !errors.Is(err, ErrConfig) {
		t.Errorf("Show nope: err = %v", err)
	}

	// No file: say where rostersync looked.
	b.Reset()
	empty, err := Load(f.opts("", env()))
	if err != nil {
		t.Fatal(err)
	}
	if err := Show(&b, empty, ""); err != nil || !strings.Contains(b.String(), "(none: looked for "+filepath.Join(f.wd, "rostersync.yaml")) {
		t.Errorf("Show without a file (err %v):\n%s", err, b.String())
	}
	if _, err := empty.Profile("p"); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "no config file found") {
		t.Errorf("Profile without a file: %v", err)
	}
}

func TestFormatOptions(t *testing.T) {
	c, _, err := loadText(t, full+`  capti-read:
    format: capti
    to: oneroster
    org: Lincoln High
    role: teacher
    vendor: capti
    zip: true
    layout: lincoln-capti
`)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Profiles["capti-nightly"]
	o, err := p.FormatOptions(c.Layouts)
	if err != nil {
		t.Fatal(err)
	}
	if c := settingsOf(t, p, "capti").(*capti.Settings); *c != (capti.Settings{ID: "username", Domain: "lincolnsd"}) {
		t.Errorf("capti settings %+v", c)
	}
	if o.Layout == nil || o.Layout.Name != "lincoln-capti" || o.Layout.Format != "capti" ||
		!slices.Equal(o.Layout.Names(), []string{"email", "first_name", "last_name", "unique_id"}) {
		t.Fatalf("layout %+v", o.Layout)
	}
	// The options hold a copy: changing them leaves the configuration alone.
	o.Layout.Columns[0].Name = "changed"
	if c.Layouts["lincoln-capti"].Columns[0].Name != "email" {
		t.Error("FormatOptions shares the layout's columns")
	}

	s, err := c.Profiles["s4s"].FormatOptions(c.Layouts)
	if err != nil {
		t.Fatal(err)
	}
	st := settingsOf(t, c.Profiles["s4s"], "students").(*students.Settings)
	if s.Layout != nil || !st.GoogleSSO || !st.PasswordsAreDates || st.StudentID != "sourcedId" || st.Sites != nil {
		t.Errorf("students settings %+v (the site map is loaded by Value)", st)
	}

	// A layout for the format read, on a profile converting to another format.
	r, err := c.Profiles["capti-read"].FormatOptions(c.Layouts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Org != "Lincoln High" || r.Role != "teacher" || r.Vendor != "capti" || !r.Zip || r.Layout == nil {
		t.Errorf("options %+v", r)
	}

	if _, err := (&Profile{Name: "x", Layout: "nope"}).FormatOptions(c.Layouts); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown layout: err = %v", err)
	}
}

func TestEmptyFiles(t *testing.T) {
	for _, data := range []string{"", "# nothing yet\n", "---\n"} {
		c, _, err := loadText(t, data)
		if err != nil {
			t.Errorf("%q: %v", data, err)
			continue
		}
		if len(c.Profiles) != 0 || c.File == "" {
			t.Errorf("%q: %+v", data, c)
		}
	}
}

// TestExample loads the annotated example configuration shipped with rostersync.
func TestExample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "rostersync.yaml"))
	if err != nil {
		t.Skip("no examples/rostersync.yaml")
	}
	c, _, err := loadText(t, string(src))
	if err != nil {
		t.Fatalf("examples/rostersync.yaml: %v", err)
	}
	if len(c.Profiles) == 0 {
		t.Error("the example defines no profiles")
	}
	for name, p := range c.Profiles {
		if _, err := p.FormatOptions(c.Layouts); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "", 30 * time.Second: "30s", 90 * time.Minute: "1h30m", 26 * time.Hour: "26h", 48 * time.Hour: "2d", 90 * time.Second: "1m30s"} {
		if got := durationString(d); got != want {
			t.Errorf("durationString(%v) = %q, want %q", d, got, want)
		}
	}
}

// wantConfigError loads the config file data and fails t unless it is refused as a
// configuration error whose message holds want and no password.
func wantConfigError(t *testing.T, data, want string) {
	t.Helper()
	_, _, err := loadText(t, data)
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v, want a configuration error", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err %q does not hold %q", err, want)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err %q repeats the password", err)
	}
}
