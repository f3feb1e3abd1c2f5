// Package diff compares two rosters entity by entity: counts of added, removed, changed and
// unchanged entities per kind, optionally the field-level changes, and notes that explain
// likely causes (a student re-keyed, a school or class move).
//
// Inputs are re-readable streams (Source), never whole rosters in memory. The first pass reads
// both inputs at the same time and keeps, per entity, a 64-bit hash of its key and a 64-bit hash
// of its compared fields (16 bytes); that alone gives the counts. A second pass, only when
// detail is asked for and something differs, reads both inputs again and keeps the fields of
// the entities that differ. Two distinct keys, or two distinct rows under one key, with equal
// 64-bit xxhash values would be miscounted; at a few million entities the odds are about 1 in
// 10^6 per diff, accepted for the memory it saves.
package diff

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Source reads a whole input again each time it is called and sends every entity to sink,
// stopping with the sink's error. The two sources of a Compare are read at the same time, from
// different goroutines; each source is called at most twice, never concurrently with itself.
type Source func(ctx context.Context, sink roster.Sink) error

// FromRoster returns a Source that emits r.
func FromRoster(r *roster.Roster) Source {
	return func(_ context.Context, sink roster.Sink) error { return r.Emit(sink) }
}

// Options says what Compare compares and how much it reports.
type Options struct {
	// Entities limits the kinds compared (plural or singular names); nil compares all.
	Entities []roster.Kind
	// UserKey is the field that identifies a user: "" or "sourcedId", "email" (compared
	// case-insensitively), "identifier" or "username". A user whose key field is blank is
	// matched by sourcedId instead.
	UserKey string
	// OrgKey is how users refer to orgs when compared: "" or "sourcedId" as written, or
	// "identifier": each org in orgSourcedIds and primaryOrgSourcedId is replaced by that
	// org's identifier when the input holds the org with one (a students.csv SITE_ID is the
	// school's identifier, not its sourcedId).
	OrgKey string
	// Roles restricts the users compared to those of the roles listed (a user without a role
	// is compared); nil compares every user. A cross-format diff passes the roles both formats
	// hold (students.csv: students).
	Roles []string
	// OrgTypes restricts the orgs compared to those of the types listed (an org without a type
	// is compared), and leaves each side's references to its orgs of other types out of its
	// users' orgSourcedIds and primaryOrgSourcedId; nil compares every org. A cross-format diff
	// passes the types both formats hold (Clever: schools).
	OrgTypes []string
	// RoleOmits lists, per user role, fields not compared for users of that role (the user key
	// aside). A cross-format diff passes the fields a format does not hold for a role
	// (Clever: no identifier for administrators).
	RoleOmits map[string][]string
	// AllFields compares status and dateLastModified too.
	AllFields bool
	// Fields restricts, per kind, the fields compared (OneRoster column names, "metadata.<key>",
	// or "metadata.*" for every metadata key). A nil map, or a kind absent from it, compares all
	// fields; an empty list compares presence only. A cross-format diff passes the fields both
	// formats carry, and restricts Entities to the kinds both carry. Enrollment fields without
	// sourcedId (a format whose enrollments have no IDs) match enrollments by class and user.
	Fields map[roster.Kind][]string
	// Detail collects field-level changes and notes (a second read of both inputs when they
	// differ); false gives counts only.
	Detail bool
	// Limit caps the number of changes listed (0: no cap); the first Limit changes in kind
	// order, then identifier order, are kept. Counts and notes are always complete.
	Limit int
	// ShowSecrets shows password and birthDate values in changes instead of "***".
	ShowSecrets bool
}

