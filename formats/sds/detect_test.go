package sds_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/pkg/format"
)

// The registry tells SDS from OneRoster both ways: both have orgs.csv and users.csv.
func TestRegistryDetect(t *testing.T) {
	reg := formats.Registry()
	for dir, want := range map[string]string{
		filepath.Join("testdata", "ms-v2.1"):                                       "sds",
		filepath.Join("testdata", "ms-v1"):                                         "sds",
		filepath.Join("..", "..", "examples", "sds"):                               "sds",
		filepath.Join("..", "..", "examples", "oneroster"):                         "oneroster",
		filepath.Join("..", "oneroster", "testdata", "lms-toolkit", "v1p1-sample"): "oneroster",
		filepath.Join("..", "oneroster", "testdata", "lms-toolkit", "v1p0-sample"): "oneroster",
		filepath.Join("..", "..", "examples", "capti"):                             "capti",
		filepath.Join("..", "..", "examples", "students"):                          "students",
	} {
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		f, err := reg.Detect(os.DirFS(dir))
		if err != nil || f.Name() != want {
			t.Errorf("%s detected as %v (%v), want %s", dir, f, err, want)
		}
		if want != "sds" {
			if m := sds.New().Detect(os.DirFS(dir)); m != format.NoMatch {
				t.Errorf("sds.Detect(%s) = %v, want NoMatch", dir, m)
			}
		}
	}
}
