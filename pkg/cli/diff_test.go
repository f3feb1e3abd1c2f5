package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/roster"
)

// runCLI runs rostersync with args and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, stdin io.Reader, tty bool, args ...string) (int, string, string) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	deps := &Deps{
		IO:      &iostreams.IOStreams{In: stdin, Out: &out, ErrOut: &errOut, IsStdoutTTY: tty},
		Formats: formats.Registry(),
		Getenv:  func(string) string { return "" },
	}
	code := Run(t.Context(), deps, args)
	return code, out.String(), errOut.String()
}

const examples = "../../examples"

// editedPackage copies examples/oneroster and applies line edits to users.csv: each edit maps
// a line prefix to its replacement ("" deletes the line).
func editedPackage(t *testing.T, edits map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(examples, "oneroster")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "users.csv" {
			var lines []string
			for _, l := range strings.SplitAfter(string(b), "\n") {
				for prefix, repl := range edits {
					if strings.HasPrefix(l, prefix) {
						l = repl
					}
				}
				lines = append(lines, l)
			}
			b = []byte(strings.Join(lines, ""))
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func userLine(t *testing.T, id string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examples, "oneroster", "users.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if strings.HasPrefix(l, id+",") {
			return l
		}
	}
	t.Fatalf("no user %s in the example", id)
	return ""
}

func decodeReport(t *testing.T, s string) DiffReport {
	t.Helper()
	var rep DiffReport
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, s)
	}
	return rep
}

