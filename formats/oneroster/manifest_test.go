package oneroster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// manifest.csv's columns are matched by name: a header problem is reported at its position,
// and the rows are still read by column name, each problem at the row's own line.
func TestManifestColumnsByName(t *testing.T) {
	swap := func(s string) string {
		var out []string
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			k, v, _ := strings.Cut(l, ",")
			out = append(out, v+","+k)
		}
		return strings.Join(out, "\n") + "\n"
	}
	tests := []struct {
		name string
		edit func(string) string
		want []string
	}{
		{"columns swapped", swap, []string{"manifest.csv:1 error header [value]"}},
		{"columns swapped, a mode misspelled", func(s string) string {
			return swap(strings.Replace(s, "file.orgs,bulk", "file.orgs,blk", 1))
		}, []string{"manifest.csv:1 error header [value]", "manifest.csv:13 error manifest [value]"}},
		{"header in another case", func(s string) string { return strings.Replace(s, "propertyName,value", "PropertyName,Value", 1) },
			[]string{"manifest.csv:1 error header [PropertyName]", "manifest.csv:1 error header [Value]"}},
		{"a ragged row", func(s string) string { return strings.Replace(s, "file.orgs,bulk", "file.orgs,bulk,", 1) },
			[]string{"manifest.csv:13 error ragged-row []"}},
		{"a short row", func(s string) string { return strings.Replace(s, "file.orgs,bulk", "file.orgs", 1) },
			[]string{"manifest.csv:0 error manifest []", "manifest.csv:13 error ragged-row []"}},
		{"a repeated property", func(s string) string { return s + "file.orgs,bulk\n" },
			[]string{"manifest.csv:18 error manifest [propertyName]"}},
		{"too many rows", func(s string) string {
			var b strings.Builder
			for i := range maxManifestRows {
				fmt.Fprintf(&b, "source.note%d,x\n", i)
			}
			return s + b.String()
		},
			[]string{"manifest.csv:10001 error manifest []"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := examplePackage(t, map[string]func(string) string{"manifest.csv": tc.edit})
			info, probs := read(t, fsys, format.Options{}, roster.Discard{})
			wantKeys(t, probs, tc.want...)
			if info.Version != "1.1" {
				t.Errorf("version %q, want 1.1", info.Version)
			}
		})
	}
}
