package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/cli"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rostersync": func() {
			os.Exit(cli.Main(os.Args[1:], iostreams.System(), formats.Registry(), cli.BuildInfo{Version: "test"}))
		},
	})
}

// TestScript runs the end-to-end scripts in testdata/script. $EXAMPLES is the repository's
// examples folder; HOME and the XDG folders point into the script's work dir.
// Set ROSTERSYNC_UPDATE_SCRIPTS=1 to rewrite the scripts' expected output (then review the diff).
func TestScript(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("ROSTERSYNC_UPDATE_SCRIPTS") == "1",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"rostergen": cmdRostergen,
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", filepath.Join(repo, "examples"))
			e.Setenv("FIXTURES", filepath.Join(repo, "pkg", "testdata"))
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("XDG_STATE_HOME", filepath.Join(home, ".local", "state"))
			return nil
		},
	})
}

// cmdExits runs a program and checks its exit code: exits 3 rostersync validate missing.csv.
// Its stdout and stderr are kept for the stdout and stderr commands that follow.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdRostergen writes rostergen's OneRoster package of N users into DIR: rostergen N DIR.
func cmdRostergen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: rostergen USERS DIR")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("rostergen: bad count %q", args[0])
	}
	o := rostergen.Options{Users: n, Seed: 1, Night: 1, Format: rostergen.FormatOneRoster}
	if _, err := rostergen.Generate(context.Background(), ts.MkAbs(args[1]), o); err != nil {
		ts.Fatalf("rostergen: %v", err)
	}
}

// TestInvalidExamples holds every example in examples/invalid to the table in its README: the
// one problem its name promises, at its file and line, and nothing else; exit 1 for an error, 0
// for a warning. An example missing from the table, or a row without its example, fails too.
func TestInvalidExamples(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "examples", "invalid")
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| .* \\| `([^`]+)` \\|$")
	want := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		want[m[1]] = m[2]
	}
	for _, format := range []string{"oneroster", "students", "capti", "clever", "sds"} {
		ents, err := os.ReadDir(filepath.Join(dir, format))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if _, ok := want[format+"/"+e.Name()]; !ok {
				t.Errorf("examples/invalid/%s/%s is not in examples/invalid/README.md", format, e.Name())
			}
		}
	}
	if len(want) < 20 {
		t.Fatalf("only %d examples in the README's table", len(want))
	}
	for name, problem := range want {
		t.Run(name, func(t *testing.T) {
			streams, _, out, errOut := iostreams.Test()
			code := cli.Main([]string{"validate", "-o", "text", filepath.Join(dir, name)}, streams, formats.Registry(), cli.BuildInfo{Version: "test"})
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], problem+":") {
				t.Errorf("validate printed %q, want one problem %q (stderr %q)", out.String(), problem, errOut.String())
			}
			wantCode := 1
			if strings.Contains(problem, ": warning ") {
				wantCode = 0
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
		})
	}
}
