package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// input is one PATH argument opened as a file system.
type input struct {
	Path   string // as given
	FS     fs.FS
	Single string // the base name of a single-file input; "" for a directory or zip
	Dir    string // a directory input: the folder read (PATH, or the one folder inside it)
	Pre    []roster.Problem
	// Refused is set for a zip refused before reading (its problems are in Pre): there is
	// nothing to detect or read.
	Refused bool
	file    *format.FileFS // a single file's FS, renamed by a format's Namer
	close   func() error
}

func (in *input) Close() error {
	if in.close != nil {
		return in.close()
	}
	return nil
}

// openInput opens a file, a directory, a .zip or "-". Stdin and named pipes are spooled to a
// private temporary file first (spoolStream), so they can be read twice and may be zips. A zip
// is known by its first bytes, so a zip saved under another name is read as one.
func openInput(ctx context.Context, path string, stdin io.Reader) (*input, error) {
	tmp, err := spoolStream(ctx, path, stdin)
	if err != nil {
		return nil, err
	}
	if tmp == "" {
		return openLocal(path, path)
	}
	in, err := openLocal(tmp, path)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	inner := in.close
	in.close = func() error {
		if inner != nil {
			inner() //nolint:errcheck // the file goes next
		}
		return os.Remove(tmp)
	}
	return in, nil
}

// spoolStream copies a PATH that can be read only once, and maybe only when a writer comes,
// into a private temporary file and returns its path: "-" (stdin), or a named pipe or socket
// (<(zcat export.csv.gz)). It returns "" for any other PATH, which is read in place.
func spoolStream(ctx context.Context, path string, stdin io.Reader) (string, error) {
	switch {
	case path == "-":
		return spool(ctx, "stdin", func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil })
	case isStream(path):
		return spool(ctx, path, func() (io.ReadCloser, error) { return os.Open(path) })
	}
	return "", nil
}

// isStream reports whether PATH is read once, like stdin: "-", or a named pipe or socket. A
// device is not (/dev/zero never ends): openLocal refuses it.
func isStream(path string) bool {
	const stream = fs.ModeNamedPipe | fs.ModeSocket
	st, err := os.Stat(path)
	return path == "-" || err == nil && st.Mode()&stream != 0
}