// Result is the outcome of a Compare.
type Result struct {
	// Compared names, per entity (singular), the fields compared.
	Compared map[string][]string `json:"compared_fields"`
	// Roles lists the only roles of users compared (Options.Roles); omitted when all are.
	Roles []string `json:"compared_roles,omitempty"`
	// OrgTypes lists the only org types compared (Options.OrgTypes); omitted when all are.
	OrgTypes []string `json:"compared_org_types,omitempty"`
	// RoleOmits lists, per user role, the compared user fields left out for users of that role
	// (Options.RoleOmits), in field order; omitted when none are.
	RoleOmits map[string][]string `json:"not_compared_by_role,omitempty"`
	// Summary holds the counts per kind (plural) for every kind requested or present.
	Summary map[roster.Kind]*Counts `json:"summary"`
	// Changes lists the entities that differ (empty without Options.Detail), by kind in
	// roster.Kinds order, then by identifier.
	Changes []Change `json:"changes"`
	// Notes explain likely causes; they never change counts or kinds.
	Notes []Note `json:"notes"`
	// Schools counts the users that differ per school (empty without Options.Detail).
	Schools []SchoolCounts `json:"schools"`
	// EnrollmentsBy is "class and user" when enrollments were matched by their class and user
	// rather than by sourcedId (either input's enrollments have no IDs of their own).
	EnrollmentsBy string `json:"enrollments_matched_by,omitempty"`
}

// SchoolCounts are the users added, removed and changed of one school: an org a user's
// orgSourcedIds names (an added or changed user's new schools, a removed or changed user's old
// ones), unless the inputs hold that org with a type other than school. Never capped by Limit.
type SchoolCounts struct {
	// Org is the org as users name it: its sourcedId, or its identifier (Options.OrgKey).
	Org string `json:"org"`
	// Name is the org's name, when an input holds the org.
	Name    string `json:"name,omitempty"`
	Added   int    `json:"added"`
	Removed int    `json:"removed"`
	Changed int    `json:"changed"`
}

// Counts are the numbers of one kind of entity.
type Counts struct {
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	// RemovedPercent is Removed as a percentage of the old entities, to one decimal.
	RemovedPercent float64 `json:"removed_percent"`
}

// Old returns the number of entities of the old input.
func (c *Counts) Old() int { return c.Removed + c.Changed + c.Unchanged }

// New returns the number of entities of the new input.
func (c *Counts) New() int { return c.Added + c.Changed + c.Unchanged }

// Differing returns the number of entities added, removed or changed.
func (c *Counts) Differing() int { return c.Added + c.Removed + c.Changed }

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Change is one entity that differs. Fields is set for changed entities only.
type Change struct {
	Entity string                 `json:"entity"` // singular: user, enrollment, org, ...
	ID     string                 `json:"id"`
	Kind   string                 `json:"kind"` // added, removed or changed
	Fields map[string]FieldChange `json:"fields,omitempty"`
	// Status is "tobedeleted" for an entity removed by a row that marks it so.
	Status string `json:"status,omitempty"`
}

// FieldChange is a field's old and new value; secrets read "***" unless shown.
type FieldChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// Note kinds.
const (
	NoteRekey      = "rekey"
	NoteSchoolMove = "school-move"
	NoteClassMove  = "class-move"
	// NoteExcelDamage is a removed and an added entity whose new ID is the old one as a
	// spreadsheet rewrote it (leading zeros lost, scientific notation).
	NoteExcelDamage = "excel-damage"
)

// Note explains a group of changes: a removed and an added user that are likely the same
// person (rekey), a user whose schools changed (school-move), or a user whose enrollments moved
// to other classes (class-move).
type Note struct {
	Kind   string   `json:"kind"`
	Entity string   `json:"entity"`
	ID     string   `json:"id,omitempty"`
	OldID  string   `json:"old_id,omitempty"`
	NewID  string   `json:"new_id,omitempty"`
	Why    string   `json:"why,omitempty"`
	Old    []string `json:"old,omitempty"`
	New    []string `json:"new,omitempty"`
}

// Identical reports whether nothing was added, removed or changed.
func (r *Result) Identical() bool {
	for _, c := range r.Summary {
		if c.Differing() > 0 {
			return false
		}
	}
	return true
}

