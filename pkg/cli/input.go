package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// input is one PATH argument opened as a file system.
type input struct {
	Path   string // as given
	FS     fs.FS
	Single string // the base name of a single-file input; "" for a directory or zip
	Pre    []roster.Problem
	close  func() error
}

func (in *input) Close() error {
	if in.close != nil {
		return in.close()
	}
	return nil
}

// openInput opens a file, a directory, a .zip or "-" (stdin).
func openInput(path string, stdin io.Reader) (*input, error) {
	if path == "-" {
		return &input{Path: path, Single: "-", FS: (&format.FileFS{Name: "-", Size: -1, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(stdin), nil
		}}).AsFS()}, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, withExit(ExitLocal, fmt.Errorf("open %s: %w", path, unwrapPathError(err)))
	}
	if st.IsDir() {
		return &input{Path: path, FS: os.DirFS(path)}, nil
	}
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		f, err := os.Open(path)
		if err != nil {
			return nil, withExit(ExitLocal, fmt.Errorf("open %s: %w", path, unwrapPathError(err)))
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			f.Close()
			return nil, withExit(ExitLocal, fmt.Errorf("read zip %s: %w", path, err))
		}
		var pre []roster.Problem
		fsys, ok := format.OpenZip(zr, st.Size(), filepath.Base(path), roster.ReporterFunc(func(p roster.Problem) { pre = append(pre, p) }))
		if !ok {
			fsys = emptyFS{}
		}
		return &input{Path: path, FS: fsys, Pre: pre, close: f.Close}, nil
	}
	// Read the file once to check it can be opened, so an unreadable file is exit 3 up front.
	f, err := os.Open(path)
	if err != nil {
		return nil, withExit(ExitLocal, fmt.Errorf("open %s: %w", path, unwrapPathError(err)))
	}
	f.Close()
	base := filepath.Base(path)
	return &input{Path: path, Single: base, FS: (&format.FileFS{Name: base, Size: st.Size(), Open: func() (io.ReadCloser, error) {
		return os.Open(path)
	}}).AsFS()}, nil
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

// stdinBuffered reads all of stdin once so detection and reading can both look at it.
func bufferStdin(r io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}

// formatFlags are the format options every reading command takes (SPEC §2).
type formatFlags struct {
	Format            string
	InputEncoding     string
	Vendor            string
	CaptiID           string
	CaptiDomain       string
	GoogleSSO         bool
	PasswordsAreDates bool
	SiteMap           string
	StudentID         string
	Layout            string
}

func (f *formatFlags) AddFlags(fs *pflag.FlagSet, names []string) {
	fs.StringVarP(&f.Format, "format", "f", "", "input format: "+strings.Join(names, ", ")+" (default: detected)")
	fs.StringVar(&f.InputEncoding, "input-encoding", "", "transcode input from windows-1252 or latin1 (default: UTF-8, checked)")
	fs.StringVar(&f.Vendor, "vendor", "", "add a vendor's reading rules: capti (what Capti's ClassLink import ignores or maps)")
	fs.StringVar(&f.CaptiID, "capti-id", "", "capti: which column is the Capti ID, email or username (default email)")
	fs.StringVar(&f.CaptiDomain, "capti-domain", "", "capti: the domain Capti appends to usernames")
	fs.BoolVar(&f.GoogleSSO, "google-sso", false, "students: students sign in with Google (EMAIL required, PASSWORD not)")
	fs.BoolVar(&f.PasswordsAreDates, "passwords-are-dates", false, "students: PASSWORD is a date, written M/D/YYYY")
	fs.StringVar(&f.SiteMap, "site-map", "", "students: .csv or .xlsx with SITE_ID,SITE_NAME; every SITE_ID must be in it")
	fs.StringVar(&f.StudentID, "student-id", "", "students: what STUDENT_ID holds from OneRoster, identifier or sourcedId")
	fs.StringVar(&f.Layout, "layout", "", "column layout from the config file's layouts section")
}

// options turns the flags into format options.
func (f *formatFlags) options() (format.Options, error) {
	o := format.Options{
		InputEncoding: f.InputEncoding,
		Vendor:        f.Vendor,
		Capti:         format.CaptiOptions{ID: f.CaptiID, Domain: f.CaptiDomain},
		Students: format.StudentsOptions{GoogleSSO: f.GoogleSSO, PasswordsAreDates: f.PasswordsAreDates,
			StudentID: f.StudentID},
	}
	if !csvio.ValidEncoding(f.InputEncoding) {
		return o, usageError(fmt.Errorf("unknown --input-encoding %q", f.InputEncoding), "use windows-1252 or latin1")
	}
	switch f.Vendor {
	case "", "capti":
	default:
		return o, usageError(fmt.Errorf("unknown --vendor %q", f.Vendor), "the vendor rule sets are: capti")
	}
	switch f.CaptiID {
	case "", "email", "username":
	default:
		return o, usageError(fmt.Errorf("unknown --capti-id %q", f.CaptiID), "use --capti-id email or --capti-id username")
	}
	switch f.StudentID {
	case "", "identifier", "sourcedId":
	default:
		return o, usageError(fmt.Errorf("unknown --student-id %q", f.StudentID), "use --student-id identifier or --student-id sourcedId")
	}
	return o, nil
}

// pickFormat returns the --format named, or the one detected for in.
func pickFormat(deps *Deps, name string, in *input) (format.Format, error) {
	if name != "" {
		f, err := deps.Formats.Lookup(name)
		if err != nil {
			return nil, usageError(err)
		}
		return f, nil
	}
	if in.Path == "-" {
		return nil, usageError(fmt.Errorf("reading stdin needs --format"), "add --format "+strings.Join(deps.Formats.Names(), "|"))
	}
	f, err := deps.Formats.Detect(in.FS)
	if err != nil {
		return nil, withExit(ExitLocal, fmt.Errorf("%s: %w", in.Path, err),
			"name the format with --format "+strings.Join(deps.Formats.Names(), "|"))
	}
	return f, nil
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
	info, err := f.Read(ctx, in.FS, fopts, sink, probs)
	if err != nil {
		if ctx.Err() != nil {
			return info, ctx.Err()
		}
		return info, withExit(ExitLocal, fmt.Errorf("read %s: %w", in.Path, err))
	}
	return info, nil
}
