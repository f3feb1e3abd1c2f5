package csvio

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/roster"
)

// ReadSingle: an empty file and a header without rows each get the format's message, once; a
// file that is not text is reported as such and not again as empty; rows reach Row in order.
func TestReadSingle(t *testing.T) {
	tests := []struct {
		name, data string
		rows       int
		codes      []string
		got        []string
	}{
		{"empty", "", 0, []string{roster.CodeEmptyFile + ":empty!"}, nil},
		{"header only", "id,name\n", 0, []string{roster.CodeEmptyFile + ":no rows!"}, nil},
		{"utf-16", "\xff\xfei\x00d\x00\n\x00", 0, []string{roster.CodeEncoding}, nil},
		{"rows", "id,name\n1,a\n2,b\n", 2, nil, []string{"2:1", "3:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"x.csv": {Data: []byte(tt.data)}}
			var probs roster.Problems
			var got []string
			n, err := ReadSingle(context.Background(), fsys, SingleFile{Name: "x.csv", Empty: "empty!", NoRows: "no rows!",
				Begin: func(header []string, _ int, _ roster.Reporter) (Rows, bool, error) {
					if strings.Join(header, ",") != "id,name" {
						t.Errorf("header %q", header)
					}
					return Rows{
						Pre: func(rec []string, line int) ([]string, bool) { return rec, true },
						Row: func(rec []string, line int) error {
							got = append(got, fmt.Sprintf("%d:%s", line, rec[0]))
							return nil
						},
						Copy: true,
					}, true, nil
				}}, &probs)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, p := range probs.List() {
				c := p.Code
				if p.Code == roster.CodeEmptyFile {
					c += ":" + p.Message
				}
				codes = append(codes, c)
			}
			if n != tt.rows || strings.Join(codes, " ") != strings.Join(tt.codes, " ") || strings.Join(got, " ") != strings.Join(tt.got, " ") {
				t.Errorf("rows %d, problems %v, rows read %v; want %d, %v, %v", n, codes, got, tt.rows, tt.codes, tt.got)
			}
		})
	}
}
