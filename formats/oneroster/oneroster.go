// Package oneroster reads, validates and writes 1EdTech OneRoster CSV packages: 1.1 (primary),
// 1.0 and 1.2, as a directory or a zip. Reading streams each file once, in dependency order, and
// keeps only 64-bit hashes of the identifiers other files refer to, so a district-sized package
// is checked in memory that grows with the number of IDs, not with the files' bytes.
package oneroster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Format is the OneRoster CSV format. The zero value is ready to use.
type Format struct{}

var _ format.Format = Format{}

// New returns the OneRoster format.
func New() Format { return Format{} }

// Name is the format's name: the --format value and the profile section of its settings.
const Name = "oneroster"

// Name returns "oneroster".
func (Format) Name() string { return Name }

// Detect recognises a package (manifest.csv or OneRoster file names) or a lone OneRoster file.
func (Format) Detect(fsys fs.FS) format.Match {
	names, err := format.Files(fsys)
	if err != nil {
		return format.NoMatch
	}
	best := format.NoMatch
	if loneByHeader(fsys, names) != "" {
		return format.HeaderMatch // a lone OneRoster file under another name (stdin, an export)
	}
	for _, n := range names {
		h := format.HeaderLine(fsys, n)
		if n = canonicalFile(n); n == "" {
			continue
		}
		m := format.NameMatch
		first, _, _ := strings.Cut(h, ",")
		first = strings.Trim(first, `"`)
		if n == "manifest.csv" && first == "propertyName" {
			m = format.HeaderMatch
		} else if (first == "sourcedId" || (n == "demographics.csv" && first == "userSourcedId")) && stamped(h) {
			m = format.HeaderMatch
		}
		best = max(best, m)
	}
	return best
}

// NameFor is format.Namer: the OneRoster file a lone file is read as. A OneRoster file name is
// kept; another name (stdin, "export.csv") takes the name of the OneRoster file whose header
// its header is, when there is one.
func (Format) NameFor(name, header string) string {
	if c := canonicalFile(name); c != "" {
		return c
	}
	if n := fileByHeader(header); n != "" {
		return n
	}
	return name
}

// loneByHeader returns the OneRoster file that the one file of names, under a name that is no
// OneRoster file's, is by its header; "" when names are more, or a OneRoster name, or no header
// matches.
func loneByHeader(fsys fs.FS, names []string) string {
	if len(names) != 1 || canonicalFile(names[0]) != "" {
		return ""
	}
	return fileByHeader(format.HeaderLine(fsys, names[0]))
}

// fileByHeader returns the OneRoster file (of any version) whose columns a header row holds:
// the same first column, and at least two thirds of the header's and of the file's columns in
// common (so a misspelled or missing column still tells the file). "" when none does.
func fileByHeader(header string) string {
	if header == "" {
		return ""
	}
	got := strings.Split(header, ",")
	have := make(map[string]bool, len(got))
	for i, h := range got {
		got[i] = strings.Trim(strings.TrimSpace(h), `"`)
		have[got[i]] = true
	}
	best, bestScore := "", 0.0
	for _, v := range []string{"1.1", "1.2", "1.0"} {
		for _, f := range specsFor(v) {
			if len(f.cols) == 0 || f.cols[0].name != got[0] {
				continue
			}
			common := 0
			for _, c := range f.cols {
				if have[c.name] {
					common++
				}
			}
			score := float64(common) / float64(max(len(got), len(f.cols)))
			if score >= 2.0/3 && score > bestScore {
				best, bestScore = f.name, score
			}
		}
	}
	if best == "" && got[0] == "propertyName" {
		return "manifest.csv"
	}
	return best
}

// Carries lists the OneRoster columns every entity of the model carries: all of them.
func (Format) Carries() map[roster.Kind][]string {
	out := map[roster.Kind][]string{}
	for _, f := range v11 {
		if f.kind != "" {
			out[f.kind] = f.names()
		}
	}
	return out
}

// UserKey is the column users are keyed by.
func (Format) UserKey(format.Options) (user, org string) { return "sourcedId", "" }

// VendorCapti is the --vendor value of Capti's rules: what its ClassLink import ignores or maps.
const VendorCapti = "capti"

// Vendors lists the vendor rule sets of --vendor.
func (Format) Vendors() []format.Vendor {
	return []format.Vendor{{Name: VendorCapti, About: "what Capti's ClassLink import ignores or maps"}}
}

// Needs: a OneRoster writer uses every kind.
func (Format) Needs() []roster.Kind { return roster.Kinds }

