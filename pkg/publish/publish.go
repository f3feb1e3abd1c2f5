// Package publish is the pipeline push and sync share: each input is read once into a private
// copy in the state folder, the copy is checked (by the caller's Checker: format, problems,
// snapshot) and hashed, the shrink guard compares it with the last push to the destination,
// and exactly that copy is published atomically; the run is recorded with the SHA-256 of the
// bytes sent. A run the guard refuses is held, with its copy, until it is approved or
// discarded. A Publisher prints nothing: it returns a Report and typed errors (*Error).
package publish

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
)

// Publisher publishes checked inputs to destinations, with its state folder, clock and dialer.
type Publisher struct {
	Store *state.Store
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Dial connects to the server of an sftp:// destination.
	Dial func(ctx context.Context, u *transport.URL) (*transport.Client, error)
}

// Checker reads an input's private copy with its format, and returns the set to publish
// (files inside the copy) or an error that refuses it. Its errors are returned as they are.
type Checker func(ctx context.Context, c *Copy) (*Set, error)

// Set is what one input publishes: its files under their remote names, and the snapshot and
// row counts the guard compares.
type Set struct {
	Source   string // the input as shown
	Format   string
	Files    []transport.File // Path: inside the input's Copy
	FileRows []int            // data rows of each file, 0 when not a data file
	Rows     int
	Snap     *snapshot.Snapshot
	// Filled by the Publisher from the copy:
	Sizes  []int64
	SHA256 []string

	base *baseline // read while the set was checked
}

// Request is one run: inputs to check and publish to Target.
type Request struct {
	// Target is the destination as given: an sftp:// folder URL or a local folder.
	Target  string
	Profile string
	Inputs  []Input
	Check   Checker
	Policy  guard.Policy
	// AllowShrink publishes even when the guard refuses (this run only).
	AllowShrink bool
	// DryRun checks, guards and reports; it sends, records and holds nothing.
	DryRun bool
	// Conn is kept with a held run (connection settings, never a secret), for its approval.
	Conn json.RawMessage
	// Progress, when not nil, is called with the bytes to send before the upload; it returns
	// the callback for the bytes sent so far and one called when the upload ends.
	Progress func(total int64) (func(int64), func())
}

// Report is what a run did.
type Report struct {
	Target   string          `json:"destination"`
	Identity string          `json:"identity,omitempty"`
	Result   string          `json:"result"` // pushed, refused, held, dry-run
	Run      string          `json:"run,omitempty"`
	Held     string          `json:"held,omitempty"` // the held run's ID
	Files    []state.RunFile `json:"files"`
	Sets     []*SetReport    `json:"-"`
	// Guard holds each set's figures, in the order of Sets.
	Guard    []*state.GuardStats `json:"guard"`
	Warnings []string            `json:"warnings,omitempty"`
	// Notes say what an input held that was not read or sent.
	Notes []string `json:"notes,omitempty"`
}

