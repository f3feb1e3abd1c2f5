package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/source"
	"github.com/rostersync/rostersync/pkg/transport"
)

// input is one PATH argument opened as a file system.
type input = source.Input

// openInput opens a file, a directory, a .zip or "-" (source.Open). Its failures are local
// (exit 3), but for an interrupt of the wait for stdin.
func openInput(ctx context.Context, path string, stdin io.Reader) (*input, error) {
	return source.Open(ctx, path, stdin)
}

// refused is the error of a command that must read an input a zip check refused (diff,
// history): exit 1 with the reason printed. validate, convert and push list it as a problem.
func refused(in *input) error {
	why := "refused"
	if len(in.Pre) > 0 {
		why = in.Pre[0].Message
	}
	return refusal(fmt.Errorf("%s: %s", in.Path, why))
}

// formatFlags are the format options every reading command takes (SPEC §2). The formats'
// own flags (--capti-id, --site-map …) are registered by the formats (format.Settings) and
// read by formatSettings.
type formatFlags struct {
	Format        string
	InputEncoding string
	Vendor        string
	Layout        string
}

// AddFlags registers the format options on cmd: the shared ones, then each format's own whose
// use is among what cmd does (format.Use), with their shell completions. The formats' flags
// left out are noted on cmd (notFor), for the error of a user who gives one.
func (f *formatFlags) AddFlags(cmd *cobra.Command, reg *format.Registry, does format.Use) {
	fs := cmd.Flags()
	var vendors, about []string
	for _, v := range vendorsOf(reg) {
		vendors, about = append(vendors, v.Name), append(about, v.Name+" ("+v.About+")")
	}
	fs.StringVarP(&f.Format, "format", "f", "", "input format: "+strings.Join(reg.Names(), ", ")+" (default: detected)")
	fs.StringVar(&f.InputEncoding, "input-encoding", "", "transcode input from windows-1252 or latin1 (default: UTF-8, checked)")
	fs.StringVar(&f.Vendor, "vendor", "", "add a vendor's reading rules: "+strings.Join(about, ", "))
	for _, ft := range reg.Formats() {
		c, ok := ft.(format.Configurable)
		if !ok {
			continue
		}
		s := c.NewSettings()
		ffs := format.NewFlagSet(fs, does)
		s.AddFlags(ffs)
		for name, use := range ffs.Skipped() {
			notFor(cmd, name, use)
		}
		if fv, ok := s.(format.FlagValuer); ok {
			for name, values := range fv.FlagValues() {
				if fs.Lookup(name) != nil {
					_ = cmd.RegisterFlagCompletionFunc(name, fixedCompletion(values...))
				}
			}
		}
	}
	fs.StringVar(&f.Layout, "layout", "", "column layout from the config file's layouts section")
	_ = cmd.RegisterFlagCompletionFunc("vendor", fixedCompletion(vendors...))
}

// vendorsOf lists the vendor rule sets of the formats of reg (format.Vendors).
func vendorsOf(reg *format.Registry) []format.Vendor {
	var out []format.Vendor
	for _, ft := range reg.Formats() {
		if v, ok := ft.(format.Vendors); ok {
			for _, vd := range v.Vendors() {
				if !slices.ContainsFunc(out, func(x format.Vendor) bool { return x.Name == vd.Name }) {
					out = append(out, vd)
				}
			}
		}
	}
	return out
}

// options turns the shared flags into format options.
func (f *formatFlags) options(reg *format.Registry) (format.Options, error) {
	o := format.Options{
		InputEncoding: f.InputEncoding,
		Vendor:        f.Vendor,
	}
	if !csvio.ValidEncoding(f.InputEncoding) {
		return o, usageError(fmt.Errorf("unknown --input-encoding %q", f.InputEncoding), "use windows-1252 or latin1")
	}
	var vendors []string
	for _, v := range vendorsOf(reg) {
		vendors = append(vendors, v.Name)
	}
	if f.Vendor != "" && !slices.Contains(vendors, f.Vendor) {
		return o, usageError(fmt.Errorf("unknown --vendor %q", f.Vendor), "the vendor rule sets are: "+strings.Join(vendors, ", "))
	}
	return o, nil
}

