// Command rostersync validates, converts, compares and safely uploads student roster files.
package main

//go:generate go run ../../internal/gendocs -root ../..

import (
	"os"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/cli"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// Set by the release build with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(cli.Main(os.Args[1:], iostreams.System(), formats.Registry(), cli.BuildInfo{Version: version, Commit: commit, Date: date}))
}
