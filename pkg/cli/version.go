package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion returns the version, commit and date stamped by the release build, falling back
// to what the Go toolchain recorded (a go install build has the module version and VCS data).
func (d *Deps) buildVersion() BuildInfo {
	b := d.Build
	if b.Version != "" {
		return b
	}
	b.Version = "dev"
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
					if len(b.Commit) > 12 {
						b.Commit = b.Commit[:12]
					}
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			}
		}
	}
	return b
}

func (d *Deps) versionString() string {
	b := d.buildVersion()
	s := b.Version
	if b.Commit != "" {
		s += " (" + b.Commit
		if b.Date != "" {
			s += ", " + b.Date
		}
		s += ")"
	}
	return s
}

func newVersionCmd(deps *Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long:  "Print rostersync's version, the commit it was built from, its build date and the Go version.\n" + exitStatusHelp,
		Example: `  rostersync version
  rostersync --version`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b := deps.buildVersion()
			fmt.Fprintf(deps.IO.Out, "rostersync %s\ncommit: %s\ndate: %s\ngo: %s %s/%s\n", b.Version,
				orUnknown(b.Commit), orUnknown(b.Date), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