// formatSettings gives each format with settings of its own (format.Configurable) its
// settings in o: its section of profile p (nil: none), with the flags given on the command
// line in flags (nil: none) over it. A bad value is a *format.SettingError, which exitCode
// maps to a usage error; a file a setting names that cannot be loaded (a site map) is exit 3.
func formatSettings(reg *format.Registry, flags *pflag.FlagSet, p *config.Profile, o format.Options) (format.Options, error) {
	for _, ft := range reg.Formats() {
		c, ok := ft.(format.Configurable)
		if !ok {
			continue
		}
		s := c.NewSettings()
		if p != nil {
			if _, err := p.DecodeSettings(ft.Name(), s); err != nil {
				return o, fmt.Errorf("%w: profile %s: %w", config.ErrConfig, p.Name, err)
			}
		}
		if flags != nil {
			own := pflag.NewFlagSet(ft.Name(), pflag.ContinueOnError)
			s.AddFlags(format.NewFlagSet(own, format.AllUses)) // bound to s, the profile's values as defaults
			var err error
			own.VisitAll(func(fl *pflag.Flag) {
				if given := flags.Lookup(fl.Name); given != nil && given.Changed && err == nil {
					err = fl.Value.Set(given.Value.String())
				}
			})
			if err != nil {
				return o, usageError(err)
			}
		}
		v, err := s.Value()
		if err != nil {
			return o, err
		}
		o = o.WithSettings(ft.Name(), v)
	}
	return o, nil
}

// openPicked opens path (an sftp:// URL when g is given, else a file, a directory, a .zip or
// "-") and takes its format: formatName, else the one detected. A command that must read the
// input whole (diff, history: they compare what they read) passes whole, and a zip the zip
// checks refused is then a refusal (exit 1) before any format is picked; validate, convert and
// sync read it as an input whose problems (in.Pre) readInput reports. On an error nothing is
// left open; otherwise the input is the caller's to close.
func openPicked(ctx context.Context, deps *Deps, g *GlobalOptions, path, formatName string, whole bool) (*input, format.Format, error) {
	var in *input
	var err error
	if g != nil && transport.IsURL(path) {
		in, err = openRemote(ctx, deps, g, path)
	} else {
		in, err = openInput(ctx, path, deps.IO.In)
	}
	if err != nil {
		return nil, nil, err
	}
	if whole && in.Refused {
		in.Close()
		return nil, nil, refused(in)
	}
	f, err := pickFormat(deps, formatName, in)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, f, nil
}

// pickFormat returns the --format named, or the one detected for in. A refused zip is taken
// for a package of the first multi-file format registered (format.Packaging). A lone file is then named the
// way the format reads it (format.Namer): stdin holding a OneRoster users.csv is users.csv.
func pickFormat(deps *Deps, name string, in *input) (format.Format, error) {
	f, err := lookupOrDetect(deps, name, in)
	if err != nil {
		return nil, err
	}
	nm, ok := f.(format.Namer)
	if ok && in.File != nil {
		if n := nm.NameFor(in.File.Name, format.HeaderLine(in.FS, in.File.Name)); n != in.File.Name {
			in.File.Name, in.Single = n, n
		}
	}
	if !ok && in.File != nil && in.File.Name == "-" && format.PackagingOf(f).Multi {
		// One unnamed file of a format read as a set of named files: nothing to read it as.
		return nil, usageError(fmt.Errorf("%s rosters are sets of files, and stdin holds one file", format.Title(f)),
			"give the folder or a .zip (a zip may come on stdin)")
	}
	return f, nil
}

// shownFormat is the name of format f as picked for in with --format given: "" for a refused
// zip read without --format, which nothing was detected from (f then only carries the zip's
// problems). A summary shows "" as no format picked (formatShown).
func shownFormat(f format.Format, in *input, given string) string {
	if in.Refused && given == "" {
		return ""
	}
	return f.Name()
}