// SetReport is the guard's verdict on one set.
type SetReport struct {
	Source  string
	First   string // the set's first file name
	Rows    int
	Verdict guard.Verdict
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Publish runs req: copies and checks every input (while the connection is made), takes the
// destination's lock, guards, and publishes the copies. A refusal returns the report with an
// *Error of KindRefused; the run is held unless DryRun.
func (p *Publisher) Publish(ctx context.Context, req Request) (*Report, error) {
	if req.Target == "" {
		return nil, fail(KindUsage, errors.New("no destination"))
	}
	if err := fileTarget(&req); err != nil {
		return nil, err
	}
	rep := &Report{Target: transport.RedactURL(req.Target)}
	// The copies go into the state folder: it must be private before anything is copied there.
	if err := p.Store.Check(); err != nil {
		return nil, fail(KindLocal, err)
	}
	tmp, err := p.Store.TempDir()
	if err != nil {
		return nil, fail(KindLocal, err)
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(tmp)
		}
	}()
	dctx, cancel := context.WithCancel(ctx)
	pending, err := p.connect(dctx, req.Target)
	if err != nil {
		cancel()
		return nil, err
	}
	defer func() {
		cancel() // a refused input need not wait for the handshake
		pending.close()
	}()

	// 1. Each input read once into its copy, then checked from the copy.
	var sets []*Set
	var bases []*baseline
	defer func() {
		for _, b := range bases {
			b.wait() // no read of the state folder outlives the run
		}
	}()
	for i, in := range req.Inputs {
		dir := filepath.Join(tmp, fmt.Sprint(i+1))
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, fail(KindLocal, err)
		}
		c, err := makeCopy(ctx, dir, in)
		if err != nil {
			return nil, err
		}
		rep.Notes = append(rep.Notes, c.Notes...)
		// While the copy is checked: its SHA-256, and the snapshot the guard will compare it
		// with (read again under the lock only if another push came in between).
		hashed := c.hash(ctx)
		base := preload(p.Store, pending.key, c.guardName())
		if base != nil {
			bases = append(bases, base)
		}
		set, err := req.Check(ctx, c)
		if herr := hashed(); err == nil {
			err = herr
		}
		if err != nil {
			return nil, err
		}
		set.base = base
		for _, f := range set.Files {
			sum, ok := c.sums[f.Path]
			if !ok {
				return nil, failf(KindLocal, "%s: %s is not part of the copy that was read", set.Source, f.Name)
			}
			set.SHA256, set.Sizes = append(set.SHA256, sum.sha256), append(set.Sizes, sum.size)
		}
		sets = append(sets, set)
	}
	seen := map[string]bool{}
	for _, s := range sets {
		for _, f := range s.Files {
			if seen[f.Name] {
				return nil, failf(KindUsage, "two inputs would be sent as %s", f.Name)
			}
			seen[f.Name] = true
		}
	}
	files := runFiles(sets)
	rep.Files = files

	// 2. The destination: its identity, its lock.
	now := p.now()
	run := &state.Run{ID: state.NewRunID(now), Time: now.UTC(), Profile: req.Profile, Files: files}
	dest, err := pending.wait()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !req.DryRun {
			run.Destination, run.Result, run.Message = pending.key, "failed", err.Error()
			p.record(run, nil) //nolint:errcheck // the connection error is what matters
		}
		return nil, err
	}
	id, err := dest.Identity(ctx)
	if err != nil {
		return nil, p.destError(ctx, dest, err)
	}
	rep.Identity, run.Destination = id, id
	if pending.key != id {
		if err := p.Store.SetAlias(pending.key, id); err != nil {
			return nil, fail(KindLocal, err)
		}
	}
	lock, err := p.lock(id)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()

	// 3. The guard.
	refused := false
	var summary []string
	reason := "" // the first refusal's
	for _, set := range sets {
		v, last, err := guardSet(p.Store, id, set, req.Policy, set.base)
		if err != nil {
			return nil, err
		}
		gs := guardStats(v, req.Policy, req.AllowShrink)
		rep.Guard = append(rep.Guard, gs)
		rep.Sets = append(rep.Sets, &SetReport{Source: set.Source, First: set.Files[0].Name, Rows: set.Rows, Verdict: v})
		rep.Notes = append(rep.Notes, v.Notes...)
		if run.Guard == nil {
			run.Guard = gs
		}
		if w := staleWarning(last, set); w != "" {
			rep.Warnings = append(rep.Warnings, w)
		}
		if !v.Allowed && !req.AllowShrink {
			if !refused {
				reason = v.Reason
			}
			refused = true
			summary = append(summary, set.Source+": "+v.Reason)
			for _, l := range v.Summary() {
				summary = append(summary, "  "+l)
			}
		}
	}
	switch {
	case refused && req.DryRun:
		rep.Result = "refused"
		return rep, fail(KindRefused, ErrRefused)
	case refused:
		rep.Result, run.Result, run.Message = "refused", "refused", "shrink guard"
		target := rep.Target
		if !transport.IsURL(target) {
			target = id // approve may run from another folder
		}
		h := &state.Hold{ID: run.ID, Destination: id, Target: target, Created: run.Time, Reason: reason,
			Summary: summary, Profile: req.Profile, Conn: req.Conn}
		if err := p.hold(h, run, sets, tmp); err != nil {
			p.record(run, nil) //nolint:errcheck
			return rep, fail(KindLocal, fmt.Errorf("the run was refused, and could not be held: %w", err))
		}
		keep = true
		rep.Result, rep.Held, run.Result = "held", h.ID, "held"
		if err := p.record(run, nil); err != nil {
			return rep, fail(KindLocal, err)
		}
		return rep, fail(KindRefused, ErrRefused)
	case req.DryRun:
		rep.Result = "dry-run"
		return rep, nil
	}

	// 4. Publish exactly the copies.
	var send []transport.File
	var total int64
	for _, s := range sets {
		for j, f := range s.Files {
			f.SHA256 = s.SHA256[j] // what was checked is what is sent, or nothing is
			send = append(send, f)
			total += s.Sizes[j]
		}
	}
	// The snapshots are written while the files are sent; they count only once the run
	// record names them.
	snaps := make(chan error, 1)
	go func() { snaps <- p.writeSnapshots(run, sets) }()
	err = p.send(ctx, dest, send, total, req.Progress, run)
	serr := <-snaps
	if err != nil {
		run.Result, run.Message = "failed", err.Error()
		p.record(run, nil) //nolint:errcheck
		return nil, err
	}
	run.Result, rep.Result, rep.Run = "pushed", "pushed", run.ID
	if serr == nil {
		serr = p.Store.SaveRun(run)
	}
	if serr != nil {
		return rep, fail(KindLocal, fmt.Errorf("the files were sent, but the run was not recorded: %w", serr))
	}
	return rep, nil
}