// Total returns the number of entities that differ, over all kinds: the length of Changes
// before Options.Limit.
func (r *Result) Total() int {
	n := 0
	for _, c := range r.Summary {
		n += c.Differing()
	}
	return n
}

// mask is the masked form of a secret value.
const mask = "***"

// config is Options resolved for the hot paths.
type config struct {
	opts      Options
	want      [numKinds]bool
	include   [numKinds][]bool // by field position
	metaAll   [numKinds]bool
	metaOK    [numKinds]map[string]bool
	metaNone  [numKinds]bool // no metadata key is compared
	userKey   int            // field position of the user key
	userField string         // its name, for roster.UserKey
	emailKey  bool
	orgIdent  bool
	// enrollPair: enrollments are keyed by class and user, the enrollment fields compared
	// leaving out sourcedId (a format without enrollment IDs on one side).
	enrollPair bool
	// vote, in Compare's first pass, lets each input tell from its first enrollment whether its
	// enrollment IDs are made from class and user (madeEnrollmentID); when either's are, both
	// key enrollments by class and user, as enrollPair does.
	vote *enrollVote
	// roleOmit holds, per user role, the positions of the user fields Options.RoleOmits leaves
	// out for that role; nil when none are.
	roleOmit map[string][]int
}

// enrollVote gathers, from both inputs of a Compare, whether their enrollment IDs are made.
// Each input votes once: at its first enrollment, or when it ends without one (not made).
type enrollVote struct {
	mu    sync.Mutex
	cast  [2]bool
	n     int
	made  bool
	ready chan struct{} // closed once both have voted
}

func newEnrollVote() *enrollVote { return &enrollVote{ready: make(chan struct{})} }

// vote records side's vote; a side's later votes are ignored.
func (v *enrollVote) vote(side int, made bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cast[side] {
		return
	}
	v.cast[side], v.made = true, v.made || made
	if v.n++; v.n == 2 {
		close(v.ready)
	}
}

