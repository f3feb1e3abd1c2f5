package capti

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Read reads the one CSV file in fsys, checks Capti's rules (SPEC §2.1) and sends one org (when
// opts.Org is set) and every user to sink. Memory grows with the number of users (two 64-bit
// hashes each), not with the file's size.
func (Format) Read(ctx context.Context, fsys fs.FS, opts format.Options, sink roster.Sink, rep roster.Reporter) (format.Info, error) {
	info := format.Info{Format: Name, Version: ""}
	name, err := singleFile(fsys)
	if err != nil {
		return info, fmt.Errorf("capti: %w", err)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return info, fmt.Errorf("capti: open %s: %w", name, err)
	}
	defer f.Close()

	watch := &encodingWatch{rep: rep}
	rep = watch
	rd, err := csvio.NewReader(f, name, csvio.Options{Encoding: opts.InputEncoding}, rep)
	if err != nil {
		if errors.Is(err, csvio.ErrEncoding) {
			// Already reported with its position: the file is simply not text.
			info.Files = []format.FileInfo{{Name: name, Rows: 0}}
			return info, nil
		}
		return info, fmt.Errorf("capti: %w", err)
	}
	if rd.Empty {
		if watch.bad {
			// A bare CR stopped the reading at the header: that problem is reported already.
			info.Files = []format.FileInfo{{Name: name, Rows: 0}}
			return info, nil
		}
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: name,
			Message: "the file is empty: a Capti roster starts with a header row (" + strings.Join(DefaultColumns, ",") + ")"})
		info.Files = []format.FileInfo{{Name: name, Rows: 0}}
		return info, nil
	}

	r := newReader(name, rd.Header(), opts, rep)
	if opts.Org != "" {
		org := roster.Org{SourcedID: slug(opts.Org), Name: opts.Org, Type: "school"}
		if err := sink.Org(&org); err != nil {
			return info, fmt.Errorf("capti: %w", err)
		}
		r.orgID = org.SourcedID
	}
	for {
		if rd.Rows()%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return info, err
			}
		}
		rec, line, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, fmt.Errorf("capti: %w", err)
		}
		u, ok := r.row(rec, line)
		if !ok {
			continue
		}
		if err := sink.User(&u); err != nil {
			return info, fmt.Errorf("capti: %s line %d: %w", name, line, err)
		}
	}
	rows := rd.Rows()
	info.Files = []format.FileInfo{{Name: name, Rows: rows}}
	if rows == 0 && !watch.bad {
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeEmptyFile, File: name,
			Message: "the file has a header but no users"})
	}
	if r.noPassword > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeMissingRequired, File: name, Column: ColPassword,
			Message: fmt.Sprintf("%s no password: their initial password will be their Capti ID",
				plural(r.noPassword, "user has", "users have"))})
	}
	return info, nil
}

// reader checks and maps the rows of one file.
type reader struct {
	file   string
	header []string
	rep    roster.Reporter
	role   string
	orgID  string
	domain string

	pos    map[string]int // Capti column name -> index in the record, -1 when absent
	extras []int          // indices of layout columns rostersync does not know (kept as metadata)
	id     string         // the ID column: email or username ("" when the file has neither)

	seenUID    map[uint64]int32 // hash of unique_id -> line of first occurrence
	seenID     map[uint64]int32 // hash of the folded Capti ID -> line of first occurrence
	noPassword int
}

func newReader(file string, header []string, opts format.Options, rep roster.Reporter) *reader {
	cols := layout(opts)
	idx := csvio.CheckHeader(file, header, headerSpec(cols), rep)
	r := &reader{
		file: file, header: header, rep: rep, role: opts.Role, domain: opts.Capti.Domain,
		pos:     map[string]int{},
		seenUID: map[uint64]int32{},
		seenID:  map[uint64]int32{},
	}
	if r.role == "" {
		r.role = "student"
	}
	for _, n := range DefaultColumns {
		r.pos[n] = -1
	}
	idRequired := false
	for i, c := range cols {
		if known[c.Name] {
			r.pos[c.Name] = idx[i]
			idRequired = idRequired || (c.Required && (c.Name == ColEmail || c.Name == ColUsername))
		} else if idx[i] >= 0 {
			r.extras = append(r.extras, idx[i])
		}
	}
	want, other := idColumn(opts), ColUsername
	if want == ColUsername {
		other = ColEmail
	}
	switch {
	case r.pos[want] >= 0:
		r.id = want
	case r.pos[other] >= 0:
		r.id = other
	case !idRequired:
		// CheckHeader reported a required column; report the ID column only when it did not.
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeHeader, File: file, Line: 1, Column: want,
			Message: "the file has neither an email nor a username column: one of them is the Capti ID"})
	}
	if r.id == ColUsername && r.domain != "" && !validUsername(r.domain) {
		rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeBadID, File: file, Column: ColUsername,
			Message: fmt.Sprintf("the Capti domain %q has characters other than letters and digits, which Capti does not allow: check --capti-domain (capti.domain)", r.domain)})
	}
	return r
}

func (r *reader) report(sev roster.Severity, code string, line int, col, msg string) {
	r.rep.Report(roster.Problem{Severity: sev, Code: code, File: r.file, Line: line, Column: col, Message: msg})
}

func (r *reader) get(rec []string, col string) string {
	if p := r.pos[col]; p >= 0 {
		return rec[p]
	}
	return ""
}