// send publishes files (each with the SHA-256 of its checked copy, which the upload checks
// again as it reads) and notes in run how the server's copy was verified.
func (p *Publisher) send(ctx context.Context, dest destination, files []transport.File, total int64, progress func(int64) (func(int64), func()), run *state.Run) error {
	var cb func(int64)
	done := func() {}
	if progress != nil {
		cb, done = progress(total)
	}
	sent, err := dest.Publish(ctx, files, cb)
	done()
	if err != nil {
		return p.destError(ctx, dest, err)
	}
	for _, s := range sent {
		for j := range run.Files {
			if run.Files[j].Name == s.Name {
				if s.SHA256 != "" && s.SHA256 != run.Files[j].SHA256 {
					return fail(KindLocal, fmt.Errorf("%s: the bytes sent have SHA-256 %s, not the %s checked", s.Name, s.SHA256, run.Files[j].SHA256))
				}
				run.Files[j].Verified = s.Verified
			}
		}
	}
	return nil
}

func (p *Publisher) destError(ctx context.Context, dest destination, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if dest.remote() {
		return fail(KindRemote, err)
	}
	return fail(KindLocal, err)
}

func (p *Publisher) lock(id string) (*state.Lock, error) {
	lock, err := p.Store.Lock(id)
	if err != nil {
		if errors.Is(err, state.ErrLocked) {
			return nil, fail(KindLocked, err, "another push or sync to this destination is running; try again when it ends")
		}
		return nil, fail(KindLocal, err)
	}
	return lock, nil
}

// pending is a destination being connected to while the inputs are read.
type pending struct {
	key    string // the destination's name before connecting (its identity when local)
	done   chan struct{}
	dest   destination
	err    error
	closed bool
}

