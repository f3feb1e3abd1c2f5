// Command gendocs writes rostersync's shell completions (completions/) and man pages (man/)
// from the command tree, reproducibly: the man pages carry a fixed date, so regenerating
// changes nothing unless the commands changed. Run it with go generate ./... from the
// repository root.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/cli"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// manDate is printed in the man pages' footer; bump it on a release.
var manDate = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	streams, _, _, _ := iostreams.Test()
	cmd := cli.NewRootCmd(&cli.Deps{IO: streams, Formats: formats.Registry(), Getenv: func(string) string { return "" }})
	cmd.DisableAutoGenTag = true
	dir := filepath.Join(root, "completions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gens := []struct {
		name string
		gen  func(*bytes.Buffer) error
	}{
		{"rostersync.bash", func(b *bytes.Buffer) error { return cmd.GenBashCompletionV2(b, true) }},
		{"rostersync.zsh", func(b *bytes.Buffer) error { return cmd.GenZshCompletion(b) }},
		{"rostersync.fish", func(b *bytes.Buffer) error { return cmd.GenFishCompletion(b, true) }},
		{"rostersync.ps1", func(b *bytes.Buffer) error { return cmd.GenPowerShellCompletionWithDesc(b) }},
	}
	for _, g := range gens {
		var b bytes.Buffer
		if err := g.gen(&b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, g.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	mandir := filepath.Join(root, "man")
	if err := os.MkdirAll(mandir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(mandir, "*.1"))
	for _, f := range old {
		os.Remove(f)
	}
	return doc.GenManTree(cmd, &doc.GenManHeader{Title: "ROSTERSYNC", Section: "1", Date: &manDate,
		Source: "rostersync", Manual: "rostersync manual"}, mandir)
}
