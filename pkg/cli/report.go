package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/report"
)

// writeReport writes an HTML report (--report, a profile's report:) at path: through a
// temporary file and a rename, mode 0600. A failure is exit 3.
func writeReport(deps *Deps, path string, render func(io.Writer, report.Meta) error) error {
	meta := report.Meta{Version: deps.buildVersion().Version, Time: time.Now()}
	if err := csvio.WriteFileAtomic(path, func(w io.Writer) error { return render(w, meta) }); err != nil {
		return withExit(ExitLocal, fmt.Errorf("write the report %s: %w", path, err))
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
