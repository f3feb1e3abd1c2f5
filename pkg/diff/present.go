package diff

import (
	"context"
	"slices"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Present reads src once and returns, per kind read, the fields (OneRoster column names, and
// "metadata.<key>") that hold a value in at least one entity. A cross-format diff uses it to
// leave out a field that a format can carry but this file does not (a Capti file without a
// username column reads as blank usernames, which are no change).
func Present(ctx context.Context, src Source) (map[roster.Kind][]string, error) {
	p := &presence{ctx: ctx}
	p.fn = p.add
	if err := src(ctx, p); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[roster.Kind][]string{}
	for k := range numKinds {
		if !p.kind[k] {
			continue
		}
		fields := []string{}
		for i, n := range fieldNames[k] {
			if p.set[k][i] {
				fields = append(fields, n)
			}
		}
		var meta []string
		for key := range p.meta[k] {
			meta = append(meta, "metadata."+key)
		}
		slices.Sort(meta)
		out[kinds[k]] = append(fields, meta...)
	}
	return out, nil
}

type presence struct {
	entitySink
	ctx  context.Context
	fl   flattener
	n    int
	kind [numKinds]bool
	set  [numKinds][]bool
	meta [numKinds]map[string]bool
}

func (p *presence) add(k kindIdx, e any) error {
	if p.n++; p.n&4095 == 0 {
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
	vals, meta := p.fl.values(k, e)
	if !p.kind[k] {
		p.kind[k] = true
		p.set[k] = make([]bool, len(fieldNames[k]))
	}
	for i, v := range vals {
		if v != "" {
			p.set[k][i] = true
		}
	}
	for _, kv := range meta {
		if kv.Value != "" && !p.meta[k][kv.Key] {
			if p.meta[k] == nil {
				p.meta[k] = map[string]bool{}
			}
			p.meta[k][kv.Key] = true
		}
	}
	return nil
}