// connect starts connecting to target: an SFTP handshake overlaps the copy and the checks.
func (p *Publisher) connect(ctx context.Context, target string) (*pending, error) {
	pd := &pending{done: make(chan struct{})}
	if !transport.IsURL(target) {
		if scheme := otherScheme(target); scheme != "" {
			return nil, fail(KindUsage, fmt.Errorf("%s:// is not a destination rostersync sends to", scheme),
				"give an sftp://user@host[:port]/folder/ URL, or a local folder as a plain path")
		}
		id, err := LocalIdentity(target)
		if err != nil {
			return nil, fail(KindLocal, err)
		}
		pd.key, pd.dest = id, localDest{dir: target}
		close(pd.done)
		return pd, nil
	}
	u, err := transport.ParseURL(target)
	if err != nil {
		return nil, fail(KindUsage, err)
	}
	pd.key = p.Store.Alias(URLKey(u))
	go func() {
		defer close(pd.done)
		cl, err := p.Dial(ctx, u)
		if err != nil {
			if ctx.Err() == nil {
				err = fail(KindRemote, err)
			}
			pd.err = err
			return
		}
		pd.dest = sftpDest{c: cl, u: u}
	}()
	return pd, nil
}

func (pd *pending) wait() (destination, error) {
	<-pd.done
	return pd.dest, pd.err
}

// close waits for the connection attempt (the caller cancelled it) and closes what it made.
func (pd *pending) close() {
	<-pd.done
	if pd.dest != nil && !pd.closed {
		pd.closed = true
		pd.dest.Close()
	}
}

// guardSet compares a set with the last snapshot pushed to dest under its first file's name
// (under its manifest for a OneRoster package: a delta's files are not the bulk package's),
// and leaves in set.Snap the snapshot to record if it is published. pre, when not nil, is that
// snapshot as read while the set was checked: it is used when it is still the last push's.
func guardSet(store *state.Store, dest string, set *Set, policy guard.Policy, pre *baseline) (guard.Verdict, *state.Run, error) {
	name := guardName(set.Files)
	var b *baseline
	if pre != nil {
		b = pre.wait()
	}
	if b == nil || b.err != nil || b.dest != dest || b.name != name {
		b = loadBaseline(store, dest, name)
	} else if run, _, err := store.LastPushed(dest, name); err != nil || !sameRun(run, b.run) {
		b = loadBaseline(store, dest, name) // another run pushed since: compare with its snapshot
	}
	if b.err != nil {
		return guard.Verdict{}, nil, b.err
	}
	v, err := guard.Run(b.snap, set.Snap, b.key, set.Rows, policy)
	if err != nil {
		return guard.Verdict{}, nil, fail(KindLocal, err)
	}
	if v.State != nil {
		set.Snap = v.State
	}
	return v, b.run, nil
}

// guardName is the name a set's pushes are found under: its manifest for a OneRoster package
// (a delta's files are not the bulk package's), else its first file's.
func guardName(files []transport.File) string {
	if slices.ContainsFunc(files, func(f transport.File) bool { return f.Name == "manifest.csv" }) {
		return "manifest.csv"
	}
	return files[0].Name
}

// baseline is what the guard compares a set with: the snapshot of the last push of name to
// dest (nil before the first), and the state folder's key.
type baseline struct {
	dest, name string
	run        *state.Run
	snap       *snapshot.Snapshot
	key        *snapshot.Key
	err        error // an *Error
	done       chan struct{}
}

// wait returns b once it is loaded.
func (b *baseline) wait() *baseline {
	<-b.done
	return b
}

// preload starts reading, on its own goroutine, the baseline of a set about to be checked,
// guessing its destination (the identity it had last time) and its name (from the copy): a
// wrong guess costs the read under the lock that would have been made anyway. nil when there
// is no guess.
func preload(store *state.Store, dest, name string) *baseline {
	if name == "" {
		return nil
	}
	b := &baseline{dest: dest, name: name, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.load(store)
	}()
	return b
}

