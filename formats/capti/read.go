package capti

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/value"
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
	var r *reader
	rows, err := csvio.ReadSingle(ctx, fsys, csvio.SingleFile{
		Name: name, Encoding: opts.InputEncoding,
		Empty:  "the file is empty: a Capti roster starts with a header row (" + strings.Join(DefaultColumns, ",") + ")",
		NoRows: "the file has a header but no users",
		Begin: func(header []string, sizeHint int, rep roster.Reporter) (csvio.Rows, bool, error) {
			if r = newReader(name, header, opts, rep, sizeHint); r == nil {
				return csvio.Rows{}, false, nil
			}
			if opts.Org != "" {
				org := roster.Org{SourcedID: slug(opts.Org), Name: opts.Org, Type: "school"}
				if err := sink.Org(&org); err != nil {
					return csvio.Rows{}, false, err
				}
				r.orgID = org.SourcedID
			}
			_, discard := sink.(roster.Discard) // nothing keeps the strings: no copy per row
			if discard {                        // validate: the IDs are all a row leaves, no user is built for it
				return csvio.Rows{Pre: r.pre, Row: func(rec []string, line int) error {
					r.ids(rec, line)
					return nil
				}}, true, nil
			}
			return csvio.Rows{Pre: r.pre, Copy: !roster.Borrows(sink), Row: func(rec []string, line int) error {
				if err := sink.User(r.row(rec, line)); err != nil {
					return fmt.Errorf("%s line %d: %w", name, line, err)
				}
				return nil
			}}, true, nil
		},
		End: func() error { return r.reportRepeats(fsys, opts.InputEncoding) },
	}, rep)
	if err != nil {
		if ctx.Err() != nil {
			return info, err
		}
		return info, fmt.Errorf("capti: %w", err)
	}
	info.Files = []format.FileInfo{{Name: name, Rows: rows}}
	if r != nil && r.noPassword > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeMissingRequired, File: name, Column: ColPassword,
			Message: fmt.Sprintf("%s no password: their initial password will be their Capti ID",
				plural(r.noPassword, "user has", "users have"))})
	}
	return info, nil
}

// Column indices into reader.pos, in DefaultColumns order.
const (
	iEmail = iota
	iUsername
	iPassword
	iFirstName
	iLastName
	iPersonNumber
	iUniqueID
	nColumns
)

// colIndex returns the index of a known Capti column name, or -1.
func colIndex(name string) int {
	for i, n := range DefaultColumns {
		if n == name {
			return i
		}
	}
	return -1
}

// reader checks and maps the rows of one file.
type reader struct {
	file   string
	header []string
	rep    roster.Reporter
	role   string
	orgID  string
	domain string
	ragged bool // format.Options.Ragged

	pos    [nColumns]int // per known column (iEmail …), its index in the record; -1 when absent
	extras []int         // indices of layout columns rostersync does not know (kept as metadata)
	id     int           // the ID column, iEmail or iUsername; -1 when the file has neither

	seenUID    *idset.Bag // hashes of unique_id, with their lines
	seenID     *idset.Bag // hashes of the folded Capti ID, with their lines
	noPassword int
	lower      []byte      // scratch for folding IDs
	user       roster.User // the user sent to the sink, reused
}

// newReader checks the header and returns the reader of the rows; nil when the first row is
// not a header at all (reported), and no row is read.
func newReader(file string, header []string, opts format.Options, rep roster.Reporter, sizeHint int) *reader {
	cols := layout(opts)
	idx := csvio.CheckHeader(file, header, headerSpec(cols), rep)
	if idx == nil {
		return nil // not a header (another separator, a first row of data): reported
	}
	r := &reader{
		file: file, header: header, rep: rep, role: opts.Role, domain: settingsOf(opts).Domain, id: -1, ragged: opts.Ragged,
		seenUID: idset.NewBag(sizeHint),
		seenID:  idset.NewBag(sizeHint),
	}
	if r.role == "" {
		r.role = "student"
	}
	for i := range r.pos {
		r.pos[i] = -1
	}
	idRequired := false
	for i, c := range cols {
		if k := colIndex(c.Name); k >= 0 {
			r.pos[k] = idx[i]
			idRequired = idRequired || (c.Required && (k == iEmail || k == iUsername))
		} else if idx[i] >= 0 {
			r.extras = append(r.extras, idx[i])
		}
	}
	want, other := iEmail, iUsername
	if idColumn(opts) == ColUsername {
		want, other = iUsername, iEmail
	}
	switch {
	case r.pos[want] >= 0:
		r.id = want
	case r.pos[other] >= 0:
		r.id = other
	case !idRequired:
		// CheckHeader reported a required column; report the ID column only when it did not.
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeHeader, File: file, Line: 1, Column: DefaultColumns[want],
			Message: "the file has neither an email nor a username column: one of them is the Capti ID"})
	}
	if r.id == iUsername && r.domain != "" && !validUsername(r.domain) {
		rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeBadID, File: file, Column: ColUsername,
			Message: fmt.Sprintf("the Capti domain %q has characters other than letters and digits, which Capti does not allow: check --capti-domain (capti.domain)", r.domain)})
	}
	return r
}