func lookupOrDetect(deps *Deps, name string, in *input) (format.Format, error) {
	if name == "" && in.Refused {
		for _, f := range deps.Formats.Formats() {
			if format.PackagingOf(f).Multi {
				return f, nil
			}
		}
	}
	if name != "" {
		f, err := deps.Formats.Lookup(name)
		if err != nil {
			return nil, usageError(err)
		}
		return f, nil
	}
	f, err := deps.Formats.Detect(in.FS)
	if err != nil && in.File != nil && in.File.Size == 0 {
		// Named students.csv or users.csv it would be detected, and its format says it is
		// empty (exit 1); otherwise there is no format to ask.
		return nil, fmt.Errorf("%s is empty: there is nothing to check", in.Path)
	}
	if err != nil {
		hint := "name the format with --format " + strings.Join(deps.Formats.Names(), "|")
		if names, lerr := format.Files(in.FS); lerr == nil && len(names) == 0 {
			return nil, errclass.New(errclass.Local, fmt.Errorf("%s: no files to read", in.Path), "give a roster file, a folder of roster files or a zip")
		}
		if why := undetectedWhy(in); why != "" {
			hint = why + "; or " + hint
		}
		return nil, errclass.New(errclass.Local, fmt.Errorf("%s: %w", in.Path, err), hint)
	}
	return f, nil
}

// loneName is the one file an input holds, as format f reads it: a lone file, or a folder or
// zip of one file (users.csv alone); "" when the input holds more (a package).
func loneName(f format.Format, in *input) string {
	if in.Single != "" {
		return in.Single
	}
	names, err := format.Files(in.FS)
	if err != nil || len(names) != 1 {
		return ""
	}
	if nm, ok := f.(format.Namer); ok {
		return nm.NameFor(names[0], format.HeaderLine(in.FS, names[0]))
	}
	return names[0]
}

// undetectedWhy says why a lone file's header matched no format when its bytes tell: UTF-16, a
// NUL byte, or another separator than the comma.
func undetectedWhy(in *input) string {
	if in.File == nil {
		return ""
	}
	rc, err := in.File.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(rc, head)
	switch what, line := csvio.NotText(head[:n]); what {
	case "UTF-16", "UTF-32":
		return fmt.Sprintf("the file is %s, not UTF-8: save it as \"CSV UTF-8\"", what)
	case "binary":
		return "the file holds NUL bytes throughout: it is binary, not a CSV text file"
	case "NUL":
		return fmt.Sprintf("line %d holds a NUL byte: remove it, or check that the file is the CSV export", line)
	}
	line, _, _ := strings.Cut(strings.TrimPrefix(string(head[:n]), "\uFEFF"), "\n")
	return csvio.OtherSeparator(strings.TrimSuffix(line, "\r"))
}

// readInput reads an opened input with its format into sink. The input's own problems (a
// refused zip) are reported first, and a single file's problems carry the path as given.
func readInput(ctx context.Context, f format.Format, in *input, fopts format.Options, sink roster.Sink, probs *roster.Problems) (format.Info, error) {
	if in.Single != "" {
		if probs.Rename == nil {
			probs.Rename = map[string]string{}
		}
		probs.Rename[in.Single] = in.Path
	}
	for _, p := range in.Pre {
		probs.Report(p)
	}
	if in.Refused {
		return format.Info{Format: f.Name(), Files: []format.FileInfo{}}, nil
	}
	info, err := f.Read(ctx, in.FS, fopts, sink, probs)
	if err != nil {
		if ctx.Err() != nil {
			return info, ctx.Err()
		}
		return info, fmt.Errorf("read %s: %w", in.Path, err)
	}
	return info, nil
}

// notForKey is the annotation of a command naming a format flag it leaves out, with its use.
const notForKey = "rostersync.not-for:"

// notFor notes on cmd that the format flag name, of use, is not one of its flags.
func notFor(cmd *cobra.Command, name string, use format.Use) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[notForKey+name] = use.String()
}

// flagError is the usage error (exit 2) of a bad flag on c: for a format flag c leaves out
// (notFor), what the flag is for instead of cobra's "unknown flag".
func flagError(c *cobra.Command, err error) error {
	cmdName := strings.TrimPrefix(c.CommandPath(), "rostersync ")
	see := fmt.Sprintf("see 'rostersync %s --help'", cmdName)
	if ne, ok := errors.AsType[*pflag.NotExistError](err); ok {
		if what, ok := c.Annotations[notForKey+ne.GetSpecifiedName()]; ok {
			return usageError(fmt.Errorf("%s does not take --%s: it changes only %s", cmdName, ne.GetSpecifiedName(), what), see)
		}
	}
	return usageError(err, see)
}