// Read reads and validates a package (or one lone OneRoster file) from fsys.
func (f Format) Read(ctx context.Context, fsys fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	rep = csvio.NewSyncReporter(rep)
	names, err := format.Files(fsys)
	if err != nil {
		return format.Info{}, fmt.Errorf("list the package: %w", err)
	}
	r := &reader{
		ctx: ctx, fsys: fsys, opts: opts, sink: sink, rep: rep,
		ids:         map[string]*idset.Map{},
		schools:     map[uint64]struct{}{},
		schoolYears: map[uint64]struct{}{},
		districts:   map[uint64]struct{}{},
		absentRefs:  map[string]bool{},
		refSaid:     map[string]bool{},
		info:        format.Info{Format: "oneroster"},
	}
	if _, ok := sink.(roster.Discard); ok {
		r.discard = true
	}
	if opts.Vendor == VendorCapti {
		r.capti = newCaptiRules(rep)
	}
	present := map[string]bool{}
	var stray []string
	alias := map[string]string{}
	byHeader := loneByHeader(fsys, names)
	for _, n := range names {
		switch c := canonicalFile(n); {
		case c == n:
			present[n] = true
		case byHeader != "":
			// A folder or zip of one file under another name: the OneRoster file its header is.
			c = byHeader
			present[c], alias[c] = true, n
			rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeManifest, File: c,
				Message: fmt.Sprintf("%s is read as %s (its header)", n, c)})
		case c != "" && !slices.Contains(names, c) && alias[c] == "":
			// Users.csv from a Windows export: read, with a warning, since a vendor's import
			// looks for the exact name.
			present[c], alias[c] = true, n
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: c,
				Message: fmt.Sprintf("%s is not here, but %s is, and is read as it: OneRoster file names are case-sensitive (rename it)", c, n)})
		case c != "":
			why := fmt.Sprintf("the package has %s", c)
			if a := alias[c]; a != "" {
				why = fmt.Sprintf("%s is read as %s", a, c)
			}
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: n,
				Message: fmt.Sprintf("%s is not read: %s, and a package holds each file once", n, why)})
		default:
			stray = append(stray, n)
		}
	}
	if len(alias) > 0 {
		fsys = aliasFS{fsys, alias}
		r.fsys, r.alias = fsys, alias
	}
	if len(present) == 0 && len(stray) == 1 && len(names) == 1 {
		// One file that is no OneRoster file (read with --format oneroster): say that, not
		// that a whole package is missing.
		n := stray[0]
		r.info.Files = []format.FileInfo{}
		if h := format.HeaderLine(fsys, n); strings.TrimSpace(h) == "" {
			rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: n,
				Message: "the file is empty: a OneRoster file starts with its header row"})
		} else {
			rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeHeader, File: n, Line: 1,
				Message: "the header matches no OneRoster file (users.csv's begins sourcedId,status,dateLastModified,enabledUser,…): check the export, or name another --format"})
		}
		return r.info, nil
	}
	if len(stray) > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeManifest, File: stray[0],
			Message: fmt.Sprintf("ignored %s that %s not OneRoster: %s", plural(len(stray), "file"),
				isAre(len(stray)), strings.Join(stray, ", "))})
	}
	lone := len(present) == 1 && !present["manifest.csv"]
	if err := r.readManifest(present, lone); err != nil {
		return r.info, err
	}
	r.info.Version = r.version
	r.markDelta()
	if !lone {
		r.checkDependencies(present)
	}
	if r.version == "1.2" && present["roles.csv"] {
		if err := r.preReadRoles(); err != nil {
			return r.info, err
		}
	}
	// 1.2 users have their roles in roles.csv: note who has one, to say who has none.
	// Only for a complete picture: users.csv in bulk (or no manifest), and roles.csv in bulk
	// or absent (a delta roles.csv lists the changes, not every user's role).
	full := func(n string) bool { m := r.modes[n]; return m == "bulk" || m == "" }
	check12 := r.version == "1.2" && !lone && present["users.csv"] && full("users.csv") && (!present["roles.csv"] || full("roles.csv")) &&
		(!opts.Reread || opts.Fix)
	if check12 && present["roles.csv"] {
		r.roled = idset.New(0)
	}
	readFiles := map[string]bool{}
	skip := r.unwanted(opts, sink, present)
	for _, spec := range specsFor(r.version) {
		if err := ctx.Err(); err != nil {
			return r.info, err
		}
		if !present[spec.name] {
			continue
		}
		if skip[spec.name] {
			delete(present, spec.name)
			continue
		}
		readFiles[spec.name] = true
		if err := r.readFile(spec); err != nil {
			return r.info, err
		}
		delete(present, spec.name)
		r.release(spec.name)
	}
	if check12 {
		r.checkRoles(readFiles["roles.csv"])
	}
	delete(present, "manifest.csv")
	for _, n := range slices.Sorted(maps.Keys(present)) {
		rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: n,
			Message: fmt.Sprintf("%s is not a OneRoster %s file: it was not read", n, r.version)})
	}
	if r.capti != nil {
		r.capti.finish()
	}
	return r.info, nil
}

