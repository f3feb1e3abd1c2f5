// Package cli is rostersync's command tree: one file per command, each filling an options
// struct and calling a run function. Main maps every error to the exit codes of SPEC §3 in one
// place, and prints one message (plus hints) on stderr for exit codes of 2 and more.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// BuildInfo is the version stamped by the release build.
type BuildInfo struct {
	Version, Commit, Date string
}

// Deps are what commands depend on, so tests can replace them.
type Deps struct {
	IO      *iostreams.IOStreams
	Formats *format.Registry
	Build   BuildInfo
	// Getenv reads the environment (os.Getenv by default).
	Getenv func(string) string

	config *config.Config
}

// GlobalOptions are the flags every command shares.
type GlobalOptions struct {
	ConfigPath string
	Profile    string
	Output     string
	Quiet      bool

	// styles are the output styles of the command run (outputs); outputGiven says -o was
	// given on the command line (not ROSTERSYNC_OUTPUT).
	styles      []string
	outputGiven bool
}

// Main runs rostersync with args (without the program name) and the formats of reg, and
// returns the exit code.
func Main(args []string, streams *iostreams.IOStreams, reg *format.Registry, build BuildInfo) int {
	deps := &Deps{IO: streams, Formats: reg, Build: build, Getenv: os.Getenv}
	// Every way a run can be stopped cancels ctx, so temporary files (spooled stdin holds
	// student data) are removed: Ctrl-C, kill, a dropped SSH session (SIGHUP), unless the run
	// was started to ignore SIGHUP (nohup), which asking for it would undo.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	// A reader that stops early (| head) makes writes fail with EPIPE instead of killing the
	// process before it cleans up; Run exits 141 for it, as a shell would.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	deps.IO.Out = &pipeWatch{w: deps.IO.Out}
	return Run(ctx, deps, args)
}

// pipeWatch notes that writing to stdout failed because its reader went away.
type pipeWatch struct {
	w      io.Writer
	broken bool
}

func (p *pipeWatch) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if err != nil && brokenPipe(err) {
		p.broken = true
	}
	return n, err
}

// brokenPipe reports a write to a pipe nobody reads: EPIPE, or Windows' ERROR_BROKEN_PIPE
// (109) and ERROR_NO_DATA (232).
func brokenPipe(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, syscall.EPIPE) || runtime.GOOS == "windows" && errors.As(err, &errno) && (errno == 109 || errno == 232)
}

// Run executes the command tree with deps and returns the exit code. A panic (a bug) is exit 3
// with one line asking for a report; its stack trace only with ROSTERSYNC_DEBUG set, so cron
// mail and logs never hold one.
func Run(ctx context.Context, deps *Deps, args []string) (code int) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		stack := debug.Stack()
		if p, ok := v.(*csvio.Panic); ok {
			v, stack = p.Value, append(p.Stack, stack...)
		}
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: internal error: %s; this is a bug in rostersync: please report it, with the command you ran (not the roster data)\n", panicText(v))
		if deps.Getenv != nil && deps.Getenv("ROSTERSYNC_DEBUG") != "" {
			deps.IO.ErrOut.Write(stack) //nolint:errcheck // best effort, on the way out
		} else {
			fmt.Fprintln(deps.IO.ErrOut, "rostersync: hint: set ROSTERSYNC_DEBUG=1 to see where it happened")
		}
		code = ExitLocal
	}()
	root := NewRootCmd(deps)
	root.SetArgs(args)
	root.SetIn(deps.IO.In)
	root.SetOut(deps.IO.Out)
	root.SetErr(deps.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if pw, ok := deps.IO.Out.(*pipeWatch); ok && pw.broken && err != nil {
		return ExitBrokenPipe // the reader of stdout went away: nothing to say, nowhere to say it
	}
	code = exitCode(err)
	if err != nil && printed(err, code) {
		if code == ExitInterrupted {
			fmt.Fprintln(deps.IO.ErrOut, "rostersync: interrupted")
			return code
		}
		// A message may quote a file name or a value: escaped, as every text output is.
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: error: %s\n", termSafe(err.Error()))
		for _, h := range hintsOf(err) {
			fmt.Fprintf(deps.IO.ErrOut, "rostersync: hint: %s\n", termSafe(h))
		}
	}
	return code
}

