// Command rostergen writes deterministic synthetic OneRoster 1.1 packages for tests, examples
// and benchmarks: the same flags always give the same bytes, and --night 2 gives the next
// night's export with a known number of changes, printed as JSON on stdout.
//
//	rostergen --users 1000000 --out /tmp/night1
//	rostergen --users 1000000 --night 2 --out /tmp/night2
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/rostersync/rostersync/pkg/rostergen"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("rostergen", flag.ContinueOnError)
	var o rostergen.Options
	var out string
	fs.IntVar(&o.Users, "users", 1000, "number of users on night 1 (students, teachers, two administrators)")
	fs.StringVar(&out, "out", "", "directory to write the package into (created)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed: the same seed gives the same data")
	fs.IntVar(&o.Night, "night", 1, "1 or 2: night 2 is night 1 with changes")
	fs.Float64Var(&o.ChangePercent, "change", rostergen.DefaultChangePercent, "night 2 change rate in percent")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rostergen --users N --out DIR [--night 2] [--seed S] [--change PCT]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
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
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(sum) //nolint:errcheck // stdout
	return 0
}
