package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rostersync/rostersync/pkg/cli"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rostersync": func() {
			os.Exit(cli.Main(os.Args[1:], iostreams.System(), cli.BuildInfo{Version: "test"}))
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
			"exits": cmdExits,
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