// panicText is what a panic says: a runtime error's text (no data in it), or only the type of
// any other value, which could hold roster data.
func panicText(v any) string {
	if e, ok := v.(runtime.Error); ok {
		return e.Error()
	}
	return fmt.Sprintf("a panic (%T)", v)
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(deps *Deps) *cobra.Command {
	g := &GlobalOptions{}
	root := &cobra.Command{
		Use:   "rostersync",
		Short: "Validate, convert, diff and safely upload student roster files",
		Long: `rostersync checks a roster export exactly as the vendor will, converts between
OneRoster CSV, the Capti roster, uppercase students.csv, Clever's SFTP CSV and
Microsoft School Data Sync v2.1, tells what changed between two nightly snapshots, and
uploads over SFTP atomically, refusing a file that would wipe out students.
` + exitStatusHelp,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Version:           deps.versionString(),
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate("rostersync {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.ConfigPath, "config", "", "config file (default ./rostersync.yaml, then the user config dir)")
	pf.StringVarP(&g.Profile, "profile", "p", "", "profile of the config file to use")
	pf.StringVarP(&g.Output, "output", "o", "", "output style, of those the command lists under OUTPUT STYLES: table, text, json or csv (default table on a terminal, text otherwise)")
	pf.BoolVarP(&g.Quiet, "quiet", "q", false, "print nothing unless something is wrong (for cron)")
	_ = root.RegisterFlagCompletionFunc("output", func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return stylesOf(c), cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("profile", profileCompletion(deps, g))
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := bindEnv(deps, cmd.Flags()); err != nil {
			return err
		}
		return g.takeOutput(cmd)
	}

	root.AddCommand(
		newValidateCmd(deps, g),
		newConvertCmd(deps, g),
		newDiffCmd(deps, g),
		newConfigCmd(deps, g),
		newVersionCmd(deps),
		newHistoryCmd(deps, g),
		newHoldCmd(deps, g),
		newPushCmd(deps, g),
		newSyncCmd(deps, g),
		newKnownHostsCmd(deps, g),
	)
	// "completion ksh" is a usage error (exit 2), not the completion command's help.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.NoArgs
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
	usageArgs(root)
	return root
}

// usageArgs makes a wrong number of arguments a usage error (exit 2) on every command.
func usageArgs(c *cobra.Command) {
	if a := c.Args; a != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := a(cmd, args); err != nil {
				if errclass.Of(err) != errclass.Unclassed {
					return err
				}
				return usageError(err, fmt.Sprintf("see 'rostersync %s --help'", strings.TrimPrefix(cmd.CommandPath(), "rostersync ")))
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// allStyles are the output styles (-o) there are.
var allStyles = []string{"table", "text", "json", "csv"}

// outputKey is the annotation of a command listing its output styles (outputs).
const outputKey = "rostersync.output"

// outputs declares the output styles (-o) cmd has, and lists them in its help before EXIT
// STATUS: -o with another is a usage error. A command declaring none takes no -o.
func outputs(cmd *cobra.Command, styles ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[outputKey] = strings.Join(styles, ",")
	def := "text"
	if slices.Contains(styles, "table") {
		def = "table on a terminal, text otherwise"
	}
	section := fmt.Sprintf("\nOUTPUT STYLES\n  -o %s (default %s)\n", strings.Join(styles, "|"), def)
	if strings.Contains(cmd.Long, exitStatusHelp) {
		cmd.Long = strings.Replace(cmd.Long, exitStatusHelp, section+exitStatusHelp, 1)
	} else {
		long := cmd.Long
		if long == "" {
			long = cmd.Short + "."
		}
		cmd.Long = strings.TrimRight(long, "\n") + "\n" + section
	}
}

// stylesOf returns the output styles cmd declared (outputs); none when it declared none.
func stylesOf(cmd *cobra.Command) []string {
	if s := cmd.Annotations[outputKey]; s != "" {
		return strings.Split(s, ",")
	}
	return nil
}

// styleList is styles for a message: "text and json", "table, text, json and csv".
func styleList(styles []string) string {
	if len(styles) < 2 {
		return strings.Join(styles, "")
	}
	return strings.Join(styles[:len(styles)-1], ", ") + " and " + styles[len(styles)-1]
}

// takeOutput notes the output styles of cmd, and refuses a -o given on the command line that
// is not one of them (exit 2). help and the shell's completion requests take any.
func (g *GlobalOptions) takeOutput(cmd *cobra.Command) error {
	g.styles = stylesOf(cmd)
	g.outputGiven = cmd.Flags().Changed("output")
	if !g.outputGiven || cmd.Name() == "help" || strings.HasPrefix(cmd.Name(), "__complete") {
		return nil
	}
	name := strings.TrimPrefix(cmd.CommandPath(), "rostersync ")
	if len(g.styles) == 0 {
		hint := fmt.Sprintf("see 'rostersync %s --help'", name)
		if name == "sync" {
			hint = "sync writes its step records on stderr: --log-format text or json"
		}
		return usageError(fmt.Errorf("%s takes no -o: its output has one style", name), hint)
	}
	return g.checkStyle(name, g.styles)
}

// checkStyle refuses a -o given on the command line that is not one of styles, what the
// command called name has (history --diff has fewer styles than history).
func (g *GlobalOptions) checkStyle(name string, styles []string) error {
	if !g.outputGiven || slices.Contains(styles, g.Output) {
		return nil
	}
	if !slices.Contains(allStyles, g.Output) {
		return usageError(fmt.Errorf("unknown output style %q", g.Output), fmt.Sprintf("%s's output styles (-o) are %s", name, styleList(styles)))
	}
	return usageError(fmt.Errorf("%s has no -o %s output", name, g.Output), fmt.Sprintf("%s's output styles (-o) are %s", name, styleList(styles)))
}

// outputStyle resolves -o against the command's styles and the terminal default: table on a
// terminal when the command has it, else text. ROSTERSYNC_OUTPUT, a default for every command,
// naming a style the command does not have gives the command's default.
func (g *GlobalOptions) outputStyle(deps *Deps) (string, error) {
	o := g.Output
	if o == "" {
		o = deps.Getenv("ROSTERSYNC_OUTPUT")
	}
	if o != "" && !slices.Contains(allStyles, o) {
		if !g.outputGiven {
			// No -o on the command line: the value is the environment's, so name where it
			// comes from.
			return "", usageError(fmt.Errorf("unknown output style %q in ROSTERSYNC_OUTPUT", o),
				"ROSTERSYNC_OUTPUT takes table, text, json or csv (a command without that style uses its own default): correct it, unset it, or give -o")
		}
		return "", usageError(fmt.Errorf("unknown output style %q", o), "use -o table, text, json or csv")
	}
	if o != "" && g.styles != nil && !slices.Contains(g.styles, o) && !g.outputGiven {
		o = "" // from the environment: the command's default
	}
	if o == "" {
		if deps.IO.IsStdoutTTY && (g.styles == nil || slices.Contains(g.styles, "table")) {
			return "table", nil
		}
		return "text", nil
	}
	return o, nil
}