// checkRoles warns about the users of a 1.2 package that roles.csv gives no role (when the
// package has roles.csv) or about them all (when it has none): a vendor, and a 1.1 package
// converted from it, needs each user's role. A warning, not an error: 1.2 does not say that
// every user must have a role.
func (r *reader) checkRoles(haveRoles bool) {
	users := r.ids["users.csv"]
	if users == nil || users.Len() == 0 {
		return
	}
	if !haveRoles {
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: "roles.csv",
			Message: fmt.Sprintf("roles.csv is not in the package: none of its %s has a role (OneRoster 1.2 keeps roles and orgs in roles.csv)", plural(users.Len(), "user"))})
		return
	}
	none, first := 0, int32(0)
	users.All(func(h uint64, line int32) {
		if !r.roled.Has(h) {
			if none++; first == 0 || line < first {
				first = line
			}
		}
	})
	if none > 0 {
		r.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingRequired, File: "users.csv", Line: int(first), Column: "role",
			Message: fmt.Sprintf("%s no role in roles.csv (first on line %d): OneRoster 1.2 keeps each user's role there", hasHave(none), first)})
	}
}

// aliasFS opens a package's files by their OneRoster names when the package spells them in
// another case (Users.csv): alias maps the OneRoster name to the name in the package.
type aliasFS struct {
	fs.FS
	alias map[string]string
}

func (a aliasFS) Open(name string) (fs.File, error) {
	if n, ok := a.alias[name]; ok {
		name = n
	}
	return a.FS.Open(name)
}

// release drops the ID set of a file no later file refers to.
func (r *reader) release(name string) {
	if unreferenced(r.version, name) {
		delete(r.ids, name)
	}
}

// unreferenced reports whether no file of a version refers to the IDs of the file called name.
func unreferenced(version, name string) bool {
	switch name {
	case "enrollments.csv", "demographics.csv", "roles.csv", "classResources.csv",
		"courseResources.csv", "userResources.csv", "lineItemScoreScales.csv", "resultScoreScales.csv",
		"lineItemLearningObjectiveIds.csv", "resultLearningObjectiveIds.csv":
		return true
	case "results.csv": // 1.2's resultScoreScales and resultLearningObjectiveIds refer to results
		return version != "1.2"
	}
	return false
}

// reader is the state of one Read.
type reader struct {
	ctx     context.Context
	fsys    fs.FS
	opts    format.Options
	sink    roster.Sink
	discard bool
	rep     roster.Reporter
	version string
	// modes holds each file's manifest mode: bulk, delta or absent ("" without a manifest).
	modes map[string]string
	// ids holds, per file read, the hash of each sourcedId and the line it is on.
	ids         map[string]*idset.Map
	schools     map[uint64]struct{}
	schoolYears map[uint64]struct{}
	districts   map[uint64]struct{}
	// roles12 maps a 1.2 user to the role and orgs roles.csv gives it.
	roles12 map[uint64]*role12
	capti   *captiRules
	roled   *idset.Map // 1.2: the users roles.csv gives a role
	// lineItems12 holds what 1.2 results are checked against: each line item's class and
	// score range, by the hash of its sourcedId.
	lineItems12 map[uint64]lineItem12
	alias       map[string]string // OneRoster name -> the name in the package, when they differ
	// absentRefs are files the package leaves out that only optional columns refer to; the
	// first value in such a column reports the file missing, and refSaid notes that it was.
	absentRefs map[string]bool
	refSaid    map[string]bool
	info       format.Info
}

// errStop ends a read early when the sink fails.
var errStop = errors.New("stop")

