package diff

import (
	"slices"
	"strings"
)

// Why texts of rekey notes.
const (
	whySameEmail = "same email: likely ID change, not a new student"
	whySameName  = "same names and identifier: likely ID change, not a new student"
)

// notes explains the differences: rekeys among removed and added users, school moves among
// changed users, class moves among removed, added and changed enrollments. The slots are
// sorted by identifier.
func (s *diffSets) notes(cfg *config) []Note {
	notes := []Note{}
	notes = append(notes, s.rekeys()...)
	notes = append(notes, s.schoolMoves(cfg)...)
	notes = append(notes, s.classMoves()...)
	return notes
}

// rekeys pairs each removed user with an added user of the same email (compared without
// case), else of the same given name, family name and identifier. An added user pairs once.
func (s *diffSets) rekeys() []Note {
	byEmail := map[string]int{}
	byName := map[string]int{}
	slots := s.slots[kUser]
	for i := range slots {
		sl := &slots[i]
		if sl.kind != Added || !sl.side[1].seen {
			continue
		}
		v := sl.side[1].vals
		if e := strings.ToLower(v[uEmail]); e != "" {
			if _, dup := byEmail[e]; !dup {
				byEmail[e] = i
			}
		}
		if n := nameKey(v); n != "" {
			if _, dup := byName[n]; !dup {
				byName[n] = i
			}
		}
	}
	var out []Note
	used := map[int]bool{}
	for i := range slots {
		sl := &slots[i]
		if sl.kind != Removed || !sl.side[0].seen {
			continue
		}
		v := sl.side[0].vals
		why := ""
		j, ok := byEmail[strings.ToLower(v[uEmail])]
		if ok && v[uEmail] != "" && !used[j] {
			why = whySameEmail
		} else if j, ok = byName[nameKey(v)]; ok && nameKey(v) != "" && !used[j] {
			why = whySameName
		}
		if why == "" || sl.side[0].id == slots[j].side[1].id {
			continue // an ID removed and added again is no rekey
		}
		used[j] = true
		out = append(out, Note{Kind: NoteRekey, Entity: "user", OldID: sl.side[0].id, NewID: slots[j].side[1].id, Why: why})
	}
	return out
}

// nameKey is given name, family name and identifier, or "" when one of them is blank.
func nameKey(v []string) string {
	g, f, id := v[uGivenName], v[uFamilyName], v[uIdentifier]
	if g == "" || f == "" || id == "" {
		return ""
	}
	return strings.ToLower(g) + "\x00" + strings.ToLower(f) + "\x00" + id
}

// schoolMoves notes every changed user whose orgs changed (when orgs are compared).
func (s *diffSets) schoolMoves(cfg *config) []Note {
	if !cfg.include[kUser][uOrgIDs] {
		return nil
	}
	var out []Note
	for i := range s.slots[kUser] {
		sl := &s.slots[kUser][i]
		if sl.kind != Changed || !sl.side[0].seen || !sl.side[1].seen {
			continue
		}
		o, n := sl.side[0].vals[uOrgIDs], sl.side[1].vals[uOrgIDs]
		if o != n {
			out = append(out, Note{Kind: NoteSchoolMove, Entity: "user", ID: sl.id(), Old: splitList(o), New: splitList(n)})
		}
	}
	return out
}

// classMoves notes every user who lost enrollments in some classes and gained enrollments in
// others: removed and added enrollments of the same user, or an enrollment whose class changed.
func (s *diffSets) classMoves() []Note {
	type moves struct{ from, to []string }
	by := map[string]*moves{}
	get := func(user string) *moves {
		m := by[user]
		if m == nil {
			m = &moves{}
			by[user] = m
		}
		return m
	}
	for i := range s.slots[kEnroll] {
		sl := &s.slots[kEnroll][i]
		o, n := &sl.side[0], &sl.side[1]
		switch sl.kind {
		case Removed:
			if o.seen {
				m := get(o.vals[eUserID])
				m.from = append(m.from, o.vals[eClassID])
			}
		case Added:
			if n.seen {
				m := get(n.vals[eUserID])
				m.to = append(m.to, n.vals[eClassID])
			}
		case Changed:
			if o.seen && n.seen && o.vals[eClassID] != n.vals[eClassID] && o.vals[eUserID] == n.vals[eUserID] {
				m := get(o.vals[eUserID])
				m.from = append(m.from, o.vals[eClassID])
				m.to = append(m.to, n.vals[eClassID])
			}
		}
	}
	var out []Note
	for user, m := range by {
		if user == "" || len(m.from) == 0 || len(m.to) == 0 {
			continue
		}
		slices.Sort(m.from)
		slices.Sort(m.to)
		out = append(out, Note{Kind: NoteClassMove, Entity: "user", ID: user,
			Old: slices.Compact(m.from), New: slices.Compact(m.to)})
	}
	slices.SortFunc(out, func(a, b Note) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// splitList splits a set-joined list value; blank gives an empty list.
func splitList(v string) []string {
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ",")
}
