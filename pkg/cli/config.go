package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
)

// bindEnv gives the global flags their ROSTERSYNC_* values from deps.Getenv (ROSTERSYNC_OUTPUT,
// ROSTERSYNC_PROFILE, ROSTERSYNC_QUIET; ROSTERSYNC_CONFIG is read by pkg/config): a flag on the
// command line wins over the environment, which wins over the defaults.
func bindEnv(deps *Deps, flags *pflag.FlagSet) error {
	getenv := deps.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if err := config.ApplyEnv(flags, getenv, "output", "profile", "quiet"); err != nil {
		return usageError(err)
	}
	return nil
}

// loadConfig reads the config file once per run. Configuration errors are exit 2, with the
// chmod hint for an insecure file.
func (d *Deps) loadConfig(g *GlobalOptions) (*config.Config, error) {
	if d.config != nil {
		return d.config, nil
	}
	c, err := config.Load(config.LoadOptions{Path: g.ConfigPath, Getenv: d.Getenv, Formats: d.Formats})
	if err != nil {
		return nil, err
	}
	d.config = c
	return c, nil
}

// profile returns the --profile named (nil when none).
func (d *Deps) profile(g *GlobalOptions) (*config.Config, *config.Profile, error) {
	c, err := d.loadConfig(g)
	if err != nil {
		return nil, nil, err
	}
	if g.Profile == "" {
		return c, nil, nil
	}
	p, err := c.Profile(g.Profile)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

// resolve resolves the format options of a command: flags given on the command line win over
// the --profile's settings, which win over the defaults. It takes the layout they name, and
// the formats' own settings load what they name (the site map).
func (f *formatFlags) resolve(cmd *cobra.Command, deps *Deps, g *GlobalOptions) (format.Options, *config.Profile, error) {
	cfg, p, err := deps.profile(g)
	if err != nil {
		return format.Options{}, nil, err
	}
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if p != nil {
		pick := func(name string, dst *string, val string) {
			if !changed(name) && val != "" {
				*dst = val
			}
		}
		format := p.Format
		if format == "" {
			format = p.From
		}
		pick("format", &f.Format, format)
		pick("vendor", &f.Vendor, p.Vendor)
		pick("layout", &f.Layout, p.Layout)
	}
	o, err := f.options(deps.Formats)
	if err != nil {
		return o, nil, err
	}
	if f.Format != "" { // before any input is opened: a bad name is a usage error (exit 2)
		if _, err := deps.Formats.Lookup(f.Format); err != nil {
			return o, nil, usageError(err)
		}
	}
	if p != nil {
		o.Org, o.Role, o.Zip = p.Org, p.Role, p.Zip
	}
	if f.Layout != "" {
		l, ok := cfg.Layouts[strings.ToLower(f.Layout)]
		if !ok {
			known := make([]string, 0, len(cfg.Layouts))
			for n := range cfg.Layouts {
				known = append(known, n)
			}
			slices.Sort(known)
			hint := fmt.Sprintf("the layouts of %s are %s", cfg.File, strings.Join(known, ", "))
			switch {
			case cfg.File == "":
				hint = fmt.Sprintf("no config file was found (looked for %s): define the layout under layouts: in one (see examples/rostersync.yaml), or give --config FILE",
					strings.Join(cfg.Searched, ", "))
			case len(known) == 0:
				hint = fmt.Sprintf("%s defines no layouts: add one under layouts: (see examples/rostersync.yaml)", cfg.File)
			}
			return o, nil, usageError(fmt.Errorf("--layout %q: no such layout in the config file", f.Layout), hint)
		}
		o.Layout = &l
	}
	if o, err = formatSettings(deps.Formats, cmd.Flags(), p, o); err != nil {
		return o, nil, err
	}
	return o, p, nil
}

func newConfigCmd(deps *Deps, g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the effective configuration",
		Long: `Commands about the configuration file: --config, else ROSTERSYNC_CONFIG, else
./rostersync.yaml, else rostersync/config.yaml in the user config dir.
` + exitStatusHelp,
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration, secrets redacted",
		Long: `Print the configuration file read, with relative paths resolved, defaults applied
and secrets (password, passphrase) shown as ***. With --profile, only that profile.
` + exitStatusHelp,
		Example: `  rostersync config show
  rostersync --config /etc/rostersync.yaml config show --profile capti-nightly`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := deps.loadConfig(g)
			if err != nil {
				return err
			}
			if g.Profile != "" {
				if _, err := c.Profile(g.Profile); err != nil {
					return err
				}
			}
			return config.Show(deps.IO.Out, c, g.Profile)
		},
	}
	cmd.AddCommand(show)
	return cmd
}

// profileCompletion completes --profile with the profile names of the config file.
func profileCompletion(deps *Deps, g *GlobalOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		c, err := config.Load(config.LoadOptions{Path: g.ConfigPath, Getenv: deps.Getenv, Formats: deps.Formats})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return c.ProfileNames(), cobra.ShellCompDirectiveNoFileComp
	}
}