// loadBaseline reads the baseline of name at dest.
func loadBaseline(store *state.Store, dest, name string) *baseline {
	b := &baseline{dest: dest, name: name}
	b.load(store)
	return b
}

func (b *baseline) load(store *state.Store) {
	run, rf, err := store.LastPushed(b.dest, b.name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		b.err = fail(KindLocal, err)
		return
	}
	b.run = run
	if rf != nil && rf.Snapshot != "" {
		r, err := store.OpenRunFile(b.dest, run.ID, rf.Snapshot)
		if err != nil {
			b.err = failf(KindLocal, "read the last snapshot: %w", err)
			return
		}
		b.snap, err = snapshot.Read(r)
		r.Close()
		if err != nil {
			b.err = failf(KindLocal, "read the last snapshot: %w", err)
			return
		}
	}
	b.key, err = snapshot.LoadKey(store.Dir)
	if errors.Is(err, snapshot.ErrInsecureKey) {
		b.err = fail(KindUsage, err) // with the chmod that fixes it
	} else if err != nil {
		b.err = fail(KindLocal, err)
	}
}

// sameRun reports whether a and b are the same run, or both none.
func sameRun(a, b *state.Run) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID
}

func guardStats(v guard.Verdict, p guard.Policy, overridden bool) *state.GuardStats {
	g := &state.GuardStats{Compared: v.Compared, Rows: v.Rows, MinRows: p.MinRows, MaxRemoved: p.For(roster.UserKind).MaxRemovedPercent,
		Allowed: v.Allowed || overridden, Overridden: overridden && !v.Allowed, Reason: v.Reason}
	if !v.Allowed && v.Code != roster.CodeGuard {
		g.Code = v.Code
	}
	if g.MinRows <= 0 {
		g.MinRows = guard.DefaultMinRows
	}
	if v.Counts != nil {
		g.RemovedPercent = map[string]float64{}
		for k, c := range v.Counts {
			g.RemovedPercent[string(k)] = c.RemovedPercent
		}
	}
	return g
}

// staleWarning: a stuck export sends the same bytes again. A package whose orgs or courses did
// not change overnight is normal: only a set identical in every file is warned about.
func staleWarning(last *state.Run, set *Set) string {
	if last == nil || len(set.Files) == 0 {
		return ""
	}
	for i, f := range set.Files {
		if !slices.ContainsFunc(last.Files, func(lf state.RunFile) bool { return lf.Name == f.Name && lf.SHA256 == set.SHA256[i] }) {
			return ""
		}
	}
	what := set.Files[0].Name + " is identical to the file"
	if len(set.Files) > 1 {
		what = fmt.Sprintf("all %d files of %s are identical to the files", len(set.Files), set.Source)
	}
	return fmt.Sprintf("%s pushed on %s (stale source?)", what, last.Time.Local().Format("2006-01-02 15:04"))
}

// snapshotName is the file name of set i's snapshot in a run's folder.
func snapshotName(i int) string { return fmt.Sprintf("snapshot-%d.bin.gz", i+1) }

// runFiles lists the sets' files for the run record, each naming its set's snapshot.
func runFiles(sets []*Set) []state.RunFile {
	var out []state.RunFile
	for i, s := range sets {
		for j, f := range s.Files {
			out = append(out, state.RunFile{Name: f.Name, Rows: s.FileRows[j], Bytes: s.Sizes[j], SHA256: s.SHA256[j], Snapshot: snapshotName(i)})
		}
	}
	return out
}

// writeSnapshots writes the snapshot of each set into the run's folder.
func (p *Publisher) writeSnapshots(run *state.Run, sets []*Set) error {
	for i, set := range sets {
		if err := p.Store.WriteRunFile(run.Destination, run.ID, snapshotName(i), set.Snap.Write); err != nil {
			return err
		}
	}
	return nil
}

