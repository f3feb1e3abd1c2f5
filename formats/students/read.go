package students

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/value"
)

// Read reads the students.csv in fsys, sends one school org per distinct SITE_ID (before the
// first student of that site), one user per student and a demographics record for each valid
// BIRTHDATE to sink, and reports every problem with its line and column to rep.
func (Format) Read(ctx context.Context, fsys fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	info := format.Info{Format: Name, Version: ""}
	cols, err := layoutColumns(opts)
	if err != nil {
		return info, err
	}
	name, err := pickFile(fsys)
	if err != nil {
		return info, err
	}
	var r *rowReader
	rows, err := csvio.ReadSingle(ctx, fsys, csvio.SingleFile{
		Name: name, Encoding: opts.InputEncoding,
		Empty:  "the file is empty: a header row and one row per student are expected",
		NoRows: "the file has a header but no students",
		Begin: func(header []string, sizeHint int, rep roster.Reporter) (csvio.Rows, bool, error) {
			r = newRowReader(name, cols, opts, sink, rep, sizeHint)
			if !r.header(header) {
				return csvio.Rows{}, false, nil // not a header (another separator, a first row of data): reported
			}
			// The ID table, the schools and the sink are on the caller's goroutine (Row).
			return csvio.Rows{Pre: r.pre, Row: r.row, Copy: !roster.Borrows(sink) && !r.validating}, true, nil
		},
		End: func() error { return r.reportRepeats(fsys, opts.InputEncoding) },
	}, rep)
	info.Files = []format.FileInfo{{Name: name, Rows: rows}}
	return info, err
}

// rowReader checks and converts the rows of one file.
type rowReader struct {
	file  string
	cols  []column
	opts  format.Options
	set   Settings // the students settings of opts
	sink  roster.Sink
	rep   roster.Reporter
	width int   // header cells
	pos   []int // per layout column, its index in the file (-1 when absent)
	need  []bool
	// positions of the known columns in the file (-1 when absent)
	id, first, last, grade, site, email, pass, middle, birth int
	extra                                                    []int // layout columns that are not known names

	ids *idset.Map // hash of STUDENT_ID -> first line, when rows go to a sink
	// validating: the sink keeps nothing (validate), so no row needs to be held back as a
	// repeat while reading: STUDENT_IDs go to bag, and repeats are reported once the file is
	// read (reportRepeats), without a random access into a table per row.
	validating bool
	bag        *idset.Bag
	sites      map[string]bool
	smap       map[string]string // site map: SITE_ID -> SITE_NAME
	zmap       map[string]string // site map: SITE_ID without leading zeros -> SITE_ID
	// orgSite is the SITE_ID that --org names (the first site the site map does not name).
	orgSite   string
	orgOthers map[string]bool // other SITE_IDs, reported once each

	user roster.User
	demo roster.Demographics
	org  roster.Org
}

func newRowReader(file string, cols []column, opts format.Options, sink roster.Sink, rep roster.Reporter, sizeHint int) *rowReader {
	r := &rowReader{file: file, cols: cols, opts: opts, set: settingsOf(opts), sink: sink, rep: rep,
		sites: make(map[string]bool), orgOthers: make(map[string]bool)}
	if _, ok := sink.(roster.Discard); ok {
		r.validating, r.bag = true, idset.NewBag(sizeHint)
	} else {
		r.ids = idset.New(sizeHint)
	}
	if sites := r.set.Sites; sites != nil {
		r.smap = make(map[string]string, len(sites))
		r.zmap = make(map[string]string, len(sites))
		for _, s := range sites {
			r.smap[s.ID] = s.Name
			if z := strings.TrimLeft(s.ID, "0"); r.zmap[z] == "" {
				r.zmap[z] = s.ID
			}
		}
	}
	return r
}

func (r *rowReader) problem(sev roster.Severity, code string, line int, col, msg string) {
	r.rep.Report(roster.Problem{Severity: sev, Code: code, File: r.file, Line: line, Column: col, Message: msg})
}

// header checks the header row and finds the columns. It returns false when the row is not a
// header at all (reported), and no row is to be read.
func (r *rowReader) header(hdr []string) bool {
	spec := csvio.HeaderSpec{Ordered: true}
	for _, c := range r.cols {
		spec.Columns = append(spec.Columns, csvio.HeaderColumn{Name: c.name, Optional: c.optional})
	}
	r.width = len(hdr)
	r.pos = csvio.CheckHeader(r.file, hdr, spec, r.rep)
	if r.pos == nil {
		return false
	}
	r.need = make([]bool, len(r.cols))
	// Where each column the reader knows stands (-1 when absent); any other column is extra.
	at := map[string]*int{ColStudentID: &r.id, ColFirstName: &r.first, ColLastName: &r.last, ColGrade: &r.grade,
		ColSiteID: &r.site, ColEmail: &r.email, ColPassword: &r.pass, ColMiddleName: &r.middle, ColBirthdate: &r.birth}
	for _, p := range at {
		*p = -1
	}
	for i, c := range r.cols {
		r.need[i] = c.needed(r.set)
		j := r.pos[i]
		if j < 0 && c.optional && r.need[i] {
			r.problem(roster.Error, roster.CodeHeader, 1, c.name,
				fmt.Sprintf("missing column %q (expected as column %d): its values are required%s", c.name, i+1, ssoNote(c.name, r.opts)))
		}
		if p, ok := at[c.name]; ok {
			*p = j
		} else {
			r.extra = append(r.extra, i)
		}
	}
	return true
}

