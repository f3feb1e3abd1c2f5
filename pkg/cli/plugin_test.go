package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/roster"
)

// tally is a format made up for these tests, the way a new plug-in is written: a set of CSV
// files (people.csv, schools.csv) with a school per row and a domain setting of its own
// (--tally-domain, a profile's tally: section). Nothing under pkg/ knows it.
type tally struct{}

type tallySettings struct {
	Domain string `yaml:"domain,omitempty"`
}

func (tally) Name() string  { return "tally" }
func (tally) Title() string { return "Tally" }

func (tally) Packaging() format.Packaging {
	return format.Packaging{Multi: true, FileName: "tally.zip", Files: []string{"people.csv", "schools.csv"}}
}

func (tally) OrgUse() format.OrgUse { return format.OrgsRequired }

func (tally) NewSettings() format.Settings { return &tallySettings{} }

func (s *tallySettings) AddFlags(fs *format.FlagSet) {
	fs.StringVar(&s.Domain, "tally-domain", format.Reading|format.Writing, "tally: the domain of the email addresses written")
}

func (s *tallySettings) Configured(func(string) string) error {
	if strings.Contains(s.Domain, "@") {
		return fmt.Errorf("tally.domain %q: give the domain without @", s.Domain)
	}
	return nil
}

func (s *tallySettings) Value() (any, error) {
	if strings.Contains(s.Domain, "@") {
		return nil, &format.SettingError{Err: fmt.Errorf("unknown --tally-domain %q", s.Domain), Hint: "give the domain without @"}
	}
	return *s, nil
}

func (tally) Detect(fsys fs.FS) format.Match {
	if format.HeaderLine(fsys, "people.csv") == "id,name,email,school" {
		return format.HeaderMatch
	}
	return format.NoMatch
}

func (tally) Read(ctx context.Context, fsys fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	info := format.Info{Format: "tally"}
	data, err := fs.ReadFile(fsys, "people.csv")
	if err != nil {
		return info, err
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return info, err
	}
	domain := format.SettingsOf[tallySettings](opts, "tally").Domain
	for i, rec := range recs[1:] {
		if domain != "" && !strings.HasSuffix(rec[2], "@"+domain) {
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeBadEmail, File: "people.csv", Line: i + 2, Column: "email",
				Message: "not an address of " + domain})
		}
		if err := sink.User(&roster.User{SourcedID: rec[0], Identifier: rec[0], GivenName: rec[1], Email: rec[2], Role: "student", OrgIDs: []string{rec[3]}}); err != nil {
			return info, err
		}
	}
	info.Files = []format.FileInfo{{Name: "people.csv", Rows: len(recs) - 1}}
	return info, nil
}

func (tally) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	domain := format.SettingsOf[tallySettings](opts, "tally").Domain
	w, err := dst.Create("people.csv")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "name", "email", "school"}) //nolint:errcheck // checked by Flush
	for _, u := range r.Users {
		email := u.Email
		if domain != "" {
			email = u.Identifier + "@" + domain
		}
		school := ""
		if len(u.OrgIDs) > 0 {
			school = u.OrgIDs[0]
		}
		cw.Write([]string{u.SourcedID, u.GivenName, email, school}) //nolint:errcheck // checked by Flush
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	s, err := dst.Create("schools.csv")
	if err != nil {
		return err
	}
	fmt.Fprintln(s, "id,name")
	for _, o := range r.Orgs {
		fmt.Fprintf(s, "%s,%s\n", o.SourcedID, o.Name)
	}
	return s.Close()
}

// runWith runs rostersync with the formats of reg.
func runWith(t *testing.T, reg *format.Registry, tty bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	deps := &Deps{
		IO:      &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, IsStdoutTTY: tty},
		Formats: reg,
		Getenv:  func(string) string { return "" },
	}
	code := Run(t.Context(), deps, args)
	return code, out.String(), errOut.String()
}

