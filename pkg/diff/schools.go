package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// noteOrg records an org of one side for the per-school counts, under the name users give it
// (its identifier when orgs are referred to by identifier, else its sourcedId). Each side is
// written only by the goroutine reading that input.
func (s *diffSets) noteOrg(side int, o *roster.Org, byIdentifier bool) {
	if s.orgs[side] == nil {
		s.orgs[side] = map[string]orgInfo{}
	}
	name := o.SourcedID
	if byIdentifier && o.Identifier != "" {
		name = o.Identifier
	}
	if _, ok := s.orgs[side][name]; !ok {
		s.orgs[side][strings.Clone(name)] = orgInfo{name: strings.Clone(o.Name), typ: strings.Clone(o.Type)}
	}
}

// schools counts the differing users per school (Result.Schools), most differing first, then
// by org.
func (s *diffSets) schools() []SchoolCounts {
	by := map[string]*SchoolCounts{}
	org := func(id string) (*SchoolCounts, bool) {
		if c := by[id]; c != nil {
			return c, true
		}
		var info orgInfo
		known := false
		for _, side := range []int{1, 0} { // the new side's name first
			if i, ok := s.orgs[side][id]; ok {
				if !known {
					info = i
				}
				known = true
				if i.typ != "" && i.typ != "school" {
					return nil, false
				}
			}
		}
		c := &SchoolCounts{Org: id, Name: info.name}
		by[id] = c
		return c, true
	}
	for i := range s.slots[kUser] {
		sl := &s.slots[kUser][i]
		var ids []string
		for side := range 2 {
			if v := &sl.side[side]; v.seen && (sl.kind == Changed || (sl.kind == Removed) == (side == 0)) {
				for _, id := range splitList(v.vals[uOrgIDs]) {
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
			}
		}
		for _, id := range ids {
			if id == "" {
				continue
			}
			c, ok := org(id)
			if !ok {
				continue
			}
			switch sl.kind {
			case Added:
				c.Added++
			case Removed:
				c.Removed++
			default:
				c.Changed++
			}
		}
	}
	out := make([]SchoolCounts, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b SchoolCounts) int {
		return cmp.Or(cmp.Compare(b.Added+b.Removed+b.Changed, a.Added+a.Removed+a.Changed), cmp.Compare(a.Org, b.Org))
	})
	return out
}
