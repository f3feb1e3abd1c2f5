package diff

import (
	"context"
	"slices"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Carried reads src once and returns, of the fields listed per kind (OneRoster column names,
// most important first), those the input holds data of its own in: a value in at least one
// entity, and not, in every entity, the same value as a field listed before it (sourcedId
// aside). A cross-format diff uses it on a single-file format with optional columns: a Capti
// file without a username column reads as blank usernames, or as usernames copied from the
// email login, and neither is a username to compare. Kinds not listed are not returned.
func Carried(ctx context.Context, src Source, fields map[roster.Kind][]string) (map[roster.Kind][]string, error) {
	p := &carried{ctx: ctx}
	p.fn = p.add
	for k := range numKinds {
		list, ok := fields[kinds[k]]
		if !ok {
			continue
		}
		c := &kindCarry{fields: list}
		for _, f := range list {
			pos := slices.Index(fieldNames[k], f)
			c.pos = append(c.pos, pos)
			c.set = append(c.set, pos < 0) // metadata and unknown names are kept
			c.copyOf = append(c.copyOf, make([]bool, len(c.pos)-1))
		}
		for i := range c.copyOf {
			for j := range c.copyOf[i] {
				c.copyOf[i][j] = c.pos[i] >= 0 && c.pos[j] >= 0 && c.pos[i] != fSourcedID && c.pos[j] != fSourcedID
			}
		}
		p.kinds[k] = c
	}
	if err := src(ctx, p); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[roster.Kind][]string{}
	for k, c := range p.kinds {
		if c == nil {
			continue
		}
		kept := []string{}
		for i, f := range c.fields {
			if c.set[i] && (!c.seen || !slices.Contains(c.copyOf[i], true)) {
				kept = append(kept, f)
			}
		}
		out[kinds[k]] = kept
	}
	return out, nil
}

// kindCarry tracks, for one kind, which listed fields hold a value and which copy another.
type kindCarry struct {
	fields []string
	pos    []int    // position in fieldNames, -1 for metadata or unknown
	set    []bool   // a value seen
	copyOf [][]bool // copyOf[i][j]: field i equals field j (j < i) in every entity so far
	seen   bool
}

type carried struct {
	entitySink
	ctx   context.Context
	fl    flattener
	n     int
	kinds [numKinds]*kindCarry
}

func (p *carried) add(k kindIdx, e any) error {
	if p.n++; p.n&4095 == 0 {
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
	c := p.kinds[k]
	if c == nil {
		return nil
	}
	c.seen = true
	vals, _ := p.fl.values(k, e)
	for i, pi := range c.pos {
		if pi < 0 {
			continue
		}
		if vals[pi] != "" {
			c.set[i] = true
		}
		for j, same := range c.copyOf[i] {
			if same && vals[pi] != vals[c.pos[j]] {
				c.copyOf[i][j] = false
			}
		}
	}
	return nil
}
