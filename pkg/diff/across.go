package diff

import (
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// What a diff across formats leaves out of the comparison beyond fields: orgs of a type one
// format does not hold (Options.OrgTypes), with each side's references to them, and user fields
// a format does not hold for a role (Options.RoleOmits).

// oType is the position of an org's type.
const oType = 4

// holdsOrgType reports whether an org of type typ is compared: every org without
// Options.OrgTypes, else one of the types listed, or one without a type.
func (c *config) holdsOrgType(typ string) bool {
	return c.opts.OrgTypes == nil || typ == "" || slices.Contains(c.opts.OrgTypes, typ)
}

// roleOmits returns, per role, the positions of the user fields of omits that are compared
// (inc), the user key aside; nil when there are none.
func roleOmits(omits map[string][]string, inc []bool, key int) map[string][]int {
	var out map[string][]int
	for role, names := range omits {
		var pos []int
		for i, n := range fieldNames[kUser] {
			if inc[i] && i != key && slices.Contains(names, n) {
				pos = append(pos, i)
			}
		}
		if pos != nil {
			if out == nil {
				out = map[string][]int{}
			}
			out[role] = pos
		}
	}
	return out
}

// roleOmitNames is the Result's RoleOmits: the positions of config.roleOmit as field names.
func (c *config) roleOmitNames() map[string][]string {
	if c.roleOmit == nil || !c.want[kUser] {
		return nil
	}
	out := map[string][]string{}
	for role, pos := range c.roleOmit {
		for _, i := range pos {
			out[role] = append(out[role], fieldNames[kUser][i])
		}
	}
	return out
}

// acrossFlattener is what a flattener needs of the config to leave out what Options.OrgTypes
// and Options.RoleOmits do.
type acrossFlattener struct {
	orgTypes []string
	omit     map[string][]int
	// dropped holds the sourcedIds of this side's orgs of a type not compared: references to
	// them are left out. Orgs come before the users that refer to them in every reader.
	dropped map[string]bool
}

func (a *acrossFlattener) setup(cfg *config) {
	a.orgTypes, a.omit = cfg.opts.OrgTypes, cfg.roleOmit
}

// noteOrgType records an org whose type is not compared.
func (a *acrossFlattener) noteOrgType(o *roster.Org) {
	if a.orgTypes == nil || o.Type == "" || slices.Contains(a.orgTypes, o.Type) {
		return
	}
	if a.dropped == nil {
		a.dropped = map[string]bool{}
	}
	a.dropped[strings.Clone(o.SourcedID)] = true
}

// omitRole blanks, in a user's values, the fields not compared for the user's role.
func (a *acrossFlattener) omitRole(vals []string) {
	for _, i := range a.omit[vals[uRole]] {
		vals[i] = ""
	}
}
