package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/cli"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// readmeStep is a command of a README example and the lines shown after it.
type readmeStep struct {
	cmd   string
	shown []string
}

// readmeBlock is one example block of the README: its commands in order, and the testscript
// that runs it instead when its inputs are built there (a "<!-- README examples: see
// NAME.txtar -->" line above the block).
type readmeBlock struct {
	line   int
	script string
	steps  []readmeStep
}

// readmeBlocks returns the README's examples: the Set up section's sh block, and every console
// block ("$ " lines are commands, the lines after each what it prints).
func readmeBlocks(readme string) []readmeBlock {
	var blocks []readmeBlock
	var cur *readmeBlock
	section, script := "", ""
	see := regexp.MustCompile(`^<!-- README examples: see (\S+\.txtar) -->$`)
	for i, l := range strings.Split(readme, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(l, "## "):
			section = l
		case cur == nil && see.MatchString(l):
			script = see.FindStringSubmatch(l)[1]
		case cur == nil && (l == "```console" || l == "```sh" && section == "## Set up"):
			blocks = append(blocks, readmeBlock{line: i + 1, script: script})
			cur, script = &blocks[len(blocks)-1], ""
		case cur != nil && l == "```":
			cur = nil
		case cur != nil && strings.HasPrefix(l, "$ "):
			cur.steps = append(cur.steps, readmeStep{cmd: strings.TrimPrefix(l, "$ ")})
		case cur != nil && section == "## Set up":
			if l != "" && !strings.HasPrefix(l, "#") {
				cur.steps = append(cur.steps, readmeStep{cmd: l})
			}
		case cur != nil && len(cur.steps) > 0:
			s := &cur.steps[len(cur.steps)-1]
			s.shown = append(s.shown, l)
		}
	}
	return blocks
}

// TestREADMEExamples runs the README's examples as a new user would, in order, in an empty
// folder beside the repository's examples/, with rostersync (installed by the first set-up
// command) and rostergen (go run ./cmd/rostergen) on hand: no command may fail as misused
// (exit 2) or for want of its input (exit 3), and every line the README shows after a command
// must be in what it printed (a line ending in "..." up to there; a "..." line stands for lines
// left out). A block whose inputs a testscript builds instead must name that script, and each
// of its commands must be there with the same subcommand and flags.
func TestREADMEExamples(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	b, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(b))
	if len(blocks) < 5 || len(blocks[0].steps) == 0 || blocks[0].steps[0].cmd != "go install ./cmd/rostersync" {
		t.Fatalf("the README's set-up does not start with go install ./cmd/rostersync (%d example blocks)", len(blocks))
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "rostergen"), "./cmd/rostergen")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build rostergen: %v\n%s", err, out)
	}
	examples, err := filepath.Abs(filepath.Join(repo, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	for _, blk := range blocks {
		t.Run(strings.ReplaceAll(blk.steps[0].cmd, "/", "_"), func(t *testing.T) {
			if blk.script != "" {
				inScript(t, filepath.Join("testdata", "script", blk.script), blk)
				return
			}
			work := t.TempDir()
			if err := os.Symlink(examples, filepath.Join(work, "examples")); err != nil {
				t.Fatal(err)
			}
			t.Chdir(work)
			t.Setenv("HOME", work)
			t.Setenv("XDG_CONFIG_HOME", filepath.Join(work, ".config"))
			t.Setenv("XDG_STATE_HOME", filepath.Join(work, ".state"))
			t.Setenv("COLUMNS", "")
			for _, st := range blk.steps {
				var printed string
				switch args, ok := strings.CutPrefix(st.cmd, "rostersync "); {
				case ok:
					var argv []string
					for _, a := range strings.Fields(args) {
						if strings.Contains(a, "*") {
							m, _ := filepath.Glob(a)
							argv = append(argv, m...)
							continue
						}
						argv = append(argv, a)
					}
					streams, _, out, errOut := iostreams.Test()
					code := cli.Main(argv, streams, formats.Registry(), cli.BuildInfo{Version: "test"})
					printed = out.String() + errOut.String()
					if code == 2 || code >= 3 {
						t.Fatalf("README line %d: %s: exit %d\n%s", blk.line, st.cmd, code, printed)
					}
				case strings.HasPrefix(st.cmd, "go install ./cmd/rostersync"), strings.HasPrefix(st.cmd, "export PATH="),
					st.cmd == "go test ./...":
					continue // rostersync is run in-process; the tests are running
				default:
					cmd := exec.Command("sh", "-c", strings.ReplaceAll(st.cmd, "go run ./cmd/rostergen", filepath.Join(bin, "rostergen")))
					out, err := cmd.CombinedOutput()
					if err != nil {
						t.Fatalf("README line %d: %s: %v\n%s", blk.line, st.cmd, err, out)
					}
					printed = string(out)
				}
				for _, l := range st.shown {
					want := l
					if i := strings.Index(l, "..."); i >= 0 {
						want = l[:i]
					}
					if strings.TrimSpace(want) != "" && !strings.Contains(printed, want) {
						t.Errorf("README line %d: %s does not print %q; it printed:\n%s", blk.line, st.cmd, want, printed)
					}
				}
			}
		})
	}
}

// inScript checks that each rostersync command of blk is in the testscript at path with the
// same subcommand and flags.
func inScript(t *testing.T, path string, blk readmeBlock) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("README line %d: %v", blk.line, err)
	}
	shape := func(args []string) string {
		var s []string
		for i, a := range args {
			if i == 0 || strings.HasPrefix(a, "-") {
				s = append(s, a)
			}
		}
		return strings.Join(s, " ")
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if _, args, ok := strings.Cut(l, "rostersync "); ok && (strings.HasPrefix(l, "exec ") || strings.HasPrefix(l, "exits ")) {
			have[shape(strings.Fields(args))] = true
		}
	}
	for _, st := range blk.steps {
		if args, ok := strings.CutPrefix(st.cmd, "rostersync "); ok && !have[shape(strings.Fields(args))] {
			t.Errorf("README line %d: %s is not run by %s", blk.line, st.cmd, path)
		}
	}
}