// displayID is the Capti ID as messages show it.
func (r *reader) displayID(v string) string {
	if r.id == ColUsername && r.domain != "" {
		return v + "@" + r.domain
	}
	return v
}

// row checks one record and maps it to a user; ok is false when the row cannot be read.
func (r *reader) row(rec []string, line int) (u roster.User, ok bool) {
	if len(rec) != len(r.header) {
		r.report(roster.Error, roster.CodeRaggedRow, line, "",
			fmt.Sprintf("the row has %d cells, the header has %d: a comma inside an unquoted value? (the row is not read)", len(rec), len(r.header)))
		return u, false
	}
	for j, v := range rec {
		if len(v) > MaxLen && utf8.RuneCountInString(v) > MaxLen {
			r.report(roster.Error, roster.CodeTooLong, line, r.header[j],
				fmt.Sprintf("%s is %d characters long: Capti accepts at most %d", r.header[j], utf8.RuneCountInString(v), MaxLen))
		}
	}
	for _, col := range [...]string{ColFirstName, ColLastName, ColUniqueID} {
		if r.pos[col] >= 0 && strings.TrimSpace(rec[r.pos[col]]) == "" {
			r.report(roster.Error, roster.CodeMissingRequired, line, col, col+" is blank: Capti requires it")
		}
	}
	for _, col := range [...]string{ColFirstName, ColLastName, ColEmail} {
		if v := r.get(rec, col); formulaStart(v) {
			r.report(roster.Warning, roster.CodeFormula, line, col,
				fmt.Sprintf("%s starts with %q: a spreadsheet would run it as a formula", col, v[:1]))
		}
	}
	for _, col := range [...]string{ColUniqueID, ColPersonNumber} {
		if v := r.get(rec, col); excelDamaged(v) {
			r.report(roster.Error, roster.CodeExcelDamage, line, col,
				fmt.Sprintf("%s %q is a number in scientific notation: a spreadsheet rewrote the identifier; export it again with the column formatted as text", col, v))
		}
	}

	uid := r.get(rec, ColUniqueID)
	if strings.TrimSpace(uid) != "" {
		h := xxhash.Sum64String(uid)
		if first, dup := r.seenUID[h]; dup {
			r.report(roster.Error, roster.CodeDuplicateID, line, ColUniqueID,
				fmt.Sprintf("unique_id %q is already on line %d: every user needs their own unique_id", uid, first))
		} else {
			r.seenUID[h] = int32(line)
		}
	}

	if email := r.get(rec, ColEmail); email != "" {
		if why := emailProblem(email); why != "" {
			r.report(roster.Error, roster.CodeBadEmail, line, ColEmail,
				fmt.Sprintf("email %q %s: expected an address like name@school.org", email, why))
		}
	}
	if r.id != "" {
		r.checkID(rec[r.pos[r.id]], line)
	}

	if r.pos[ColPassword] < 0 || rec[r.pos[ColPassword]] == "" {
		r.noPassword++
	}

	u = roster.User{
		SourcedID:   uid,
		Identifier:  r.get(rec, ColPersonNumber),
		GivenName:   r.get(rec, ColFirstName),
		FamilyName:  r.get(rec, ColLastName),
		Email:       r.get(rec, ColEmail),
		Username:    r.get(rec, ColUsername),
		Password:    r.get(rec, ColPassword),
		Role:        r.role,
		EnabledUser: "true",
	}
	if u.Username == "" && r.id == ColEmail {
		// The login is the e-mail address: it is the user's username in formats that need one
		// (OneRoster requires a username).
		u.Username = u.Email
	}
	if r.orgID != "" {
		u.OrgIDs = []string{r.orgID}
	}
	for _, j := range r.extras {
		u.Metadata = append(u.Metadata, roster.KV{Key: r.header[j], Value: rec[j]})
	}
	return u, true
}

// checkID checks the Capti ID value v: present, well formed and not shared with an earlier row.
// A username ID is compared without case, like the e-mail address it becomes.
func (r *reader) checkID(v string, line int) {
	if strings.TrimSpace(v) == "" {
		r.report(roster.Error, roster.CodeMissingRequired, line, r.id,
			fmt.Sprintf("%s is blank: it is the Capti ID, every user needs one", r.id))
		return
	}
	if r.id == ColUsername && !validUsername(v) {
		r.report(roster.Error, roster.CodeBadID, line, ColUsername,
			fmt.Sprintf("username %q has characters other than letters and digits: Capti IDs made from usernames allow only A-Z, a-z and 0-9", v))
	}
	h := xxhash.Sum64String(strings.ToLower(v))
	if first, dup := r.seenID[h]; dup {
		r.report(roster.Error, roster.CodeIDCollision, line, r.id,
			fmt.Sprintf("Capti ID %q is also the ID on line %d: two users would share one login", r.displayID(v), first))
		return
	}
	r.seenID[h] = int32(line)
}

// encodingWatch passes problems on and notes an encoding error, after which an empty-looking
// file is not reported again as empty: the reading stopped.
type encodingWatch struct {
	rep roster.Reporter
	bad bool
}

func (w *encodingWatch) Report(p roster.Problem) {
	if p.Code == roster.CodeEncoding && p.Severity == roster.Error {
		w.bad = true
	}
	w.rep.Report(p)
}