// record writes the run and, with sets (a pushed run), the snapshot of each set. Other runs
// name no snapshot (and keep none).
func (p *Publisher) record(run *state.Run, sets []*Set) error {
	if err := p.writeSnapshots(run, sets); err != nil {
		return err
	}
	if sets == nil {
		if dir, err := p.Store.RunDir(run.Destination, run.ID); err == nil {
			for i := range run.Files {
				if n := run.Files[i].Snapshot; n != "" {
					os.Remove(filepath.Join(dir, n))
				}
			}
		}
		files := slices.Clone(run.Files)
		for j := range files {
			files[j].Snapshot = ""
		}
		r := *run
		r.Files = files
		run = &r
	}
	return p.Store.SaveRun(run)
}

// hold keeps a refused run's copy (tmp) with its snapshots, for approve.
func (p *Publisher) hold(h *state.Hold, run *state.Run, sets []*Set, tmp string) error {
	extra := map[string]func(io.Writer) error{}
	for i, set := range sets {
		snap := set.Snap
		extra[snapshotName(i)] = func(w io.Writer) error {
			zw := gzip.NewWriter(w)
			if err := snap.Write(zw); err != nil {
				return err
			}
			return zw.Close()
		}
	}
	approved := *run
	approved.Files = slices.Clone(run.Files)
	h.Run = &approved
	k := 0
	for _, set := range sets {
		for _, f := range set.Files {
			rel, err := filepath.Rel(tmp, f.Path)
			if err != nil {
				return err
			}
			h.Files = append(h.Files, state.HeldFile{RunFile: run.Files[k], Local: filepath.ToSlash(rel)})
			k++
		}
	}
	return p.Store.SaveHold(h, tmp, extra)
}

// Approve publishes a held run: exactly the bytes that were held (their SHA-256 checked first),
// under the destination's lock, whatever its source holds now; the guard is not asked again.
// The run is recorded as pushed, with the held snapshots as the guard's next baseline, and the
// hold is removed.
func (p *Publisher) Approve(ctx context.Context, h *state.Hold, progress func(int64) (func(int64), func())) (*Report, error) {
	rep := &Report{Target: h.Target}
	pending, err := p.connect(ctx, h.Target)
	if err != nil {
		return nil, err
	}
	defer pending.close()
	dest, err := pending.wait()
	if err != nil {
		return nil, err
	}
	id, err := dest.Identity(ctx)
	if err != nil {
		return nil, p.destError(ctx, dest, err)
	}
	if id != h.Destination {
		return nil, failf(KindUsage, "held run %s was refused for %s, but %s is now %s: discard it and push again", h.ID, h.Destination, h.Target, id)
	}
	rep.Identity = id
	lock, err := p.lock(id)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	// A later push made the held copy old news: approving it would send yesterday's roster.
	runs, err := p.Store.Runs(id)
	if err != nil {
		return nil, fail(KindLocal, err)
	}
	for _, r := range runs {
		if r.Result == "pushed" && r.Time.After(h.Created) && slices.ContainsFunc(r.Files, func(f state.RunFile) bool {
			return slices.ContainsFunc(h.Files, func(hf state.HeldFile) bool { return hf.Name == f.Name })
		}) {
			return nil, failf(KindUsage, "run %s pushed to %s after run %s was held: approving it would replace newer files; discard it", r.ID, h.Target, h.ID)
		}
	}
	var files []transport.File
	var total int64
	for _, f := range h.Files {
		path := h.Path(f)
		sum, size, err := hashFile(ctx, path)
		if err != nil {
			return nil, failf(KindLocal, "held run %s: %w", h.ID, err)
		}
		if sum != f.SHA256 || size != f.Bytes {
			return nil, failf(KindLocal, "held run %s: %s is no longer the file that was held (SHA-256 %s, held %s): discard it", h.ID, f.Name, sum[:12], f.SHA256[:min(12, len(f.SHA256))])
		}
		files = append(files, transport.File{Name: f.Name, Path: path, SHA256: f.SHA256})
		total += size
	}
	now := p.now()
	run := *h.Run
	run.ID, run.Time, run.Result = state.NewRunID(now), now.UTC(), "pushed"
	run.Message = "approved held run " + h.ID
	if run.Guard != nil {
		g := *run.Guard
		g.Allowed, g.Overridden = true, true
		run.Guard = &g
	}
	rep.Files, rep.Guard = run.Files, []*state.GuardStats{run.Guard}
	if err := p.send(ctx, dest, files, total, progress, &run); err != nil {
		run.Result, run.Message = "failed", "approving held run "+h.ID+": "+err.Error()
		p.record(&run, nil) //nolint:errcheck
		return nil, err
	}
	adopted := map[string]bool{}
	for _, f := range run.Files {
		if f.Snapshot == "" || adopted[f.Snapshot] {
			continue
		}
		adopted[f.Snapshot] = true
		if err := p.Store.AdoptRunFile(id, run.ID, f.Snapshot, filepath.Join(h.Dir(), f.Snapshot)); err != nil {
			return rep, fail(KindLocal, fmt.Errorf("the files were sent, but the run was not recorded: %w", err))
		}
	}
	if err := p.Store.SaveRun(&run); err != nil {
		return rep, fail(KindLocal, fmt.Errorf("the files were sent, but the run was not recorded: %w", err))
	}
	rep.Result, rep.Run = "pushed", run.ID
	if err := p.Store.RemoveHold(h, "approved as run "+run.ID); err != nil {
		return rep, fail(KindLocal, err)
	}
	return rep, nil
}

