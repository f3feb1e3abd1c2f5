package diff

import (
	"slices"
	"strconv"
	"strings"
)

// Why texts of notes.
const (
	whySameEmail  = "same email: likely ID change, not a new student"
	whySameName   = "same names and identifier: likely ID change, not a new student"
	whyZeros      = "the old ID without its leading zeros: a spreadsheet opened and saved the file"
	whyScientific = "the old ID in scientific notation: a spreadsheet opened and saved the file"
)

// notes explains the differences: rekeys among removed and added users, school moves among
// changed users, class moves among removed, added and changed enrollments. The slots are
// sorted by identifier.
func (s *diffSets) notes(cfg *config) []Note {
	notes := []Note{}
	damage, damaged := s.excelDamage()
	notes = append(notes, damage...)
	notes = append(notes, s.rekeys(damaged)...)
	notes = append(notes, s.schoolMoves(cfg)...)
	notes = append(notes, s.classMoves()...)
	return notes
}

// excelDamage pairs, in every kind, each removed entity with an added one whose ID is the
// removed ID as a spreadsheet rewrites a number: without its leading zeros (03100500 ->
// 3100500), or in scientific notation (123456789012 -> 1.23457E+11). It returns the notes and
// the user slots paired (no rekey for them).
func (s *diffSets) excelDamage() ([]Note, map[int]bool) {
	var out []Note
	var users map[int]bool
	for k := range numKinds {
		slots := s.slots[k]
		damaged := map[int]bool{}
		if kindIdx(k) == kUser {
			users = damaged
		}
		added := map[string]int{}
		precisions := map[int]bool{} // digits after the point of the scientific IDs added
		for i := range slots {
			if sl := &slots[i]; sl.kind == Added && sl.side[1].seen {
				added[sl.side[1].id] = i
				if d, ok := ExcelScientific(sl.side[1].id); ok {
					precisions[d] = true
				}
			}
		}
		if len(added) == 0 {
			continue
		}
		for i := range slots {
			sl := &slots[i]
			if sl.kind != Removed || !sl.side[0].seen {
				continue
			}
			id := sl.side[0].id
			why, j, ok := "", 0, false
			if z := StripZeros(id); z != id {
				j, ok = added[z]
				why = whyZeros
			}
			for d := range precisions {
				if ok {
					break
				}
				if v, isNum := scientificOf(id, d); isNum {
					j, ok = added[v]
					why = whyScientific
				}
			}
			if !ok || damaged[j] {
				continue
			}
			damaged[i], damaged[j] = true, true
			out = append(out, Note{Kind: NoteExcelDamage, Entity: kinds[k].Singular(), OldID: id, NewID: slots[j].side[1].id, Why: why})
		}
	}
	return out, users
}

// StripZeros returns id without its leading zeros when id is all digits and has some (a
// number a spreadsheet would rewrite: 03100500 -> 3100500; 000 -> 0), else id.
func StripZeros(id string) string {
	if len(id) < 2 || id[0] != '0' {
		return id
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return id
		}
	}
	z := strings.TrimLeft(id, "0")
	if z == "" {
		return "0"
	}
	return z
}

// ExcelScientific reports whether id is a number in a spreadsheet's scientific notation
// (1.23457E+11), and how many digits follow its point.
func ExcelScientific(id string) (int, bool) {
	mant, exp, ok := strings.Cut(strings.ToUpper(id), "E+")
	if !ok || mant == "" || exp == "" {
		return 0, false
	}
	for _, c := range exp {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if len(whole) != 1 || whole[0] < '1' || whole[0] > '9' {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	return len(frac), true
}

// scientificOf writes an all-digit id as a spreadsheet shows it in scientific notation with
// d digits after the point ("123456789012", 5 -> "1.23457E+11").
func scientificOf(id string, d int) (string, bool) {
	if id == "" || len(id) > 30 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return "", false
		}
	}
	f, err := strconv.ParseFloat(id, 64)
	if err != nil || f == 0 {
		return "", false
	}
	return strconv.FormatFloat(f, 'E', d, 64), true
}

// rekeys pairs each removed user with an added user of the same email (compared without
// case), else of the same given name, family name and identifier. An added user pairs once;
// users paired as excel damage are not paired again.
func (s *diffSets) rekeys(damaged map[int]bool) []Note {
	byEmail := map[string]int{}
	byName := map[string]int{}
	slots := s.slots[kUser]
	for i := range slots {
		sl := &slots[i]
		if sl.kind != Added || !sl.side[1].seen || damaged[i] {
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
		if sl.kind != Removed || !sl.side[0].seen || damaged[i] {
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