func TestDiffCommand(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	or := filepath.Join(examples, "oneroster")
	stu01 := userLine(t, "stu01")
	stu03 := userLine(t, "stu03")
	changed := editedPackage(t, map[string]string{
		"stu01,": strings.Replace(strings.Replace(stu01, ",Diego,", ",Dieguito,", 1), ",sch1,", ",sch2,", 1),
		"stu02,": "",
		"stu03,": strings.Replace(stu03, ",Jj44u33YKM\n", ",secret2\n", 1),
	})
	if !strings.Contains(stu03, "Jj44u33YKM") {
		t.Fatalf("the example's stu03 password changed: %q", stu03)
	}

	tests := []struct {
		name  string
		args  []string
		stdin io.Reader
		tty   bool
		code  int
		check func(t *testing.T, stdout, stderr string)
	}{
		{
			name: "identical",
			args: []string{"diff", or, or},
			code: 0,
			check: func(t *testing.T, stdout, _ string) {
				if !strings.Contains(stdout, "summary users: 0 added, 0 removed (0%), 0 changed, 40 unchanged") {
					t.Errorf("no users summary line:\n%s", stdout)
				}
			},
		},
		{
			name: "json",
			args: []string{"diff", "-o", "json", or, changed},
			code: 1,
			check: func(t *testing.T, stdout, stderr string) {
				rep := decodeReport(t, stdout)
				u := rep.Summary[roster.UserKind]
				if u == nil || u.Removed != 1 || u.Changed != 2 || u.Unchanged != 37 || u.RemovedPercent != 2.5 {
					t.Errorf("users summary %+v", u)
				}
				if len(rep.Changes) != 3 || rep.Changes[0].ID != "stu01" || rep.Changes[1].ID != "stu02" || rep.Changes[1].Kind != diff.Removed {
					t.Errorf("changes %+v", rep.Changes)
				}
				if got := rep.Changes[2].Fields["password"]; got != (diff.FieldChange{Old: "***", New: "***"}) {
					t.Errorf("password change %+v, want masked", got)
				}
				if len(rep.Notes) != 1 || rep.Notes[0].Kind != diff.NoteSchoolMove {
					t.Errorf("notes %+v", rep.Notes)
				}
				if !strings.Contains(stderr, "has 6 validation errors; compared anyway") {
					t.Errorf("stderr does not say NEW has errors: %q", stderr)
				}
				if strings.Contains(stdout, "Jj44u33YKM") || strings.Contains(stdout, "secret2") {
					t.Error("a password is printed")
				}
			},
		},
		{
			name: "secrets shown when asked",
			args: []string{"diff", "-o", "json", "--show-secrets", "--entity", "user", or, changed},
			code: 1,
			check: func(t *testing.T, stdout, _ string) {
				rep := decodeReport(t, stdout)
				if got := rep.Changes[2].Fields["password"]; got != (diff.FieldChange{Old: "Jj44u33YKM", New: "secret2"}) {
					t.Errorf("password change %+v", got)
				}
				if len(rep.Summary) != 1 {
					t.Errorf("--entity user: summary of %d kinds", len(rep.Summary))
				}
			},
		},
		{
			name: "summary only",
			args: []string{"diff", "-o", "json", "--summary", or, changed},
			code: 1,
			check: func(t *testing.T, stdout, _ string) {
				rep := decodeReport(t, stdout)
				if rep.Summary[roster.UserKind].Changed != 2 || len(rep.Changes) != 0 || !strings.Contains(stdout, `"changes": []`) {
					t.Errorf("summary %+v, %d changes", rep.Summary[roster.UserKind], len(rep.Changes))
				}
			},
		},
		{
			name: "csv",
			args: []string{"diff", "-o", "csv", "--limit", "1", or, changed},
			code: 1,
			check: func(t *testing.T, stdout, stderr string) {
				recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				want := [][]string{{"entity", "id", "kind", "field", "old", "new"},
					{"user", "stu01", "changed", "givenName", "Diego", "Dieguito"},
					{"user", "stu01", "changed", "orgSourcedIds", "sch1", "sch2"}}
				if !equalRecords(recs, want) {
					t.Errorf("csv %q, want %q", recs, want)
				}
				if !strings.Contains(stderr, "2 more changes not listed") {
					t.Errorf("stderr %q", stderr)
				}
			},
		},
		{
			name: "table",
			args: []string{"diff", "--limit", "2", or, changed},
			tty:  true,
			code: 1,
			check: func(t *testing.T, stdout, _ string) {
				for _, want := range []string{"removed %", "2.5%", "school-move", "users whose schools changed", "sch1 -> sch2",
					"Dieguito", "1 more change not listed"} {
					if !strings.Contains(stdout, want) {
						t.Errorf("table lacks %q:\n%s", want, stdout)
					}
				}
				if strings.Index(stdout, "school-move") > strings.Index(stdout, "Dieguito") {
					t.Error("notes do not come before the changes")
				}
			},
		},
		{
			name:  "stdin",
			args:  []string{"diff", "--format", "capti", filepath.Join(examples, "capti", "roster.csv"), "-"},
			stdin: mustOpen(t, filepath.Join(examples, "capti", "roster.csv")),
			code:  0,
		},
		{
			name: "across formats",
			args: []string{"diff", "-o", "json", or, filepath.Join(examples, "capti", "roster.csv")},
			code: 0, // the two administrators Capti does not hold are not compared
			check: func(t *testing.T, stdout, _ string) {
				rep := decodeReport(t, stdout)
				u := rep.Summary[roster.UserKind]
				if len(rep.Summary) != 1 || u.Changed != 0 || u.Removed != 0 || u.Unchanged != 38 || len(rep.Roles) != 3 {
					t.Errorf("summary %+v", rep.Summary)
				}
				got := strings.Join(rep.Compared["user"], ",")
				if got != "givenName,familyName,identifier,email,password" {
					t.Errorf("compared fields %s", got)
				}
			},
		},
		{"unknown entity", []string{"diff", "--entity", "pets", or, or}, nil, false, 2, nil},
		{"unknown key", []string{"diff", "--key", "phone", or, or}, nil, false, 2, nil},
		{"negative limit", []string{"diff", "--limit", "-1", or, or}, nil, false, 2, nil},
		{"both stdin", []string{"diff", "--format", "capti", "-", "-"}, nil, false, 2, nil},
		{"missing input", []string{"diff", or, filepath.Join(t.TempDir(), "nope")}, nil, false, 3, nil},
		{"no kind in common", []string{"diff", "--entity", "enrollments", or, filepath.Join(examples, "capti", "roster.csv")}, nil, false, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.stdin, tc.tty, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if code >= 2 && (stdout != "" || !strings.Contains(stderr, "rostersync: error:")) {
				t.Errorf("exit %d: stdout %q, stderr %q; want an error message only", code, stdout, stderr)
			}
			if tc.check != nil {
				tc.check(t, stdout, stderr)
			}
		})
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func equalRecords(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}