// openLocal opens the local file or folder at path, shown as shown (the PATH given: "-" for
// spooled stdin) in messages and problems.
func openLocal(path, shown string) (*input, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, withExit(ExitLocal, fmt.Errorf("open %s: %w", shown, unwrapPathError(err)))
	}
	name := filepath.Base(shown)
	collect := func(in *input) roster.Reporter {
		return roster.ReporterFunc(func(p roster.Problem) { in.Pre = append(in.Pre, p) })
	}
	if st.IsDir() {
		in := &input{Path: shown}
		in.Dir, in.FS = format.OpenDir(path, name, collect(in))
		return in, nil
	}
	if !st.Mode().IsRegular() {
		return nil, withExit(ExitLocal, fmt.Errorf("%s is a device, not a file (a device such as /dev/zero may never end): give a file, a folder, or - for stdin", shown))
	}
	// Read the start once: an unreadable file is exit 3 up front, and a zip shows itself.
	f, err := os.Open(path)
	if err != nil {
		return nil, withExit(ExitLocal, fmt.Errorf("open %s: %w", shown, unwrapPathError(err)))
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if strings.EqualFold(filepath.Ext(path), ".zip") || bytes.Equal(magic[:n], []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			f.Close()
			return nil, withExit(ExitLocal, fmt.Errorf("read zip %s: %w", shown, err))
		}
		in := &input{Path: shown, close: f.Close}
		fsys, ok := format.OpenZip(zr, st.Size(), name, collect(in))
		in.FS, in.Refused = fsys, !ok
		if !ok {
			in.FS = emptyFS{}
		}
		return in, nil
	}
	f.Close()
	file := &format.FileFS{Name: name, Size: st.Size(), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
	return &input{Path: shown, Single: name, FS: file.AsFS(), file: file}, nil
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

// spool copies what open gives (stdin, a named pipe) into a private temporary file (0600) and
// returns its path. Opening and reading happen on another goroutine, so an interrupt stops
// the wait for a writer or for more input.
func spool(ctx context.Context, what string, open func() (io.ReadCloser, error)) (string, error) {
	f, err := os.CreateTemp("", "rostersync-stdin-*")
	if err != nil {
		return "", withExit(ExitLocal, err)
	}
	done := make(chan error, 1)
	go func() {
		r, err := open()
		if err == nil {
			_, err = io.Copy(f, r)
			r.Close()
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err() // the copy blocks until the process ends
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var errno syscall.Errno
		if errors.As(err, &errno) {
			err = errno // not the temporary file's name: "is a directory", "permission denied"
		}
		return "", withExit(ExitLocal, fmt.Errorf("read %s: %w", what, err))
	}
	return f.Name(), nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
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

// AddFlags registers the format options on cmd: the shared ones, then each format's own, with
// their shell completions.
func (f *formatFlags) AddFlags(cmd *cobra.Command, reg *format.Registry) {
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
		s.AddFlags(fs)
		if fv, ok := s.(format.FlagValuer); ok {
			for name, values := range fv.FlagValues() {
				_ = cmd.RegisterFlagCompletionFunc(name, fixedCompletion(values...))
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
				return o, configError(fmt.Errorf("%w: profile %s: %w", config.ErrConfig, p.Name, err))
			}
		}
		if flags != nil {
			own := pflag.NewFlagSet(ft.Name(), pflag.ContinueOnError)
			s.AddFlags(own) // bound to s, the profile's values as defaults
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

// pickFormat returns the --format named, or the one detected for in. A refused zip is taken
// for a package of the first multi-file format registered (format.Packaging). A lone file is then named the
// way the format reads it (format.Namer): stdin holding a OneRoster users.csv is users.csv.
func pickFormat(deps *Deps, name string, in *input) (format.Format, error) {
	f, err := lookupOrDetect(deps, name, in)
	if err != nil {
		return nil, err
	}
	if nm, ok := f.(format.Namer); ok && in.file != nil {
		if n := nm.NameFor(in.file.Name, format.HeaderLine(in.FS, in.file.Name)); n != in.file.Name {
			in.file.Name, in.Single = n, n
		}
	}
	return f, nil
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
	if err != nil && in.file != nil && in.file.Size == 0 {
		// Named students.csv or users.csv it would be detected, and its format says it is
		// empty (exit 1); otherwise there is no format to ask.
		return nil, withExit(ExitLocal, fmt.Errorf("%s is empty: there is nothing to check", in.Path))
	}
	if err != nil {
		hint := "name the format with --format " + strings.Join(deps.Formats.Names(), "|")
		if names, lerr := format.Files(in.FS); lerr == nil && len(names) == 0 {
			return nil, withExit(ExitLocal, fmt.Errorf("%s: no files to read", in.Path), "give a roster file, a folder of roster files or a zip")
		}
		if why := undetectedWhy(in); why != "" {
			hint = why + "; or " + hint
		}
		return nil, withExit(ExitLocal, fmt.Errorf("%s: %w", in.Path, err), hint)
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
// binary file, or another separator than the comma.
func undetectedWhy(in *input) string {
	if in.file == nil {
		return ""
	}
	rc, err := in.file.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(rc, head)
	switch what, _ := csvio.NotText(head[:n]); what {
	case "UTF-16":
		return "the file is UTF-16, not UTF-8: save it as \"CSV UTF-8\""
	case "binary":
		return "the file holds NUL bytes: it is binary or UTF-16, not UTF-8 CSV"
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
		return info, withExit(ExitLocal, fmt.Errorf("read %s: %w", in.Path, err))
	}
	return info, nil
}
