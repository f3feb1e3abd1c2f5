package diff

import (
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// A reader that can hands Compare's passes (and a Builder) the rows of a kind as it reads
// them, instead of an entity per row (the OneRoster 1.1 reader: its columns are the fields of
// fieldNames one for one). The first pass then hashes every row straight from its cells, and
// the second builds the values of the differing rows only: no entity, no list, no string is
// made for a row that is only hashed. rawValues gives exactly the values flattener gives for
// the entity of the same row, so either way an entity hashes alike (and a raw-read input
// compares with one of another format, or with a snapshot).

// rawCols is how the rows of one file give the fields of kind k.
type rawCols struct {
	k      kindIdx
	idx    []int // per field of fieldNames[k]: its record index, -1 when the file has none
	meta   []int // the metadata.* columns
	header []string
}

func newRawCols(k kindIdx, col func(string) int, header []string, meta []int) *rawCols {
	rc := &rawCols{k: k, meta: meta, header: header}
	for _, n := range fieldNames[k] {
		rc.idx = append(rc.idx, col(n))
	}
	return rc
}

// get returns field i of a row ("" when the file has no such column).
func (rc *rawCols) get(rec []string, i int) string {
	if j := rc.idx[i]; j >= 0 && j < len(rec) {
		return rec[j]
	}
	return ""
}

// rawKind is the kind whose rows a sink takes raw: a kind it compares, orgs aside (their
// identifiers are noted as entities).
func rawKind(cfg *config, kind roster.Kind) (kindIdx, bool) {
	k, ok := kindIndex(kind)
	return k, ok && k != kOrg && cfg.want[k]
}

// RawRows takes the rows of a kind as they are read (the OneRoster reader's raw-row ability):
// each is hashed as its entity would be.
func (p *pass1) RawRows(kind roster.Kind, col func(string) int, header []string, meta []int) func([]string) error {
	k, ok := rawKind(p.h.cfg, kind)
	if !ok {
		return nil
	}
	rc := newRawCols(k, col, header, meta)
	return func(rec []string) error {
		if p.n++; p.n&4095 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		vals, md := p.h.fl.rawValues(rc, rec)
		return p.addValues(k, vals, md)
	}
}

// RawRows takes the rows of a kind as they are read: only the key of a row is made, and its
// values only when it is one of the differing entities.
func (p *pass2) RawRows(kind roster.Kind, col func(string) int, header []string, meta []int) func([]string) error {
	k, ok := rawKind(p.h.cfg, kind)
	if !ok || p.sets.idx[k] == nil {
		return nil
	}
	rc := newRawCols(k, col, header, meta)
	cfg := p.h.cfg
	return func(rec []string) error {
		if p.n++; p.n&4095 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		// What add does, in its order, on the few plain fields it takes before the key.
		if k == kUser && cfg.opts.Roles != nil && !roster.HoldsRole(cfg.opts.Roles, rc.get(rec, uRole)) {
			return nil
		}
		if rc.get(rec, fStatus) == statusDeleted {
			return nil
		}
		key := p.h.rawKey(rc, rec)
		s := p.slot(k, key)
		if s == nil {
			return nil
		}
		vals, md := p.h.fl.rawValues(rc, rec)
		p.h.keyed(k, vals)
		return p.keep(k, s, key, vals, md)
	}
}

// rawKey is key of a row, from the fields it uses (the user key, sourcedId, an enrollment's
// class and user): they are plain fields, equal in the row and in the flattened values.
func (h *hasher) rawKey(rc *rawCols, rec []string) []byte {
	vals := h.kvals[:0]
	for range rc.idx {
		vals = append(vals, "")
	}
	h.kvals = vals
	vals[fSourcedID] = rc.get(rec, fSourcedID)
	switch rc.k {
	case kUser:
		if h.cfg.userKey != fSourcedID {
			vals[h.cfg.userKey] = rc.get(rec, h.cfg.userKey)
		}
	case kEnroll:
		vals[eClassID], vals[eUserID] = rc.get(rec, eClassID), rc.get(rec, eUserID)
	}
	h.keyed(rc.k, vals)
	return h.key(rc.k, vals)
}

// rawValues returns the values and metadata of a row as values returns those of its entity:
// list fields as sets (setOf), org references as the flattener renders them, a blank
// enrollment primary as false. They are valid until the next call.
func (f *flattener) rawValues(rc *rawCols, rec []string) ([]string, []roster.KV) {
	vals := f.vals[:0]
	for i := range rc.idx {
		vals = append(vals, rc.get(rec, i))
	}
	f.vals = vals
	switch rc.k {
	case kCourse:
		for _, i := range [...]int{6, 8, 9} { // grades, subjects, subjectCodes
			vals[i] = f.setOf(vals[i], false)
		}
	case kClass:
		for _, i := range [...]int{4, 10, 11, 12, 13} { // grades, termSourcedIds, subjects, subjectCodes, periods
			vals[i] = f.setOf(vals[i], false)
		}
	case kUser:
		vals[uOrgIDs] = f.setOf(vals[uOrgIDs], true)
		for _, i := range [...]int{7, 15, 16} { // userIds, agentSourcedIds, grades
			vals[i] = f.setOf(vals[i], false)
		}
		vals[22] = f.orgRef(vals[22]) // primaryOrgSourcedId
		f.omitRole(vals)
	case kEnroll:
		if vals[7] == "" { // primary
			vals[7] = "false"
		}
	}
	md := f.rmeta[:0]
	for _, j := range rc.meta {
		if j < len(rec) && rec[j] != "" {
			md = append(md, roster.KV{Key: rc.header[j], Value: rec[j]})
		}
	}
	f.rmeta = md
	return vals, md
}

// setOf is set(splitTrim(v)), or set(orgRefs(splitTrim(v))) for org references: v's items,
// trimmed, as a sorted set joined with commas. A list already so written is v itself, with no
// allocation.
func (f *flattener) setOf(v string, orgs bool) string {
	if v == "" {
		return ""
	}
	if strings.IndexByte(v, ',') < 0 {
		v = strings.TrimSpace(v)
		if orgs {
			v = f.orgRef(v)
		}
		return v
	}
	items := f.items[:0]
	same := true
	for item := range strings.SplitSeq(v, ",") {
		t := strings.TrimSpace(item)
		if orgs && f.dropped[t] {
			same = false
			continue
		}
		if orgs {
			t = f.orgRef(t)
		}
		same = same && t == item
		items = append(items, t)
	}
	f.items = items
	if slices.IsSorted(items) && !hasAdjacentDup(items) {
		if same {
			return v
		}
		return strings.Join(items, ",")
	}
	slices.Sort(items)
	return strings.Join(slices.Compact(items), ",")
}
