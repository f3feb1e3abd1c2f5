package oneroster

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gocarina/gocsv"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/suggest"
)

// manifestRow is one row of manifest.csv, its columns matched by name. gocsv decodes this
// small fixed-shape file; the entity files, up to millions of rows, stream through csvio
// (BenchmarkGocsvUsers against BenchmarkCsvioUsers shows why).
type manifestRow struct {
	Property string `csv:"propertyName"`
	Value    string `csv:"value"`
}

// maxManifestRows bounds what manifest.csv may hold: a manifest lists about twenty properties.
const maxManifestRows = 10000

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
	cols := csvio.CheckHeader("manifest.csv", cr.Header(), csvio.HeaderSpec{Columns: csvio.Columns("propertyName", "value"), Ordered: true}, r.rep)
	if cols == nil {
		// Not a header (another separator, a first row of data): reported; read as if empty.
		r.version = r.versionFromHeaders(present)
		return nil
	}
	// gocsv maps the two columns by name (a column in another case or place, reported above,
	// is given its canonical name); csvio keeps each row's line and width.
	header := make([]string, len(cr.Header()))
	for i, name := range []string{"propertyName", "value"} {
		if cols[i] >= 0 {
			header[cols[i]] = name
		}
	}
	recs := cr.Records(header, maxManifestRows)
	var rows []manifestRow
	if err := gocsv.UnmarshalCSV(recs, &rows); err != nil && !errors.Is(err, gocsv.ErrEmptyCSVFile) {
		return fmt.Errorf("read manifest.csv: %w", err)
	}
	if recs.Truncated {
		r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeManifest, File: "manifest.csv", Line: recs.Lines[len(recs.Lines)-1],
			Message: fmt.Sprintf("manifest.csv has more than %d rows: it lists a few properties; the rest is not read", maxManifestRows)})
	}
	props := map[string]string{}
	lines := map[string]int{}
	for i, row := range rows {
		line, width := recs.Lines[i], recs.Widths[i]
		if width != 2 {
			r.rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeRaggedRow, File: "manifest.csv", Line: line,
				Message: fmt.Sprintf("row has %d cells, the header has 2 (propertyName,value)", width)})
			if width < 2 {
				continue
			}
		}
		k, v := row.Property, row.Value
		if prev, ok := lines[k]; ok {
			merr(line, "propertyName", fmt.Sprintf("%s is also on line %d: each property appears once", k, prev))
			continue
		}
		props[k], lines[k] = v, line
	}
	r.misspelledKeys(props, lines, merr)
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
	r.otherVersion(present, lines["oneroster.version"])
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

// otherVersion says, once, when the files' headers are of another OneRoster version than the
// manifest's oneroster.version (on line): 1.0 headers under 1.1 or 1.2, 1.2 files under 1.1.
func (r *reader) otherVersion(present map[string]bool, line int) {
	hv := r.versionFromHeaders(present)
	if line == 0 || hv == r.version || hv != "1.0" && !(hv == "1.2" && r.version == "1.1") {
		return
	}
	fix := "write oneroster.version,1.2"
	if hv == "1.0" {
		fix = "export OneRoster " + r.version + ", or remove manifest.csv: without one, 1.0 headers are read as 1.0 (and convert writes 1.1)"
	}
	r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: "manifest.csv", Line: line, Column: "value",
		Message: fmt.Sprintf("oneroster.version is %s, but the files' headers look like OneRoster %s (the header problems come from that): %s", r.version, hv, fix)})
}

// misspelledKeys reads a property whose name is near a property the manifest lacks
// ("fiel.demographics") as that property, with one problem that names it.
func (r *reader) misspelledKeys(props map[string]string, lines map[string]int, merr func(int, string, string)) {
	var known []string
	for _, k := range []string{"manifest.version", "oneroster.version"} {
		if _, ok := props[k]; !ok {
			known = append(known, k)
		}
	}
	for _, f := range manifestFiles2 { // 1.1's files and more
		if _, ok := props["file."+f]; !ok {
			known = append(known, "file."+f)
		}
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return lines[a] - lines[b] })
	for _, k := range keys {
		if k == "manifest.version" || k == "oneroster.version" || strings.HasPrefix(k, "source.") ||
			strings.HasPrefix(k, "file.") && slices.Contains(manifestFiles2, strings.TrimPrefix(k, "file.")) {
			continue
		}
		near := suggest.Closest(k, known)
		if near == "" {
			continue
		}
		merr(lines[k], "propertyName", fmt.Sprintf("%q is not a manifest property: did you mean %q? (read as it; write %s)", k, near, near))
		props[near], lines[near] = props[k], lines[k]
		delete(props, k)
		delete(lines, k)
		known = slices.DeleteFunc(known, func(s string) bool { return s == near })
	}
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
