package publish

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rostersync/rostersync/pkg/transport"
)

// Pull says what a job fetches from an sftp:// source.
type Pull struct {
	// Files are globs (a job's files:); empty: the source format's files (Names) when the
	// folder holds any, else Fallback.
	Files []string
	// Names are the file names of the source format (format.Packaging's Files), pulled by
	// default.
	Names []string
	// Fallback is the glob pulled from a folder holding none of Names ("" is "*.zip").
	Fallback string
	// Newest keeps only the newest match of the globs.
	Newest bool
	// MaxAge refuses a match older than this (0: no limit).
	MaxAge time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Pulled, when not nil, is told of each file fetched.
	Pulled func(name string, size int64)
}

// Fetch pulls a job's source files from the server of u (a file URL: that file; a folder URL:
// what pl picks) into dir (created 0700) and returns the local input: the file when one is
// fetched, the folder otherwise. A match older than MaxAge is a KindStale error.
func (pl Pull) Fetch(ctx context.Context, cl *transport.Client, u *transport.URL, dir string) (string, error) {
	remoteDir, only := u.Dir(), ""
	if !u.IsDir() {
		only = u.Name()
	}
	entries, err := cl.List(ctx, remoteDir)
	if err != nil {
		return "", fail(KindRemote, err)
	}
	patterns := pl.Files
	var picked []transport.Entry
	switch {
	case only != "":
		patterns = []string{only}
	case len(patterns) == 0:
		// The format's files when the folder holds them (a package as CSV files), else zips.
		for _, e := range entries {
			if slices.ContainsFunc(pl.Names, func(n string) bool { return strings.EqualFold(n, e.Name) }) {
				picked = append(picked, e)
			}
		}
		patterns = []string{"*.zip"}
		if len(picked) > 0 {
			patterns = nil
		} else if pl.Fallback != "" {
			patterns = []string{pl.Fallback} // Capti exports have no fixed name: *.csv
		}
	}
	for _, pat := range patterns {
		m, err := transport.Glob(entries, pat)
		if err != nil {
			return "", failf(KindUsage, "files: %w", err)
		}
		for _, e := range m {
			if !slices.ContainsFunc(picked, func(x transport.Entry) bool { return x.Name == e.Name }) {
				picked = append(picked, e)
			}
		}
	}
	if pl.Newest && len(picked) > 1 && len(patterns) > 0 {
		n, _ := transport.Newest(picked)
		picked = []transport.Entry{n}
	}
	if len(picked) == 0 {
		what := strings.Join(patterns, ", ")
		if len(pl.Files) == 0 && only == "" {
			what = strings.Join(append(slices.Clone(pl.Names), patterns...), ", ")
		}
		return "", failf(KindRemote, "no file matching %s in %s", what, u.String())
	}
	if pl.MaxAge > 0 {
		now := time.Now()
		if pl.Now != nil {
			now = pl.Now()
		}
		for _, e := range picked {
			if age := now.Sub(e.ModTime); age > pl.MaxAge {
				return "", failf(KindStale, "%s on the server is %s old, more than max_age %s: is the export stuck?", e.Name, age.Round(time.Minute), pl.MaxAge)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fail(KindLocal, err)
	}
	for _, e := range picked {
		if err := cl.Fetch(ctx, remoteDir, e.Name, filepath.Join(dir, e.Name)); err != nil {
			return "", fail(KindRemote, err)
		}
		if pl.Pulled != nil {
			pl.Pulled(e.Name, e.Size)
		}
	}
	if len(picked) == 1 {
		return filepath.Join(dir, picked[0].Name), nil
	}
	return dir, nil
}

// Collect fetches the files of the remote folder from (relative to u's folder unless absolute)
// that the local folder into does not hold yet at the same size: a vendor's result files
// (Capti's log/). It returns the names fetched.
func Collect(ctx context.Context, cl *transport.Client, u *transport.URL, from, into string) ([]string, error) {
	remote := strings.TrimSuffix(u.Dir(), "/") + "/" + strings.Trim(from, "/")
	if strings.HasPrefix(from, "/") {
		remote = from
	}
	entries, err := cl.List(ctx, remote)
	if err != nil {
		return nil, fail(KindRemote, err)
	}
	if err := os.MkdirAll(into, 0o700); err != nil {
		return nil, fail(KindLocal, err)
	}
	var got []string
	for _, e := range entries {
		local := filepath.Join(into, e.Name)
		if st, err := os.Stat(local); err == nil && st.Size() == e.Size {
			continue
		}
		if err := cl.Fetch(ctx, remote, e.Name, local); err != nil {
			return got, fail(KindRemote, err)
		}
		got = append(got, e.Name)
	}
	return got, nil
}