func (r *reader) report(sev roster.Severity, code string, line int, col, msg string) {
	r.rep.Report(roster.Problem{Severity: sev, Code: code, File: r.file, Line: line, Column: col, Message: msg})
}

// get returns the value of known column k (iEmail …), "" when the file does not have it.
func (r *reader) get(rec []string, k int) string {
	if p := r.pos[k]; p >= 0 {
		return rec[p]
	}
	return ""
}

// displayID is the Capti ID as messages show it.
func (r *reader) displayID(v string) string {
	if r.id == iUsername && r.domain != "" {
		return v + "@" + r.domain
	}
	return v
}

// pre checks one record on its own (csvio.Pre: it may run on the parsing goroutine, beside
// row): everything but the ID tables. It returns false when the row cannot be read.
func (r *reader) pre(rec []string, line int) ([]string, bool) {
	if len(rec) != len(r.header) {
		r.report(roster.Error, roster.CodeRaggedRow, line, "", format.RaggedMessage(len(rec), len(r.header), ""))
		var ok bool
		if rec, ok = format.FitRagged(rec, r.header, r.pos[iUniqueID], r.ragged); !ok {
			return rec, false
		}
	}
	for j, v := range rec {
		if len(v) > MaxLen && utf8.RuneCountInString(v) > MaxLen {
			r.report(roster.Error, roster.CodeTooLong, line, r.header[j],
				fmt.Sprintf("%s is %d characters long: Capti accepts at most %d", r.header[j], utf8.RuneCountInString(v), MaxLen))
		}
	}
	for _, k := range [...]int{iFirstName, iLastName, iUniqueID} {
		if p := r.pos[k]; p >= 0 && blank(rec[p]) {
			r.report(roster.Error, roster.CodeMissingRequired, line, DefaultColumns[k], DefaultColumns[k]+" is blank: Capti requires it")
		}
	}
	for j, v := range rec { // every column, the password too (whose value is not shown)
		if csvio.Formula(v) {
			r.report(roster.Warning, roster.CodeFormula, line, r.header[j], csvio.FormulaMessage(r.header[j], v, r.header[j] == ColPassword))
		}
	}
	for _, k := range [...]int{iUniqueID, iPersonNumber} {
		if v := r.get(rec, k); value.ExcelDamaged(v) {
			r.report(roster.Error, roster.CodeExcelDamage, line, DefaultColumns[k],
				fmt.Sprintf("%s %q is a number in scientific notation: a spreadsheet rewrote the identifier; export it again with the column formatted as text", DefaultColumns[k], v))
		}
	}

	for _, k := range [...]int{iEmail, iUsername, iPersonNumber, iUniqueID} {
		if c := csvio.Invisible(r.get(rec, k)); c != 0 {
			r.report(roster.Error, roster.CodeBadID, line, DefaultColumns[k], csvio.InvisibleMessage(DefaultColumns[k], c))
		}
	}

	if email := r.get(rec, iEmail); email != "" {
		if why := value.EmailProblem(email); why != "" {
			r.report(roster.Error, roster.CodeBadEmail, line, ColEmail,
				fmt.Sprintf("email %q %s: expected an address like name@school.org", email, why))
		}
	}
	if r.id >= 0 {
		r.checkID(rec[r.pos[r.id]], line)
	}
	return rec, true
}

