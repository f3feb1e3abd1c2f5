package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rostersync/rostersync/pkg/atomicfile"
)

// MaxHeld is how many held runs are kept per destination: a new hold beyond it discards the
// oldest.
const MaxHeld = 5

// ErrNoHold is returned for a RUN that names no held run.
var ErrNoHold = errors.New("no held run")

// ErrAmbiguousHold is returned for a RUN prefix that names more than one held run.
var ErrAmbiguousHold = errors.New("held runs")

// Hold is a run the shrink guard refused, kept with the exact bytes that were checked, until it
// is approved (published as it is) or discarded. Its folder holds hold.json, the files under
// data/ and the snapshots of its sets; everything 0600 in 0700 folders.
type Hold struct {
	ID          string    `json:"id"`          // the refused run's ID
	Destination string    `json:"destination"` // the destination's identity (state key)
	Target      string    `json:"target"`      // the destination as given (--to, no secret)
	Created     time.Time `json:"created"`
	Reason      string    `json:"reason"`
	Summary     []string  `json:"summary,omitempty"` // the comparison that tripped the guard
	Profile     string    `json:"profile,omitempty"`
	// Conn holds the connection settings the run used (names of files and variables, never a
	// secret), so approve needs no other flag.
	Conn json.RawMessage `json:"conn,omitempty"`
	// Files are the files to publish, in order; Local is the path under the hold's folder.
	Files []HeldFile `json:"files"`
	// Run is the run record to write when the hold is approved.
	Run *Run `json:"run"`

	dir string
}

// HeldFile is one file of a hold.
type HeldFile struct {
	RunFile
	Local string `json:"local"`
}

// Dir is the hold's folder.
func (h *Hold) Dir() string { return h.dir }

// Path is the local path of a held file.
func (h *Hold) Path(f HeldFile) string { return filepath.Join(h.dir, filepath.FromSlash(f.Local)) }

func (s *Store) holdsDir(dest string) string { return filepath.Join(s.destDir(dest), "held") }

// TempDir makes a private folder (0700) inside the state folder for a run's copies of its
// inputs: on the same file system as the holds, so a refused run's copy is kept by a rename.
// Folders of runs that ended more than a day ago without removing theirs are removed.
func (s *Store) TempDir() (string, error) {
	root := filepath.Join(s.Dir, "tmp")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("create state folder: %w", err)
	}
	if entries, err := os.ReadDir(root); err == nil {
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	return os.MkdirTemp(root, "run-*")
}

// SaveHold moves the folder data (a run's copy of its inputs, made by TempDir) into a new hold
// with its record, and discards the oldest holds of the destination beyond MaxHeld. h.Files'
// Local paths are relative to data.
func (s *Store) SaveHold(h *Hold, data string, extra map[string]func(io.Writer) error) error {
	root := s.holdsDir(h.Destination)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	dir := filepath.Join(root, h.ID)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	if err := os.Rename(data, filepath.Join(dir, "data")); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("hold: %w", err)
	}
	for i := range h.Files {
		h.Files[i].Local = "data/" + h.Files[i].Local
	}
	for name, write := range extra {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), write); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("hold: %w", err)
		}
	}
	h.dir = dir
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "hold.json"), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("hold: %w", err)
	}
	holds, err := s.holdsIn(root)
	if err != nil {
		return err
	}
	for len(holds) > MaxHeld { // oldest first
		if err := s.RemoveHold(holds[0], "discarded: more than "+fmt.Sprint(MaxHeld)+" held runs"); err != nil {
			return err
		}
		holds = holds[1:]
	}
	return nil
}

// Holds lists every held run, oldest first.
func (s *Store) Holds() ([]*Hold, error) {
	dests, err := readDirIfAny(filepath.Join(s.Dir, "destinations"))
	if err != nil {
		return nil, err
	}
	var out []*Hold
	for _, d := range dests {
		hs, err := s.holdsIn(filepath.Join(s.Dir, "destinations", d.Name(), "held"))
		if err != nil {
			return nil, err
		}
		out = append(out, hs...)
	}
	slices.SortStableFunc(out, func(a, b *Hold) int { return a.Created.Compare(b.Created) })
	return out, nil
}

func (s *Store) holdsIn(root string) ([]*Hold, error) {
	entries, err := readDirIfAny(root)
	if err != nil {
		return nil, err
	}
	var out []*Hold
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(root, e.Name(), "hold.json"))
		if err != nil {
			continue // a hold whose record was never written: not a hold
		}
		h := &Hold{}
		if err := json.Unmarshal(data, h); err != nil {
			return nil, fmt.Errorf("read held run %s: %w", e.Name(), err)
		}
		h.dir = filepath.Join(root, e.Name())
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b *Hold) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// FindHold returns the held run id names: its ID or a unique prefix of it.
func (s *Store) FindHold(id string) (*Hold, error) {
	holds, err := s.Holds()
	if err != nil {
		return nil, err
	}
	var found []*Hold
	for _, h := range holds {
		if h.ID == id {
			return h, nil
		}
		if id != "" && strings.HasPrefix(h.ID, id) {
			found = append(found, h)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w %q in %s", ErrNoHold, id, s.Dir)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%q names %d %w: give more of the ID", id, len(found), ErrAmbiguousHold)
}

// RemoveHold deletes a held run's folder and notes why in its run record.
func (s *Store) RemoveHold(h *Hold, why string) error {
	if err := os.RemoveAll(h.dir); err != nil {
		return err
	}
	runs, err := s.Runs(h.Destination)
	if err != nil {
		return nil //nolint:nilerr // the hold is gone; the note is a courtesy
	}
	for _, r := range runs {
		if r.ID == h.ID && r.Result == "held" {
			r.Result, r.Message = "refused", "held, "+why
			path := filepath.Join(s.destDir(r.Destination), "runs", r.ID, "run.json")
			b, err := json.MarshalIndent(r, "", "  ")
			if err == nil {
				_ = atomicfile.WriteFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
			}
		}
	}
	return nil
}

// AdoptRunFile moves a file of a hold (a snapshot) into a run's folder.
func (s *Store) AdoptRunFile(dest, runID, name, from string) error {
	dir, err := s.RunDir(dest, runID)
	if err != nil {
		return err
	}
	return os.Rename(from, filepath.Join(dir, name))
}

// SetAlias records that the destination name (a URL as written) has the identity id, so
// history finds the runs of a destination by any of its names without connecting.
func (s *Store) SetAlias(name, id string) error {
	if name == id {
		return nil
	}
	dir := filepath.Join(s.Dir, "aliases")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, Key(name))
	if b, err := os.ReadFile(path); err == nil && string(b) == id {
		return nil
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, id); return err })
}

// Alias returns the identity recorded for a destination name, or name itself.
func (s *Store) Alias(name string) string {
	b, err := os.ReadFile(filepath.Join(s.Dir, "aliases", Key(name)))
	if err != nil || len(b) == 0 {
		return name
	}
	return string(b)
}