func ssoNote(col string, opts format.Options) string {
	switch {
	case col == ColEmail && settingsOf(opts).GoogleSSO:
		return " when students sign in with Google (--google-sso)"
	case col == ColPassword:
		return " (blank passwords are allowed only with --google-sso)"
	}
	return ""
}

func cell(rec []string, j int) string {
	if j < 0 || j >= len(rec) {
		return ""
	}
	return rec[j]
}

// blank reports whether s is empty or only spaces; a value starting with a printable ASCII
// character is decided without trimming, and without a call (blank is inlined).
func blank(s string) bool {
	return (s == "" || s[0] <= ' ' || s[0] >= utf8.RuneSelf) && strings.TrimSpace(s) == ""
}

// pre checks one record on its own (csvio.Pre: it may run on the parsing goroutine, beside
// row): everything but the ID table and the schools. It returns false when the row cannot be
// read; the record it returns holds the password as the vendor keeps it (with
// --passwords-are-dates) and the birth date as YYYY-MM-DD ("" when it is not a date).
func (r *rowReader) pre(rec []string, line int) ([]string, bool) {
	if len(rec) != r.width {
		// Its values would be read from the wrong columns: the row is not read (unless diff
		// asks for it and its STUDENT_ID can be told).
		r.problem(roster.Error, roster.CodeRaggedRow, line, "",
			format.RaggedMessage(len(rec), r.width, ""))
		if !r.opts.Ragged {
			return rec, false
		}
		var ok bool
		if rec, ok = format.RaggedRow(rec, r.width, r.id, r.pass, r.birth); !ok {
			return rec, false
		}
	}
	pos := r.pos[:len(r.cols)]
	need := r.need[:len(pos)]
	for i, j := range pos { // by index: no copy of a column per cell
		if need[i] && j >= 0 && blank(cell(rec, j)) {
			c := &r.cols[i]
			r.problem(roster.Error, roster.CodeMissingRequired, line, c.name,
				fmt.Sprintf("%s is blank: a value is required%s", c.name, ssoNote(c.name, r.opts)))
		}
	}
	for _, j := range [...]struct {
		col string
		pos int
	}{{ColStudentID, r.id}, {ColSiteID, r.site}, {ColEmail, r.email}} {
		if c := csvio.Invisible(cell(rec, j.pos)); c != 0 {
			r.problem(roster.Error, roster.CodeBadID, line, j.col, csvio.InvisibleMessage(j.col, c))
		}
	}
	if id := cell(rec, r.id); !blank(id) && scientific(id) {
		r.problem(roster.Error, roster.CodeExcelDamage, line, ColStudentID,
			fmt.Sprintf("STUDENT_ID %q is in scientific notation: a spreadsheet rewrote the number; export the IDs as text", id))
	}
	for i, j := range pos { // every column; a password's or birth date's value is not shown
		if v := cell(rec, j); csvio.Formula(v) {
			c := &r.cols[i]
			r.problem(roster.Warning, roster.CodeFormula, line, c.name, csvio.FormulaMessage(c.name, v, c.name == ColPassword || c.name == ColBirthdate))
		}
	}
	email := cell(rec, r.email)
	if !blank(email) && !validEmail(email) {
		r.problem(roster.Error, roster.CodeBadEmail, line, ColEmail,
			fmt.Sprintf("EMAIL %q is not a valid e-mail address (expected name@domain.org)", email))
	}
	pass := cell(rec, r.pass)
	if r.set.PasswordsAreDates && !blank(pass) {
		if t, ok := parseDate(pass); ok {
			// The password the vendor keeps: M/D/YYYY, however the file wrote the date.
			rec[r.pass] = slashDate(t)
		} else {
			r.problem(roster.Error, roster.CodeBadDate, line, ColPassword,
				"PASSWORD is not a date (passwords are dates): write it YYYY-MM-DD or M/D/YYYY (the value is not shown)")
		}
	}
	if birth := cell(rec, r.birth); !blank(birth) {
		iso := isISO(birth)
		var t time.Time
		ok := iso && value.ISODate(birth) // most: kept as written, no time built
		if !ok {
			t, ok = parseDate(birth)
		}
		if ok {
			if !iso {
				rec[r.birth] = isoDate(t)
			}
		} else {
			rec[r.birth] = ""
			r.problem(roster.Error, roster.CodeBadDate, line, ColBirthdate,
				"BIRTHDATE is not a date: write it YYYY-MM-DD or M/D/YYYY (the value is not shown)")
		}
	} else if r.birth >= 0 {
		rec[r.birth] = ""
	}
	site := cell(rec, r.site)
	if !blank(site) && scientific(site) {
		r.problem(roster.Error, roster.CodeExcelDamage, line, ColSiteID,
			fmt.Sprintf("SITE_ID %q is in scientific notation: a spreadsheet rewrote the number; export the IDs as text", site))
	} else if !blank(site) && r.smap != nil {
		if _, ok := r.smap[site]; !ok {
			r.problem(roster.Error, roster.CodeDanglingRef, line, ColSiteID,
				fmt.Sprintf("SITE_ID %q is not in the site map %s%s", site, r.siteMapName(), r.zerosHint(site)))
		}
	}
	return rec, true
}