// row records the IDs of a record pre passed and maps it to a user. The user is valid until
// the next call. Repeated IDs are reported once the file is read (reportRepeats).
func (r *reader) row(rec []string, line int) *roster.User {
	uid, password := r.ids(rec, line)

	u := &r.user
	*u = roster.User{
		SourcedID:   uid,
		Identifier:  r.get(rec, iPersonNumber),
		GivenName:   r.get(rec, iFirstName),
		FamilyName:  r.get(rec, iLastName),
		Email:       r.get(rec, iEmail),
		Username:    r.get(rec, iUsername),
		Password:    password,
		Role:        r.role,
		EnabledUser: "true",
	}
	if u.Username == "" && r.id == iEmail {
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
	return u
}

// ids records the IDs of a record pre passed (its repeats are reported once the file is read)
// and counts it when it has no password; it returns the unique_id and the password.
func (r *reader) ids(rec []string, line int) (uid, password string) {
	uid = r.get(rec, iUniqueID)
	if !blank(uid) {
		r.seenUID.Add(idset.Hash(uid), int32(line))
	}
	if r.id >= 0 {
		if v := rec[r.pos[r.id]]; !blank(v) {
			r.seenID.Add(foldedHash(v, &r.lower), int32(line))
		}
	}
	password = r.get(rec, iPassword)
	if password == "" {
		r.noPassword++
	}
	return uid, password
}

// reportRepeats reports the unique_ids and Capti IDs that are on more than one row, each on
// every row after its first. Only hashes and lines were kept while reading (idset.Bag, whose
// appends cost no random access into a table of millions), so the file is read again, only
// when there are repeats, for the IDs to name.
func (r *reader) reportRepeats(fsys fs.FS, encoding string) error {
	uids, ids := r.seenUID.Repeated(), r.seenID.Repeated()
	if uids.Len() == 0 && ids.Len() == 0 {
		return nil
	}
	return csvio.Reread(fsys, r.file, csvio.Options{Encoding: encoding}, func(rec []string, line int) {
		if len(rec) != len(r.header) {
			return // not read (reported)
		}
		if uid := r.get(rec, iUniqueID); !blank(uid) {
			if first, ok := uids.Get(idset.Hash(uid)); ok && int(first) != line {
				r.report(roster.Error, roster.CodeDuplicateID, line, ColUniqueID,
					fmt.Sprintf("unique_id %q is already on line %d: every user needs their own unique_id", uid, first))
			}
		}
		if r.id < 0 {
			return
		}
		if v := rec[r.pos[r.id]]; !blank(v) {
			if first, ok := ids.Get(foldedHash(v, &r.lower)); ok && int(first) != line {
				r.report(roster.Error, roster.CodeIDCollision, line, DefaultColumns[r.id],
					fmt.Sprintf("Capti ID %q is also the ID on line %d: two users would share one login", r.displayID(v), first))
			}
		}
	})
}

// blank reports whether s is empty or only spaces; a value starting with a printable ASCII
// character is decided without trimming, and without a call (blank is inlined).
func blank(s string) bool {
	return (s == "" || s[0] <= ' ' || s[0] >= utf8.RuneSelf) && strings.TrimSpace(s) == ""
}

// foldedHash is the hash of s in lower case (s itself when it has no upper case and is ASCII,
// as most addresses are: no copy), using scratch for the folded copy otherwise.
func foldedHash(s string, scratch *[]byte) uint64 {
	if value.LowerASCII(s) {
		return idset.Hash(s)
	}
	*scratch = appendLower((*scratch)[:0], s)
	return idset.HashBytes(*scratch)
}

// checkID checks the Capti ID value v: present and well formed (reportRepeats finds the IDs
// shared with an earlier row; Capti IDs are compared without case, as e-mail addresses are).
func (r *reader) checkID(v string, line int) {
	col := DefaultColumns[r.id]
	if blank(v) {
		r.report(roster.Error, roster.CodeMissingRequired, line, col,
			fmt.Sprintf("%s is blank: it is the Capti ID, every user needs one", col))
		return
	}
	if r.id == iUsername && !validUsername(v) {
		r.report(roster.Error, roster.CodeBadID, line, ColUsername,
			fmt.Sprintf("username %q has characters other than letters and digits: Capti IDs made from usernames allow only A-Z, a-z and 0-9", v))
	}
}

// appendLower appends s in lower case to b (strings.ToLower without the allocation).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(b[:0], strings.ToLower(s)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