func plural(n int, word string) string {
	return fmt.Sprintf("%d %s", n, pluralWord(n, word))
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	if strings.HasSuffix(word, "s") {
		return word + "es"
	}
	return word + "s"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// unwanted returns the files present that opts.OnlyWanted leaves unread: those of a kind sink
// does not want, unless a file read refers to them (so that every file read is checked in
// full, its references included). A file outside the rostering model (1.2's roles.csv,
// gradebook files) is always read.
func (r *reader) unwanted(opts format.Options, sink roster.Sink, present map[string]bool) map[string]bool {
	sel, ok := sink.(roster.Selective)
	if !opts.OnlyWanted || !ok || r.discard {
		return nil
	}
	specs := specsFor(r.version)
	read := map[string]bool{}
	var queue []*fileSpec
	for _, spec := range specs {
		if present[spec.name] && (spec.kind == "" || sel.Wants(spec.kind)) {
			read[spec.name] = true
			queue = append(queue, spec)
		}
	}
	for len(queue) > 0 {
		spec := queue[0]
		queue = queue[1:]
		for _, ref := range refersTo(spec) {
			if read[ref] || !present[ref] {
				continue
			}
			read[ref] = true
			for _, t := range specs {
				if t.name == ref {
					queue = append(queue, t)
				}
			}
		}
	}
	skip := map[string]bool{}
	for _, spec := range specs {
		if present[spec.name] && !read[spec.name] {
			skip[spec.name] = true
		}
	}
	return skip
}

// refersTo lists the files whose IDs the rows of a file are checked against: its columns'
// references and, for demographics.csv, whose rows are keyed by their user's sourcedId,
// users.csv (readFile adds that reference when the spec has none).
func refersTo(spec *fileSpec) []string {
	var out []string
	for i, c := range spec.cols {
		switch {
		case c.ref != "":
			out = append(out, c.ref)
		case i == 0 && spec.name == "demographics.csv":
			out = append(out, "users.csv")
		}
	}
	return out
}

// checkDependencies reports a file a bulk file refers to that the package does not hold (the
// manifest marks it absent): a bulk package must be complete. A file only optional columns refer
// to is reported when a row first fills one of them (see ref).
func (r *reader) checkDependencies(present map[string]bool) {
	if len(r.modes) == 0 {
		return // no manifest: readManifest reported the missing files
	}
	reported := map[string]bool{}
	// Required columns first: a file they need is missing whatever the rows hold. Then an
	// optional column (1.2 roles.csv's userProfileSourcedId) makes a file it alone refers to
	// missing only when a row fills it: checked as the rows are read.
	for _, required := range []bool{true, false} {
		for _, spec := range specsFor(r.version) {
			if !present[spec.name] || r.modes[spec.name] != "bulk" {
				continue
			}
			for _, c := range spec.cols {
				if c.ref == "" || c.req != required || present[c.ref] || reported[c.ref] {
					continue
				}
				if r.modes[c.ref] == "bulk" || r.modes[c.ref] == "delta" {
					continue // already reported as missing by the manifest check
				}
				if !required {
					r.absentRefs[c.ref] = true
					continue
				}
				reported[c.ref] = true
				r.missing(c.ref, fmt.Sprintf("%s (bulk) refers to it in %s", spec.name, c.name))
			}
		}
	}
}

// Title returns "OneRoster".
func (Format) Title() string { return "OneRoster" }

// NoRole is format.RoleSourcer's: a 1.2 package gives a user's role in roles.csv (1.1's
// users.csv requires one).
func (Format) NoRole() (why, fix string) {
	return "in OneRoster 1.2, no roles.csv row", "give them a role in roles.csv"
}

// Packaging says a OneRoster roster is a package of CSV files, zipped as oneroster.zip.
func (Format) Packaging() format.Packaging {
	return format.Packaging{Multi: true, FileName: "oneroster.zip",
		Files: []string{"manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv",
			"enrollments.csv", "demographics.csv", "roles.csv", "userProfiles.csv", "categories.csv", "lineItems.csv",
			"results.csv", "resources.csv", "classResources.csv", "courseResources.csv"},
		Meta: []string{"manifest.csv"}}
}

// HoldsDeltas reports that a OneRoster package can be a delta (manifest.csv says so per file).
func (Format) HoldsDeltas() bool { return true }

// OrgUse says every OneRoster user needs a school (users.orgSourcedIds is required).
func (Format) OrgUse() format.OrgUse { return format.OrgsRequired }

// stamped reports whether a header row has the status or dateLastModified column every
// OneRoster file has (1.0 to 1.2): SDS v2.1 files of the same names begin with sourcedId too,
// without them.
func stamped(header string) bool {
	h := strings.ToLower(header)
	return strings.Contains(h, "status") || strings.Contains(h, "datelastmodified")
}