// row takes a record pre passed: it checks the STUDENT_ID against the earlier rows and the
// SITE_ID against --org, and sends what the row holds to the sink.
func (r *rowReader) row(rec []string, line int) error {
	id := cell(rec, r.id)
	emit := !blank(id)
	if emit {
		if r.bag != nil {
			r.bag.Add(idset.Hash(id), int32(line))
		} else if first, dup := r.ids.Add(idset.Hash(id), int32(line)); dup {
			r.duplicate(id, line, int(first))
			emit = false
		}
	}
	email, pass, birthISO, site := cell(rec, r.email), cell(rec, r.pass), cell(rec, r.birth), cell(rec, r.site)
	if !blank(site) && r.opts.Org != "" && r.smap[site] == "" {
		switch {
		case r.orgSite == "":
			r.orgSite = site
		case site != r.orgSite && !r.orgOthers[site]:
			r.orgOthers[site] = true
			// Reported on the first row of each further site (its org is then named by its ID).
			r.problem(roster.Error, roster.CodeDanglingRef, line, ColSiteID,
				fmt.Sprintf("SITE_ID %q is another school, but --org names one school (%q, SITE_ID %q): give a --site-map to name several schools", site, r.opts.Org, r.orgSite))
		}
	}
	if !emit || r.validating {
		return nil // validate: the sink keeps nothing, so nothing is built for it
	}
	if !blank(site) && !r.sites[site] {
		r.sites[site] = true
		name := site
		if n := r.smap[site]; n != "" {
			name = n
		} else if site == r.orgSite {
			name = r.opts.Org
		}
		r.org = roster.Org{SourcedID: site, Identifier: site, Name: name, Type: "school"}
		if err := r.sink.Org(&r.org); err != nil {
			return err
		}
	}
	u := &r.user
	*u = roster.User{
		SourcedID: id, Identifier: id, Role: "student", EnabledUser: "true",
		GivenName: cell(rec, r.first), FamilyName: cell(rec, r.last), MiddleName: cell(rec, r.middle),
		Email: email, Password: pass,
	}
	// The login: the e-mail address with Google SSO, else the student ID (OneRoster needs a
	// username).
	u.Username = id
	if r.set.GoogleSSO && !blank(email) {
		u.Username = email
	}
	if g := cell(rec, r.grade); !blank(g) {
		u.Grades = []string{cedsGrade(g)}
	}
	if !blank(site) {
		u.OrgIDs = []string{site}
	}
	for _, i := range r.extra {
		if j := r.pos[i]; j >= 0 {
			u.Metadata = append(u.Metadata, roster.KV{Key: r.cols[i].name, Value: cell(rec, j)})
		}
	}
	if err := r.sink.User(u); err != nil {
		return err
	}
	if birthISO != "" {
		r.demo = roster.Demographics{SourcedID: id, BirthDate: birthISO}
		if err := r.sink.Demographics(&r.demo); err != nil {
			return err
		}
	}
	return nil
}

func (r *rowReader) duplicate(id string, line, first int) {
	r.problem(roster.Error, roster.CodeDuplicateID, line, ColStudentID,
		fmt.Sprintf("STUDENT_ID %q is already on line %d: each student must appear once", id, first))
}

// reportRepeats reports, when validating, the STUDENT_IDs on more than one row, each on every
// row after its first. Only hashes and lines were kept, so the file is read again, only when
// there are repeats, for the IDs to name.
func (r *rowReader) reportRepeats(fsys fs.FS, encoding string) error {
	if r.bag == nil {
		return nil
	}
	reps := r.bag.Repeated()
	if reps.Len() == 0 {
		return nil
	}
	return csvio.Reread(fsys, r.file, csvio.Options{Encoding: encoding}, func(rec []string, line int) {
		if len(rec) != r.width {
			return // not read (reported)
		}
		if id := cell(rec, r.id); !blank(id) {
			if first, ok := reps.Get(idset.Hash(id)); ok && int(first) != line {
				r.duplicate(id, line, int(first))
			}
		}
	})
}

// zerosHint points at lost leading zeros when site differs from a site map ID only by them
// (a spreadsheet stores 0101 as the number 101).
func (r *rowReader) zerosHint(site string) string {
	if z := strings.TrimLeft(site, "0"); z != "" {
		if id := r.zmap[z]; id != "" && id != site {
			return fmt.Sprintf(" (it has %q: leading zeros lost in a spreadsheet? Format the SITE_ID column as text)", id)
		}
	}
	return ""
}

func (r *rowReader) siteMapName() string {
	if r.set.SiteMap != "" {
		return r.set.SiteMap
	}
	return "(--site-map)"
}