// Discard removes a held run.
func (p *Publisher) Discard(h *state.Hold) error {
	if err := p.Store.RemoveHold(h, "discarded"); err != nil {
		return fail(KindLocal, err)
	}
	return nil
}

// redact is a destination as shown: an sftp:// URL without any secret.

// otherScheme returns the scheme of a URL of another kind than sftp:// (ftp://, file://), so a
// mistyped destination is not taken for a local folder named "ftp:"; "" for a path.
func otherScheme(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 {
		return ""
	}
	for j, r := range s[:i] {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (j == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return ""
		}
	}
	return s[:i]
}

// fileTarget turns a destination URL that names a remote file (no trailing /: SPEC §5, "the
// path is the remote file name") into its folder and the name its one input is sent as, so
// the lock, the guard's history and the publish are the folder's, under that file name. A
// folder URL, a local folder and a URL that does not parse (connect says why) are left as
// they are.
func fileTarget(req *Request) error {
	if !transport.IsURL(req.Target) {
		return nil
	}
	u, err := transport.ParseURL(req.Target)
	if err != nil || u.IsDir() {
		return nil
	}
	name, folder := u.Name(), u.Folder().String()
	if len(req.Inputs) != 1 {
		return fail(KindUsage, fmt.Errorf("%s names one remote file, %s, and %d inputs were given", transport.RedactURL(req.Target), name, len(req.Inputs)),
			"end the URL in / ("+transport.RedactURL(folder)+") to send each input under its own name")
	}
	in := req.Inputs[0]
	if in.As != "" && in.As != name {
		return fail(KindUsage, fmt.Errorf("%s names the remote file %s, and the input is to be sent as %s", transport.RedactURL(req.Target), name, in.As),
			"give the name once: in the URL, or as the file name with the URL ending in /")
	}
	if st, err := os.Stat(in.Path); err == nil && st.IsDir() {
		return fail(KindUsage, fmt.Errorf("%s names one remote file, %s, and %s is a folder of files", transport.RedactURL(req.Target), name, in.Path),
			"end the URL in / ("+transport.RedactURL(folder)+") to send its files under their own names")
	}
	in.As = name
	req.Inputs = []Input{in}
	req.Target = folder
	return nil
}
