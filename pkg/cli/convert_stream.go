package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/errclass"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// errNoStream says a conversion cannot stream (the reader sends entities in an order the
// target's streaming writer cannot follow): it is made again from the whole roster.
var errNoStream = errors.New("the conversion does not stream")

// convertStream converts in into a target that writes as it reads (format.StreamWriter): the
// reader's entities go straight to the writer, which writes them into the private folder the
// output is checked in, so the roster is never held. Everything else is as the whole-roster
// path does it, in the same order: an input with errors is refused (what was written is
// thrown away), then a delta the target cannot hold, a missing org or role; then what the
// writer could not write, and the check of the output, before anything is published. It
// returns errNoStream, having published nothing, when the reader's order does not stream.
func convertStream(ctx context.Context, deps *Deps, opts *ConvertOptions, style string, in *input, from, to format.Format,
	sw format.StreamWriter, fopts format.Options) error {
	dest := opts.Dest
	if dest == "" {
		dest = "-"
	}
	stage := stageDir(dest)
	tmp, err := os.MkdirTemp(stage, ".rostersync-check-")
	if err != nil {
		return errclass.New(errclass.Local, fmt.Errorf("write %s: %w", dest, err))
	}
	defer os.RemoveAll(tmp)
	scratch, err := os.MkdirTemp(stage, ".rostersync-rows-")
	if err != nil {
		return errclass.New(errclass.Local, fmt.Errorf("write %s: %w", dest, err))
	}
	defer os.RemoveAll(scratch)
	st := &adoptingDest{stagedDest: &stagedDest{Output: atomicfile.NewDir(tmp)}, dir: tmp}
	wrep := &roster.Problems{}
	ws, err := sw.WriteStream(ctx, st, scratch, fopts, wrep)
	if err != nil {
		return errclass.New(errclass.Local, fmt.Errorf("write %s: %w", dest, err))
	}
	aw := newAsyncStream(ws)
	defer aw.close() // before the folders it writes in are removed
	sink := newStreamSink(aw, to)
	probs := &roster.Problems{Max: 1000}
	info, err := readInput(ctx, from, in, fopts, sink, probs)
	if werr := aw.wait(); werr != nil && sink.err == nil {
		sink.err = werr
	}
	if sink.err != nil {
		st.Abort()
		if errors.Is(sink.err, format.ErrStreamOrder) {
			return errNoStream
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errclass.New(errclass.Local, fmt.Errorf("write %s: %w", dest, sink.err))
	}
	if err != nil {
		st.Abort()
		return err
	}
	if probs.Errors > 0 {
		st.Abort()
		return refuseInput(deps, opts.Src, shownFormat(from, in, opts.Format.Format), info, probs, fixRepairsAll(ctx, from, in, fopts))
	}
	if opts.Fix && !opts.Global.Quiet {
		for _, p := range probs.List() {
			if p.Code == roster.CodeRepaired {
				fmt.Fprintln(deps.IO.ErrOut, problemLine(p))
			}
		}
	}
	if err := applyDelta(ctx, deps, opts, from, to, fopts, &roster.Roster{Delta: sink.delta}); err != nil {
		st.Abort()
		return err
	}
	if err := needsOrgCount(to, from, loneName(from, in), len(sink.delta) > 0, sink.orgs, sink.users); err != nil {
		st.Abort()
		return err
	}
	if err := needsRolesCount(from, sink.noRole); err != nil {
		st.Abort()
		return err
	}
	opts.Dest = dest
	out, err := openOutput(deps, opts.Dest, to)
	if err != nil {
		st.Abort()
		return err
	}
	dropped := &roster.Problems{}
	if kinds := (&roster.Roster{Delta: sink.delta}).DeltaKinds(); len(kinds) > 0 && !format.HoldsDeltas(to) {
		st.Abort()
		out.Abort()
		return convertWritten(deps, opts, style, from, to, sink.counts(), probs, dropped, unwritable(fmt.Sprintf("the input is a OneRoster delta (manifest.csv marks %s delta), not a roster, and %s holds a whole roster; nothing was written",
			deltaKindList(kinds), format.Title(to))))
	}
	sink.reportDropped(dropped)
	err = aw.End(sink.count)
	for _, p := range wrep.ListFound() {
		dropped.Report(p)
	}
	if err != nil {
		st.Abort()
		out.Abort()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return convertWritten(deps, opts, style, from, to, sink.counts(), probs, dropped, err)
	}
	err = publishChecked(ctx, to, out, st.stagedDest, tmp, fopts, dropped)
	return convertWritten(deps, opts, style, from, to, sink.counts(), probs, dropped, err)
}

// adoptingDest is the private folder a streaming writer writes into: a file it finished in its
// scratch folder is renamed into it (format.Adopter).
type adoptingDest struct {
	*stagedDest
	dir string
}

// Adopt renames the file at path into the folder as name.
func (d *adoptingDest) Adopt(name, path string) error {
	if name != filepath.Base(name) || name == "." || name == ".." || slices.Contains(d.names, name) {
		return fmt.Errorf("write %q: not a plain file name, or written twice", name)
	}
	if err := os.Rename(path, filepath.Join(d.dir, name)); err != nil {
		return err
	}
	d.names = append(d.names, name)
	return nil
}

// streamSink passes what a reader sends on to a streaming writer as the whole-roster path
// would hand it over: only the kinds the target uses (the others counted), without the records
// whose status is tobedeleted in a kind read in full, and without the demographics and
// enrollments of such a user or class (roster.DropDeleted). It counts what the checks before
// publishing need. A deleted user or class after a demographics record or an enrollment was
// passed on cannot take its own with it: that is format.ErrStreamOrder.
type streamSink struct {
	w format.Stream
	// Per kind, by its index in roster.Kinds (arrays: a map per row costs more than the
	// row's write).
	want  [numKinds]bool
	bulk  [numKinds]bool // not marked delta
	read  [numKinds]int  // entities read, kept or not (entityCounts)
	left  [numKinds]int  // what Roster.Count gives for the roster the writer was handed
	gone  [numKinds]roster.Applied
	delta map[roster.Kind]bool

	goneUsers, goneClasses map[string]bool
	dependents             bool // a demographics record or an enrollment was passed on
	orgs, users, noRole    int
	err                    error
}

// numKinds is len(roster.Kinds); the kinds' indexes in it follow.
const numKinds = 7

const (
	iOrg = iota
	iSession
	iCourse
	iClass
	iUser
	iDemographics
	iEnrollment
)

func newStreamSink(w format.Stream, to format.Format) *streamSink {
	s := &streamSink{w: w, delta: map[roster.Kind]bool{}}
	coll := collectorFor(to)
	for i, k := range roster.Kinds {
		s.want[i] = !coll.Skip[k]
		s.bulk[i] = true
	}
	return s
}

func (s *streamSink) BorrowsStrings() bool { return true }

func (s *streamSink) Wants(k roster.Kind) bool { return s.want[slices.Index(roster.Kinds, k)] }

func (s *streamSink) SkipN(k roster.Kind, n int) {
	if i := slices.Index(roster.Kinds, k); i >= 0 && n > 0 {
		s.read[i] += n
		s.left[i] += n
	}
}

func (s *streamSink) MarkDelta(k roster.Kind) {
	s.delta[k] = true
	if i := slices.Index(roster.Kinds, k); i >= 0 {
		s.bulk[i] = false
	}
	s.w.MarkDelta(k)
}

// count is Roster.Count of the roster the writer was handed.
func (s *streamSink) count(k roster.Kind) int {
	if i := slices.Index(roster.Kinds, k); i >= 0 {
		return s.left[i]
	}
	return 0
}

// counts are the entities read per kind, as entityCounts gives them.
func (s *streamSink) counts() map[string]int {
	out := map[string]int{}
	for i, k := range roster.Kinds {
		if s.read[i] > 0 {
			out[string(k)] = s.read[i]
		}
	}
	return out
}

// take counts an entity of the kind at index i and says whether it goes on to the writer: not
// when the target does not use its kind, nor when it is deleted (deleted) or goes with a
// deleted user or class (cascaded) in a kind read in full.
func (s *streamSink) take(i int, deleted, cascaded bool) bool {
	s.read[i]++
	if !s.want[i] {
		s.left[i]++
		return false
	}
	if s.bulk[i] && (deleted || cascaded) {
		if deleted {
			s.gone[i].Deleted++
		} else {
			s.gone[i].Cascaded++
		}
		return false
	}
	s.left[i]++
	return true
}

// pass records the writer's error, which stops the read.
func (s *streamSink) pass(err error) error {
	if err != nil && s.err == nil {
		s.err = err
	}
	return err
}

// drop notes a deleted user or class, whose demographics and enrollments go with it.
func (s *streamSink) drop(set *map[string]bool, id string) error {
	if s.dependents {
		return s.pass(format.ErrStreamOrder)
	}
	if *set == nil {
		*set = map[string]bool{}
	}
	(*set)[strings.Clone(id)] = true
	return nil
}

func (s *streamSink) Org(v *roster.Org) error {
	if s.want[iOrg] {
		s.orgs++
	}
	if !s.take(iOrg, roster.Deleted(v.Status), false) {
		return nil
	}
	return s.pass(s.w.Org(v))
}

func (s *streamSink) AcademicSession(v *roster.AcademicSession) error {
	if !s.take(iSession, roster.Deleted(v.Status), false) {
		return nil
	}
	return s.pass(s.w.AcademicSession(v))
}

func (s *streamSink) Course(v *roster.Course) error {
	if !s.take(iCourse, roster.Deleted(v.Status), false) {
		return nil
	}
	return s.pass(s.w.Course(v))
}

func (s *streamSink) Class(v *roster.Class) error {
	deleted := roster.Deleted(v.Status)
	if !s.take(iClass, deleted, false) {
		if deleted && s.want[iClass] && s.bulk[iClass] {
			return s.drop(&s.goneClasses, v.SourcedID)
		}
		return nil
	}
	return s.pass(s.w.Class(v))
}

func (s *streamSink) User(v *roster.User) error {
	if s.want[iUser] {
		s.users++
		if v.Role == "" {
			s.noRole++
		}
	}
	deleted := roster.Deleted(v.Status)
	if !s.take(iUser, deleted, false) {
		if deleted && s.want[iUser] && s.bulk[iUser] {
			return s.drop(&s.goneUsers, v.SourcedID)
		}
		return nil
	}
	return s.pass(s.w.User(v))
}

func (s *streamSink) Demographics(v *roster.Demographics) error {
	if !s.take(iDemographics, roster.Deleted(v.Status), s.goneUsers != nil && s.goneUsers[v.SourcedID]) {
		return nil
	}
	s.dependents = true
	return s.pass(s.w.Demographics(v))
}

func (s *streamSink) Enrollment(v *roster.Enrollment) error {
	if !s.take(iEnrollment, roster.Deleted(v.Status), (s.goneUsers != nil && s.goneUsers[v.UserID]) || (s.goneClasses != nil && s.goneClasses[v.ClassID])) {
		return nil
	}
	s.dependents = true
	return s.pass(s.w.Enrollment(v))
}

// reportDropped reports what was not passed on, as writeConvertedIn does.
func (s *streamSink) reportDropped(dropped *roster.Problems) {
	for i, k := range roster.Kinds {
		lossy := func(msg string) {
			dropped.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, Message: msg})
		}
		if a := s.gone[i]; a.Deleted > 0 {
			lossy(fmt.Sprintf("%s with status tobedeleted not written: a full roster lists the records that exist", pluralKind(a.Deleted, k)))
		}
		if a := s.gone[i]; a.Cascaded > 0 {
			lossy(fmt.Sprintf("%s of a deleted user or class not written", pluralKind(a.Cascaded, k)))
		}
	}
}
