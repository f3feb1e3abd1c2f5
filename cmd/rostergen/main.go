// Command rostergen writes deterministic synthetic OneRoster 1.1 packages for tests, examples
// and benchmarks: the same flags always give the same bytes, and --night 2 gives the next
// night's export with a known number of changes, printed as JSON on stdout and written to
// DIR/changes.json.
//
//	rostergen --users 1000000 --out /tmp/night1
//	rostergen --users 1000000 --night2 --out /tmp/night2              # 1% added, 1% removed, 2% changed
//	rostergen --users 1000000 --night2 --added 5 --removed 0 --out /tmp/night2
//	rostergen --users 1000000 --format clever --out /tmp/clever           # the same roster as a Clever upload
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/rostersync/rostersync/pkg/rostergen"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("rostergen", flag.ContinueOnError)
	var o rostergen.Options
	var out string
	fs.IntVar(&o.Users, "users", 1000, "number of users on night 1: about 86% students, 4% teachers, 9% guardians, 1% aides and administrators")
	fs.StringVar(&out, "out", "", "directory to write the package into (created)")
	fs.StringVar(&o.Format, "format", rostergen.FormatOneRoster, "output format: oneroster (a OneRoster 1.1 package), clever (a Clever SFTP upload of the same roster) or sds (SDS v2.1, the same roster)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed: the same seed gives the same data")
	fs.IntVar(&o.Night, "night", 1, "1 or 2: night 2 is night 1 with changes")
	night2 := fs.Bool("night2", false, "write night 2 (the same as --night 2)")
	fs.Float64Var(&o.Added, "added", 1, "night 2: percent of night 1's students added")
	fs.Float64Var(&o.Removed, "removed", 1, "night 2: percent of night 1's students removed (their guardians go with them)")
	fs.Float64Var(&o.Changed, "changed", 2, "night 2: percent of users changed (a new given name); a fifth as many students move class")
	fs.Float64Var(&o.ChangePercent, "change", rostergen.DefaultChangePercent, "night 2: one rate instead of the three above (half added, half removed, all changed); used only when given")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rostergen --users N --out DIR [--format oneroster|clever|sds] [--night2 [--added PCT] [--removed PCT] [--changed PCT]] [--seed S]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *night2 {
		o.Night = 2
	}
	o.Split = true
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "change" {
			o.Split = false
		}
	})
	if out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sum, err := rostergen.Generate(ctx, out, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rostergen:", err)
		return 1
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "rostergen:", err)
		return 1
	}
	b = append(b, '\n')
	changes := filepath.Join(out, "changes.json")
	if o.Night == 2 {
		// The true counts, for checking a diff against.
		if err := os.WriteFile(changes, b, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "rostergen:", err)
			return 1
		}
	} else if err := os.Remove(changes); err != nil && !errors.Is(err, os.ErrNotExist) {
		// Night 1 over a night-2 folder: its counts would no longer be true.
		fmt.Fprintln(os.Stderr, "rostergen:", err)
		return 1
	}
	os.Stdout.Write(b) //nolint:errcheck // stdout
	return 0
}
