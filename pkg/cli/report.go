package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/report"
	"github.com/rostersync/rostersync/pkg/state"
)

// writeReport writes an HTML report (--report, a profile's report:) at path: through a
// temporary file and a rename, mode 0600. A failure is exit 3.
func writeReport(deps *Deps, path string, render func(io.Writer, report.Meta) error) error {
	meta := report.Meta{Version: deps.buildVersion().Version, Time: time.Now()}
	if err := atomicfile.WriteFile(path, func(w io.Writer) error { return render(w, meta) }); err != nil {
		if dir := filepath.Dir(path); errors.Is(err, fs.ErrNotExist) {
			if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
				err = fmt.Errorf("the folder %s does not exist", dir) // not the temporary file's name
			}
		}
		return fmt.Errorf("write the report %s: %w", path, err)
	}
	return nil
}

// reportSummary is s as a report shows it.
func reportSummary(s Summary) report.Summary {
	return report.Summary{Errors: s.Errors, Warnings: s.Warnings, Infos: s.Infos, ByCode: s.ByCode}
}

// writeValidateReport writes the report of validate's results.
func writeValidateReport(deps *Deps, path string, results []*ValidateResult) error {
	vs := make([]report.Validation, len(results))
	for i, r := range results {
		vs[i] = report.Validation{Path: r.Path, Format: r.Format, Version: r.Version, Files: r.Files,
			Summary: reportSummary(r.Summary), Groups: r.groups}
	}
	return writeReport(deps, path, func(w io.Writer, m report.Meta) error { return report.Validate(w, m, vs) })
}

// writeDiffReport writes the report of a comparison.
func writeDiffReport(deps *Deps, path string, rep *DiffReport) error {
	d := report.Diff{Old: rep.Old, New: rep.New, OldFormat: rep.OldFormat, NewFormat: rep.NewFormat,
		OldSummary: reportSummary(rep.Validation.Old), NewSummary: reportSummary(rep.Validation.New), Result: rep.Result}
	return writeReport(deps, path, func(w io.Writer, m report.Meta) error { return report.DiffReport(w, m, d) })
}

// writeRunReport writes the report of a push or sync (a profile's report:) at path, and a copy
// named report.html beside the run record when the run has one (pushed, held, failed after
// connecting). Either goes through a temporary file and a rename, mode 0600. rep is nil when
// the run stopped before the destination (an input refused, a connection failed).
func writeRunReport(deps *Deps, store *state.Store, path, command, profile, dest string, rep *publish.Report, runErr error, checked []report.Validation) error {
	run := report.Run{Command: command, Profile: profile, Destination: dest}
	switch {
	case rep != nil:
		run.Destination, run.Result, run.Guard, run.Notes, run.Warnings = rep.Target, rep.Result, rep.Guard, rep.Notes, rep.Warnings
		run.ID = rep.Run
		if rep.Held != "" {
			run.ID = rep.Held
		}
	case errors.Is(runErr, errFindings):
		run.Result, run.Error = "refused", "the input has errors: nothing was sent"
	case errclass.Of(runErr) == errclass.Findings: // a sync job's source with errors, too old
		run.Result, run.Error = "refused", runErr.Error()
		runErr = nil
	default:
		run.Result = "failed"
	}
	if runErr != nil && !errors.Is(runErr, errFindings) && !errors.Is(runErr, publish.ErrRefused) {
		run.Error = runErr.Error()
		if run.Result == "" || rep == nil {
			run.Result = "failed"
		}
	}
	var b bytes.Buffer
	meta := report.Meta{Version: deps.buildVersion().Version, Time: time.Now()}
	if err := report.Publish(&b, meta, run, checked); err != nil {
		return err
	}
	write := func(p string) error {
		return atomicfile.WriteFile(p, func(w io.Writer) error { _, err := w.Write(b.Bytes()); return err })
	}
	// A profile's report folder (reports/) is made when missing, private as the state folder's.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write the report %s: %w", path, err)
	}
	if err := write(path); err != nil {
		return fmt.Errorf("write the report %s: %w", path, err)
	}
	if rep != nil && rep.Identity != "" && run.ID != "" {
		dir, err := store.RunDir(rep.Identity, run.ID)
		if err == nil {
			err = write(filepath.Join(dir, "report.html"))
		}
		if err != nil {
			return fmt.Errorf("write the report beside run %s: %w", run.ID, err)
		}
	}
	return nil
}

// checkReportPath refuses a --report that is not a file path: "-" (the report is a file to
// attach, never stdout, which carries the listing).
func checkReportPath(path string) error {
	if path == "-" {
		return usageError(errors.New("--report writes a file, not stdout"), "give a file name, e.g. --report night.html")
	}
	return nil
}
