package oneroster

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/roster"
)

// The six files a roster package cannot do without (demographics is recommended, not required).
var coreFiles = []string{"orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "enrollments.csv"}

// readManifest reads manifest.csv when present and settles the version and each file's mode.
func (r *reader) readManifest(present map[string]bool, lone bool) error {
	r.modes = map[string]string{}
	if !present["manifest.csv"] {
		r.version = r.versionFromHeaders(present)
		switch {
		case lone:
			for _, n := range append([]string{"manifest.csv"}, coreFiles...) {
				if !present[n] {
					r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: n,
						Message: n + " is not here: only the rules of the file given were checked, not references into other files"})
				}
			}
		case r.version == "1.0":
			for _, spec := range v10 {
				if !present[spec.name] {
					r.missing(spec.name, "a OneRoster 1.0 package (no manifest.csv) needs all seven files")
				}
			}
		default:
			r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: "manifest.csv",
				Message: fmt.Sprintf("the package has no manifest.csv: read as OneRoster %s from its headers (OneRoster %s requires a manifest)", r.version, r.version)})
			for _, n := range coreFiles {
				if !present[n] {
					r.missing(n, "a roster package needs it")
				}
			}
		}
		return nil
	}
	f, err := r.fsys.Open("manifest.csv")
	if err != nil {
		return fmt.Errorf("open manifest.csv: %w", err)
	}
	defer f.Close()
	cr, err := csvio.NewReader(f, "manifest.csv", csvio.Options{Encoding: r.opts.InputEncoding}, r.rep)
	if err != nil {
		if errors.Is(err, csvio.ErrEncoding) {
			r.version = "1.1"
			return nil
		}
		return err
	}
	merr := func(line int, col, msg string) {
		r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeManifest, File: "manifest.csv", Line: line, Column: col, Message: msg})
	}
	if cr.Empty {
		r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: "manifest.csv",
			Message: "manifest.csv is empty: it needs the header propertyName,value and one row per property"})
		r.version = r.versionFromHeaders(present)
		return nil
	}
	if csvio.CheckHeader("manifest.csv", cr.Header(), csvio.HeaderSpec{Columns: csvio.Columns("propertyName", "value"), Ordered: true}, r.rep) == nil {
		// Not a header (another separator, a first row of data): reported; read as if empty.
		r.version = r.versionFromHeaders(present)
		return nil
	}
	props := map[string]string{}
	lines := map[string]int{}
	for {
		rec, line, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) != 2 {
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeRaggedRow, File: "manifest.csv", Line: line,
				Message: fmt.Sprintf("row has %d cells, the header has 2 (propertyName,value)", len(rec))})
			if len(rec) < 2 {
				continue
			}
		}
		k, v := rec[0], rec[1]
		if prev, ok := lines[k]; ok {
			merr(line, "propertyName", fmt.Sprintf("%s is also on line %d: each property appears once", k, prev))
			continue
		}
		props[k], lines[k] = v, line
	}
	// manifest.version
	switch mv, ok := props["manifest.version"]; {
	case !ok:
		merr(0, "", "manifest.csv has no manifest.version row (write manifest.version,1.0)")
	case mv == "1":
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeExcelDamage, File: "manifest.csv",
			Line: lines["manifest.version"], Column: "value",
			Message: "manifest.version is 1, not 1.0: a spreadsheet dropped the \".0\"; write 1.0"})
	case mv != "1.0":
		merr(lines["manifest.version"], "value", fmt.Sprintf("manifest.version is %q: it must be 1.0", mv))
	}
	// oneroster.version
	switch ov, ok := props["oneroster.version"]; {
	case !ok:
		merr(0, "", "manifest.csv has no oneroster.version row: read as 1.1 (write oneroster.version,1.1)")
		r.version = "1.1"
	case ov == "1.1" || ov == "1.2":
		r.version = ov
	case ov == "1.2.1":
		r.version = "1.2"
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: "manifest.csv",
			Line: lines["oneroster.version"], Column: "value", Message: "oneroster.version is 1.2.1: OneRoster 1.2.1 packages write 1.2"})
	default:
		r.version = "1.1"
		merr(lines["oneroster.version"], "value", fmt.Sprintf("oneroster.version is %q: it must be 1.1 or 1.2 (read as 1.1)", ov))
	}
	want := manifestFiles(r.version)
	for _, name := range want {
		key := "file." + name
		file := name + ".csv"
		v, ok := props[key]
		switch {
		case !ok:
			merr(0, "", fmt.Sprintf("manifest.csv has no %s row (absent, bulk or delta)", key))
			if present[file] {
				r.modes[file] = "bulk"
			}
			continue
		case v != "absent" && v != "bulk" && v != "delta":
			merr(lines[key], "value", fmt.Sprintf("%s is %q: it must be absent, bulk or delta%s", key, v, enumHint(v, []string{"absent", "bulk", "delta"})))
			v = strings.ToLower(v)
		}
		r.modes[file] = v
		switch {
		case (v == "bulk" || v == "delta") && !present[file]:
			r.missing(file, fmt.Sprintf("manifest.csv marks it %s (line %d)", v, lines[key]))
		case v == "absent" && present[file]:
			merr(lines[key], "value", fmt.Sprintf("%s is here but manifest.csv marks it absent: importers skip it (mark it bulk or remove it)", file))
		}
	}
	for k, line := range lines {
		switch {
		case k == "manifest.version" || k == "oneroster.version" || strings.HasPrefix(k, "source."):
		case strings.HasPrefix(k, "file."):
			if !slices.Contains(want, strings.TrimPrefix(k, "file.")) {
				merr(line, "propertyName", fmt.Sprintf("%s is not a OneRoster %s file", k, r.version))
			}
		default:
			r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: "manifest.csv", Line: line,
				Column: "propertyName", Message: fmt.Sprintf("unknown property %q", k)})
		}
	}
	return nil
}