// result waits for both votes and reports whether either input's enrollment IDs are made.
func (v *enrollVote) result(ctx context.Context) (bool, error) {
	select {
	case <-v.ready:
		return v.made, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// madeEnrollmentID reports whether an enrollment's sourcedId (vals[fSourcedID]) carries
// nothing of its own: blank, or its class and user joined by "/", optionally followed by "/"
// and a role, as rostersync names the enrollments of a format that has no enrollment IDs
// (Clever: Section_id/Student_id; SDS: class/user/role) and OneRoster writes them back.
func madeEnrollmentID(vals []string) bool {
	id, class, user := vals[fSourcedID], vals[eClassID], vals[eUserID]
	if id == "" {
		return true
	}
	rest, ok := strings.CutPrefix(id, class)
	if !ok {
		return false
	}
	if rest, ok = strings.CutPrefix(rest, "/"); !ok {
		return false
	}
	if rest, ok = strings.CutPrefix(rest, user); !ok {
		return false
	}
	if rest == "" {
		return true
	}
	role, ok := strings.CutPrefix(rest, "/")
	return ok && role != "" && !strings.Contains(role, "/")
}

func newConfig(opts Options) (*config, error) {
	if opts.Limit < 0 {
		return nil, fmt.Errorf("diff: limit %d is negative", opts.Limit)
	}
	c := &config{opts: opts, userField: opts.UserKey}
	switch opts.UserKey {
	case "", "sourcedId":
		c.userKey, c.userField = fSourcedID, "sourcedId"
	case "email":
		c.userKey, c.emailKey = uEmail, true
	case "identifier":
		c.userKey = uIdentifier
	case "username":
		c.userKey = uUsername
	default:
		return nil, fmt.Errorf("diff: unknown user key %q (want sourcedId, email, identifier or username)", opts.UserKey)
	}
	switch opts.OrgKey {
	case "", "sourcedId":
	case "identifier":
		c.orgIdent = true
	default:
		return nil, fmt.Errorf("diff: unknown org key %q (want sourcedId or identifier)", opts.OrgKey)
	}
	if opts.Entities == nil {
		for k := range c.want {
			c.want[k] = true
		}
	}
	for _, e := range opts.Entities {
		k, ok := kindIndex(e)
		if !ok {
			return nil, fmt.Errorf("diff: unknown entity %q", e)
		}
		c.want[k] = true
	}
	for k := range numKinds {
		list, restricted := opts.Fields[kinds[k]]
		restricted = restricted && list != nil
		allowed := make(map[string]bool, len(list))
		for _, f := range list {
			allowed[f] = true
		}
		names := fieldNames[k]
		inc := make([]bool, len(names))
		for i, n := range names {
			switch {
			case i == fSourcedID && (k != kUser || c.userKey == fSourcedID):
				// The key itself: equal by construction.
			case (i == fStatus || i == fModified) && !opts.AllFields:
			default:
				inc[i] = !restricted || allowed[n]
			}
		}
		c.include[k] = inc
		if k == kUser {
			c.roleOmit = roleOmits(opts.RoleOmits, inc, c.userKey)
		}
		if k == kEnroll && restricted && !allowed["sourcedId"] {
			c.enrollPair = true
		}
		c.metaAll[k] = !restricted || allowed["metadata.*"]
		if !c.metaAll[k] {
			c.metaOK[k] = map[string]bool{}
			for n := range allowed {
				if key, ok := strings.CutPrefix(n, "metadata."); ok {
					c.metaOK[k][key] = true
				}
			}
			c.metaNone[k] = len(c.metaOK[k]) == 0
		}
	}
	return c, nil
}

// Kinds lists the entity kinds Compare knows, in report order. It is roster.Kinds.
func Kinds() []roster.Kind { return slices.Clone(kinds[:]) }

// Fields returns the fields Compare knows for kind k, as OneRoster column names (metadata
// aside); nil for an unknown kind.
func Fields(k roster.Kind) []string {
	i, ok := kindIndex(k)
	if !ok {
		return nil
	}
	return slices.Clone(fieldNames[i])
}

// ParseKind accepts a kind's plural or singular name ("users" or "user") and returns the
// plural roster.Kind.
func ParseKind(name string) (roster.Kind, bool) {
	k, ok := kindIndex(roster.Kind(name))
	if !ok {
		return "", false
	}
	return kinds[k], true
}

// kindIndex accepts a plural kind or its singular.
func kindIndex(e roster.Kind) (kindIdx, bool) {
	for k, kk := range kinds {
		if e == kk || string(e) == kk.Singular() {
			return kindIdx(k), true
		}
	}
	return 0, false
}

// holds reports whether the entity of kind k with the flattened values vals is compared: a
// user of a role Options.Roles leaves out is not.
func (c *config) holds(k kindIdx, vals []string) bool {
	switch k {
	case kUser:
		return c.opts.Roles == nil || roster.HoldsRole(c.opts.Roles, vals[uRole])
	case kOrg:
		return c.holdsOrgType(vals[oType])
	}
	return true
}

// metaIncluded reports whether the metadata key is compared for kind k.
func (c *config) metaIncluded(k kindIdx, key string) bool {
	return c.metaAll[k] || c.metaOK[k][key]
}

// Compare compares old with new. Either source failing stops both and is returned wrapped
// with the side that failed; ctx cancellation returns ctx's error.
func Compare(ctx context.Context, old, new Source, opts Options) (*Result, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if !cfg.enrollPair {
		cfg.vote = newEnrollVote()
	}
	sides, err := runBoth(ctx, old, new, func(ctx context.Context, side int, src Source) (*pass1, error) {
		p := newPass1(ctx, cfg)
		p.side = side
		if cfg.vote != nil {
			defer cfg.vote.vote(side, false) // an input without enrollments
		}
		if err := src(ctx, p); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// The reader's tables (its checks' IDs: about as big as this side's own table for a
		// district) are garbage now: collected here, their memory serves what follows (the
		// other side's read, the second pass) instead of the heap growing to twice what is
		// live before the collector would next run.
		runtime.GC()
		p.finishInPlace()
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	res := &Result{
		Roles:    opts.Roles,
		OrgTypes: opts.OrgTypes,
		Compared: map[string][]string{},
		Summary:  map[roster.Kind]*Counts{},
		Changes:  []Change{},
		Notes:    []Note{},
		Schools:  []SchoolCounts{},
	}
	if cfg.vote != nil && cfg.vote.made {
		cfg.enrollPair = true // the second pass keys enrollments as the first did
	}
	if cfg.enrollPair && cfg.want[kEnroll] {
		res.EnrollmentsBy = "class and user"
	}
	modes := sides[1].effectiveModes() // a delta NEW applies to OLD
	var sets *diffSets
	if opts.Detail {
		sets = &diffSets{}
	}
	for k := range numKinds {
		o, n := sides[0].blocks[k], sides[1].blocks[k]
		if !cfg.want[k] || (opts.Entities == nil && len(o) == 0 && len(n) == 0) {
			continue
		}
		counts := merge(newSeq(o...), newSeq(n...), modes[k], sets, kindIdx(k), nil)
		sides[0].blocks[k], sides[1].blocks[k] = nil, nil // free before the next pass
		if old := counts.Old(); old > 0 {
			counts.RemovedPercent = math.Round(float64(counts.Removed)/float64(old)*1000) / 10
		}
		res.Summary[kinds[k]] = counts
		res.Compared[kinds[k].Singular()] = cfg.compared(kindIdx(k), sides[0].metaKeys[k], sides[1].metaKeys[k])
	}
	res.RoleOmits = cfg.roleOmitNames()
	if !opts.Detail || res.Identical() {
		return res, nil
	}
	sides = [2]*pass1{} // the tables are freed; let the rest go too
	sets.seal()
	_, err = runBoth(ctx, old, new, func(ctx context.Context, side int, src Source) (struct{}, error) {
		p := newPass2(ctx, cfg, sets, side)
		if err := src(ctx, p); err != nil && !errors.Is(err, errPass2Done) {
			return struct{}{}, err
		}
		return struct{}{}, ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	res.Changes, res.Notes = sets.report(cfg)
	res.Schools = sets.schools()
	return res, nil
}

// compared lists the fields compared for kind k, metadata keys seen on either side included.
func (c *config) compared(k kindIdx, meta ...map[string]struct{}) []string {
	out := []string{}
	for i, n := range fieldNames[k] {
		if c.include[k][i] {
			out = append(out, n)
		}
	}
	var keys []string
	for _, m := range meta {
		for key := range m {
			if c.metaIncluded(k, key) && !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		out = append(out, "metadata."+key)
	}
	return out
}

// runBoth runs fn on old (side 0) and new (side 1) at the same time; the first failure cancels
// the other.
func runBoth[T any](ctx context.Context, old, new Source, fn func(context.Context, int, Source) (T, error)) ([2]T, error) {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		out   [2]T
		errs  [2]error
		first = -1
		mu    sync.Mutex
		wg    sync.WaitGroup
	)
	for i, src := range [2]Source{old, new} {
		wg.Go(func() {
			v, err := fn(inner, i, src)
			out[i], errs[i] = v, err
			if err != nil {
				mu.Lock()
				if first < 0 {
					first = i
				}
				mu.Unlock()
				cancel()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if first >= 0 {
		// The side that failed first; the other may only have seen the cancellation.
		i := first
		if errors.Is(errs[i], context.Canceled) && errs[1-i] != nil && !errors.Is(errs[1-i], context.Canceled) {
			i = 1 - i
		}
		return out, fmt.Errorf("read %s input: %w", [2]string{"old", "new"}[i], errs[i])
	}
	return out, nil
}