// TestPluginFormat: a format added to the registry, with no edit under pkg/, gets its flags,
// its config-file section, its title, a folder or zip output and the org precondition.
func TestPluginFormat(t *testing.T) {
	reg := format.NewRegistry(append(formats.Registry().Formats(), tally{})...)
	capti := filepath.Join(examples, "capti", "roster.csv")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "rostersync.yaml")
	if err := os.WriteFile(cfg, []byte("profiles:\n  j:\n    to: tally\n    org: Lincoln High\n    tally: {domain: profile.example}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	people := func(t *testing.T, dir string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "people.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "schools.csv")); err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("flag", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		code, _, errOut := runWith(t, reg, false, "convert", "--to", "tally", "--tally-domain", "flag.example", "--org", "Lincoln High", capti, out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if p := people(t, out); !strings.Contains(p, "@flag.example") {
			t.Errorf("people.csv without the flag's domain:\n%s", p)
		}
	})
	t.Run("profile section, and the flag over it", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		code, _, errOut := runWith(t, reg, false, "--config", cfg, "-p", "j", "convert", capti, out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if p := people(t, out); !strings.Contains(p, "@profile.example") {
			t.Errorf("people.csv without the profile's domain:\n%s", p)
		}
		out2 := filepath.Join(t.TempDir(), "out")
		if code, _, errOut := runWith(t, reg, false, "--config", cfg, "-p", "j", "convert", "--tally-domain", "flag.example", capti, out2); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if p := people(t, out2); !strings.Contains(p, "@flag.example") || strings.Contains(p, "profile.example") {
			t.Errorf("the flag does not win over the profile:\n%s", p)
		}
	})
	t.Run("zip on stdout", func(t *testing.T) {
		code, out, errOut := runWith(t, reg, false, "convert", "--to", "tally", "--org", "Lincoln High", capti)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(out)), int64(len(out)))
		if err != nil {
			t.Fatalf("stdout is not a zip: %v", err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		if strings.Join(names, ",") != "people.csv,schools.csv" {
			t.Errorf("zip holds %v", names)
		}
		if code, _, errOut := runWith(t, reg, true, "convert", "--to", "tally", "--org", "Lincoln High", capti); code != ExitUsage || !strings.Contains(errOut, "a Tally package written to stdout is a zip") {
			t.Errorf("to a terminal: exit %d: %s", code, errOut)
		}
	})
	t.Run("needs an org", func(t *testing.T) {
		code, _, errOut := runWith(t, reg, false, "convert", "--to", "tally", capti, filepath.Join(t.TempDir(), "o"))
		if code != ExitUsage || !strings.Contains(errOut, "converting it to tally needs --org NAME") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("read with the setting", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out")
		if code, _, errOut := runWith(t, reg, false, "convert", "--to", "tally", "--tally-domain", "flag.example", "--org", "Lincoln High", capti, out); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		code, stdout, _ := runWith(t, reg, false, "validate", "--tally-domain", "other.example", out)
		if code != 0 || !strings.Contains(stdout, "people.csv:2: warning bad-email [email]") {
			t.Errorf("validate: exit %d:\n%s", code, stdout)
		}
	})
	t.Run("bad values", func(t *testing.T) {
		code, _, errOut := runWith(t, reg, false, "validate", "--tally-domain", "a@b", capti)
		if code != ExitUsage || !strings.Contains(errOut, `unknown --tally-domain "a@b"`) || !strings.Contains(errOut, "hint: give the domain without @") {
			t.Errorf("flag: exit %d: %s", code, errOut)
		}
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		os.WriteFile(bad, []byte("profiles:\n  j:\n    tally: {domian: x}\n"), 0o600) //nolint:errcheck // read next
		code, _, errOut = runWith(t, reg, false, "--config", bad, "-p", "j", "validate", capti)
		if code != ExitUsage || !strings.Contains(errOut, `unknown key "profiles.j.tally.domian" (did you mean "domain"?)`) {
			t.Errorf("section: exit %d: %s", code, errOut)
		}
		os.WriteFile(bad, []byte("profiles:\n  j:\n    tally: {domain: a@b}\n"), 0o600) //nolint:errcheck // read next
		code, _, errOut = runWith(t, reg, false, "--config", bad, "-p", "j", "validate", capti)
		if code != ExitUsage || !strings.Contains(errOut, `tally.domain "a@b": give the domain without @`) {
			t.Errorf("section value: exit %d: %s", code, errOut)
		}
	})
	t.Run("config show", func(t *testing.T) {
		code, out, errOut := runWith(t, reg, false, "--config", cfg, "config", "show")
		if code != 0 || !strings.Contains(out, "    to: tally\n    tally: {domain: profile.example}\n    org: Lincoln High\n") {
			t.Errorf("exit %d (%s):\n%s", code, errOut, out)
		}
	})
	t.Run("help", func(t *testing.T) {
		_, out, _ := runWith(t, reg, false, "convert", "--help")
		if !strings.Contains(out, "--tally-domain") || !regexp.MustCompile(`output format: oneroster, .*\btally\n`).MatchString(out) {
			t.Errorf("help:\n%s", out)
		}
	})
}