func (r *reader) missing(file, why string) {
	r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeMissingFile, File: file,
		Message: fmt.Sprintf("%s is missing: %s", file, why)})
}

// versionFromHeaders tells 1.0 from 1.1 for a package without a manifest (reference/oneroster.md
// §1.9): 1.0 users.csv has userId and agents, 1.0 enrollments.csv has status after role.
//
// 1.2's own files (roles.csv, userProfiles.csv, …) and 1.2 users.csv columns
// (userMasterIdentifier) can only be 1.2: a lone roles.csv is checked as 1.2, not ignored.
func (r *reader) versionFromHeaders(present map[string]bool) string {
	for n := range present {
		if lookupSpecIn("1.2", n) && !lookupSpecIn("1.1", n) {
			return "1.2"
		}
	}
	if present["users.csv"] {
		h := "," + headerOf(r, "users.csv") + ","
		if strings.Contains(h, ",userId,") || strings.Contains(h, ",agents,") {
			return "1.0"
		}
		if strings.Contains(h, ",userMasterIdentifier,") || strings.Contains(h, ",preferredGivenName,") {
			return "1.2"
		}
		if strings.Contains(h, ",userIds,") || strings.Contains(h, ",enabledUser,") {
			return "1.1"
		}
	}
	if present["enrollments.csv"] && strings.HasPrefix(headerOf(r, "enrollments.csv"), "sourcedId,classSourcedId,") {
		return "1.0"
	}
	if present["demographics.csv"] && strings.HasPrefix(headerOf(r, "demographics.csv"), "userSourcedId,") {
		return "1.0"
	}
	return "1.1"
}

// markDelta tells a sink that can hear it which kinds come from delta files (manifest
// file.X=delta), before their entities are sent: their rows are changes, not the whole set.
func (r *reader) markDelta() {
	m, ok := r.sink.(roster.DeltaMarker)
	if !ok {
		return
	}
	for _, spec := range specsFor(r.version) {
		if spec.kind != "" && r.modes[spec.name] == "delta" {
			m.MarkDelta(spec.kind)
		}
	}
}
