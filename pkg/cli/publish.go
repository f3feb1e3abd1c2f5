package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/guard"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
)

// This file is the publishing pipeline push and sync share: a checked file set, the shrink
// guard against the destination's last snapshot, the atomic publish, and the run record.

// fileSet is what one input publishes: its files under their remote names, and the snapshot
// and row count the guard compares.
type fileSet struct {
	Source   string // the path given
	Format   string
	Files    []transport.File
	Sizes    []int64
	FileRows []int // data rows of each file (from the reader), 0 when not a data file
	SHA256   []string
	Rows     int
	Snap     *snapshot.Snapshot
}

// checkFileSet reads a local input (a file, a directory or a zip at path, named shown in
// messages: "-" for spooled stdin) with its format, reports its problems, and returns the set
// to publish. Problems with errors refuse it (errFindings).
func checkFileSet(ctx context.Context, deps *Deps, path, shown, as string, formatName string, fopts format.Options, quiet bool) (*fileSet, error) {
	in, err := openLocal(path, shown)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	f, err := pickFormat(deps, formatName, in)
	if err != nil {
		return nil, err
	}
	probs := &roster.Problems{Max: 1000}
	b := snapshot.NewBuilder()
	info, err := readInput(ctx, f, in, fopts, b, probs)
	if err != nil {
		return nil, err
	}
	if probs.Errors > 0 || (!quiet && probs.Warnings > 0) {
		for _, p := range probs.List() {
			if p.Severity != roster.Info {
				fmt.Fprintln(deps.IO.ErrOut, problemLine(p))
			}
		}
	}
	if probs.Errors > 0 {
		see := ""
		if shown != "-" {
			see = fmt.Sprintf(" (see 'rostersync validate %s')", shown)
		}
		fmt.Fprintf(deps.IO.ErrOut, "rostersync: refused: %s has %s; nothing was sent%s\n", shown, plural(probs.Errors, "error"), see)
		return nil, errFindings
	}
	set := &fileSet{Source: shown, Format: f.Name(), Snap: b.Snapshot()}
	for _, fi := range info.Files {
		set.Rows += fi.Rows
	}
	// The files to send: a single file as itself, a directory's roster files, a zip as the zip.
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, withExit(ExitLocal, err)
	case st.IsDir():
		if as != "" {
			return nil, usageError(errors.New("--as names one file: a directory is sent under its files' names"))
		}
		set.Files, err = folderFiles(deps, in.Dir, info, quiet)
		if err != nil {
			return nil, err
		}
	default:
		name := filepath.Base(path)
		if as != "" {
			name = as
		}
		set.Files = []transport.File{{Name: name, Path: path}}
	}
	for _, fl := range set.Files {
		if err := checkRemoteName(fl.Name); err != nil {
			return nil, usageError(err)
		}
		sum, size, err := hashFile(fl.Path)
		if err != nil {
			return nil, withExit(ExitLocal, err)
		}
		set.SHA256 = append(set.SHA256, sum)
		set.Sizes = append(set.Sizes, size)
		set.FileRows = append(set.FileRows, fileRows(info, fl.Name, len(set.Files) == 1, set.Rows))
	}
	return set, nil
}

// folderFiles are the files of a folder to send: those the format read, under the names it
// read them by (Users.csv goes as users.csv, which validate warned of), and the manifest. Any
// other file is left behind, with a note: a file validate did not read is not sent.
func folderFiles(deps *Deps, dir string, info format.Info, quiet bool) ([]transport.File, error) {
	names, err := format.Files(os.DirFS(dir))
	if err != nil {
		return nil, withExit(ExitLocal, err)
	}
	var out []transport.File
	sent := map[string]bool{}
	for _, fi := range info.Files {
		local := fi.Name
		if fi.Source != "" {
			local = fi.Source
		}
		if slices.Contains(names, local) && !sent[local] {
			out = append(out, transport.File{Name: fi.Name, Path: filepath.Join(dir, local)})
			sent[local] = true
		}
	}
	for _, n := range names {
		switch {
		case sent[n]:
		case n == "manifest.csv" && info.Format == "oneroster":
			out = append(out, transport.File{Name: n, Path: filepath.Join(dir, n)})
		case !quiet:
			fmt.Fprintf(deps.IO.ErrOut, "rostersync: note: %s is not sent: it is not part of the %s package that was checked\n", n, info.Format)
		}
	}
	slices.SortFunc(out, func(a, b transport.File) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// fileRows is the data-row count the reader gave for a file sent (all rows for a lone file).
func fileRows(info format.Info, name string, lone bool, total int) int {
	if lone {
		return total
	}
	for _, fi := range info.Files {
		if fi.Name == name {
			return fi.Rows
		}
	}
	return 0
}

func checkRemoteName(n string) error {
	if n == "" || n == "." || n == ".." || strings.ContainsAny(n, `/\`) || strings.HasPrefix(n, ".rostersync-") {
		return fmt.Errorf("remote name %q: want a plain file name", n)
	}
	return nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// connFlags are the connection settings of push and sync (profile keys of the same names).
type connFlags struct {
	To             string
	IdentityFile   string
	PassphraseEnv  string
	PassphraseFile string
	PasswordEnv    string
	PasswordFile   string
	Agent          bool
	KnownHosts     string
	Timeout        time.Duration
	Retries        int
	StateDir       string
}

func (c *connFlags) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&c.To, "to", "", "destination: sftp://user@host:port/folder/ or a local folder (profile key destination)")
	f.StringVar(&c.IdentityFile, "identity-file", "", "private key file for SFTP")
	f.StringVar(&c.PassphraseEnv, "passphrase-env", "", "environment variable holding the key's passphrase")
	f.StringVar(&c.PassphraseFile, "passphrase-file", "", "file holding the key's passphrase")
	f.StringVar(&c.PasswordEnv, "password-env", "", "environment variable holding the SFTP password")
	f.StringVar(&c.PasswordFile, "password-file", "", "file holding the SFTP password")
	f.BoolVar(&c.Agent, "agent", false, "use ssh-agent (SSH_AUTH_SOCK)")
	f.StringVar(&c.KnownHosts, "known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
	f.DurationVar(&c.Timeout, "timeout", 0, "timeout of the connect, SSH handshake and login, and of an idle connection (default 30s)")
	f.IntVar(&c.Retries, "retries", transport.DefaultRetries, "retries of a failed connection or transfer on a fresh connection (0: none)")
	f.StringVar(&c.StateDir, "state-dir", "", "state folder for snapshots, run records and locks")
}

// merge fills the settings the command line left out from the profile.
func (c *connFlags) merge(changed func(string) bool, p *config.Profile) {
	if p == nil {
		return
	}
	set := func(name string, dst *string, v string) {
		if !changed(name) && v != "" {
			*dst = v
		}
	}
	set("to", &c.To, p.Destination)
	set("identity-file", &c.IdentityFile, p.IdentityFile)
	set("passphrase-env", &c.PassphraseEnv, p.PassphraseEnv)
	set("passphrase-file", &c.PassphraseFile, p.PassphraseFile)
	set("password-env", &c.PasswordEnv, p.PasswordEnv)
	set("password-file", &c.PasswordFile, p.PasswordFile)
	set("known-hosts", &c.KnownHosts, p.KnownHosts)
	set("state-dir", &c.StateDir, p.StateDir)
	if !changed("agent") && p.Agent {
		c.Agent = true
	}
	if !changed("timeout") && p.Timeout > 0 {
		c.Timeout = p.Timeout
	}
	if !changed("retries") && p.Retries > 0 {
		c.Retries = p.Retries
	}
}

// store opens the state folder.
func (c *connFlags) store(deps *Deps) (*state.Store, error) {
	dir := c.StateDir
	if dir == "" {
		d, err := state.DefaultDir(deps.Getenv)
		if err != nil {
			return nil, withExit(ExitLocal, err)
		}
		dir = d
	}
	return &state.Store{Dir: dir}, nil
}

// secret reads a secret from an environment variable or a file (first line, trimmed).
func secret(deps *Deps, env, file, what string) (string, error) {
	switch {
	case env != "":
		v := deps.Getenv(env)
		if v == "" {
			return "", usageError(fmt.Errorf("%s: environment variable %s is empty or not set", what, env))
		}
		return v, nil
	case file != "":
		b, err := config.ReadSecretFile(file, what+" file") // private, or refused (exit 2)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r"), nil
	}
	return "", nil
}

// destination is where a file set is published.
type destination interface {
	// Publish sends files atomically: every temporary first, then the renames.
	Publish(ctx context.Context, files []transport.File, progress func(int64)) error
	Close() error
}

type localDest struct{ dir string }

func (d localDest) Publish(ctx context.Context, files []transport.File, progress func(int64)) error {
	_, err := transport.LocalPublish(ctx, d.dir, files, progress)
	return err
}
func (localDest) Close() error { return nil }

type sftpDest struct {
	c   *transport.Client
	dir string
}

func (d sftpDest) Publish(ctx context.Context, files []transport.File, progress func(int64)) error {
	if _, err := d.c.CleanLeftovers(ctx, d.dir); err != nil {
		return err
	}
	_, err := d.c.Publish(ctx, d.dir, files, progress)
	return err
}
func (d sftpDest) Close() error { return d.c.Close() }

// openDestination connects to dest (an sftp:// URL or a local folder).
func openDestination(ctx context.Context, deps *Deps, c *connFlags, p *config.Profile) (destination, string, error) {
	if !transport.IsURL(c.To) {
		dir, err := filepath.Abs(c.To)
		if err != nil {
			return nil, "", withExit(ExitLocal, err)
		}
		return localDest{dir: dir}, dir, nil
	}
	cl, u, err := dial(ctx, deps, c, p, c.To)
	if err != nil {
		return nil, "", err
	}
	return sftpDest{c: cl, dir: u.Dir()}, u.Key(), nil
}

// dial connects to the server of an sftp:// URL with the connection settings.
func dial(ctx context.Context, deps *Deps, c *connFlags, p *config.Profile, raw string) (*transport.Client, *transport.URL, error) {
	u, err := transport.ParseURL(raw)
	if err != nil {
		return nil, nil, usageError(err)
	}
	cfg := transport.Config{URL: u, KnownHosts: c.KnownHosts, UseAgent: c.Agent, IOTimeout: c.Timeout, Retries: c.Retries}
	if cfg.Retries == 0 {
		cfg.Retries = -1 // transport: negative is none, 0 the default
	}
	if c.IdentityFile != "" {
		cfg.IdentityFiles = []string{c.IdentityFile}
	}
	pass, err := secret(deps, c.PassphraseEnv, c.PassphraseFile, "passphrase")
	if err != nil {
		return nil, nil, err
	}
	if pass == "" && p != nil {
		pass = p.Passphrase
	}
	if pass != "" {
		cfg.Passphrase = []byte(pass)
	}
	pw, err := secret(deps, c.PasswordEnv, c.PasswordFile, "password")
	if err != nil {
		return nil, nil, err
	}
	if pw == "" && p != nil {
		pw = p.Password
	}
	cfg.Password = pw
	cl, err := transport.Dial(ctx, cfg)
	if err != nil {
		return nil, nil, remoteError(err)
	}
	return cl, u, nil
}

// remoteError maps a transport error to exit 4 with its hint.
func remoteError(err error) error {
	var hints []string
	if hk, ok := errors.AsType[*transport.HostKeyError](err); ok {
		hints = append(hints, hk.Hint())
	}
	return withExit(ExitRemote, err, hints...)
}

// progressFor returns a progress callback drawing a bar on a terminal, or nil.
func progressFor(deps *Deps, quiet bool, total int64, what string) (func(int64), func()) {
	if quiet || !deps.IO.IsStderrTTY || total <= 0 {
		return nil, func() {}
	}
	bar := progressbar.DefaultBytes(total, what)
	return func(n int64) { bar.Add64(n) }, func() { bar.Finish(); fmt.Fprintln(deps.IO.ErrOut) } //nolint:errcheck
}

// guardSet compares a set with the last snapshot pushed to dest under its first file's name.
func guardSet(store *state.Store, dest string, set *fileSet, policy guard.Policy) (guard.Verdict, *state.Run, error) {
	var old *snapshot.Snapshot
	run, rf, err := store.LastPushed(dest, set.Files[0].Name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return guard.Verdict{}, nil, withExit(ExitLocal, err)
	}
	if rf != nil && rf.Snapshot != "" {
		r, err := store.OpenRunFile(dest, run.ID, rf.Snapshot)
		if err != nil {
			return guard.Verdict{}, nil, withExit(ExitLocal, fmt.Errorf("read the last snapshot: %w", err))
		}
		old, err = snapshot.Read(r)
		r.Close()
		if err != nil {
			return guard.Verdict{}, nil, withExit(ExitLocal, fmt.Errorf("read the last snapshot: %w", err))
		}
	}
	v := guard.Check(old, set.Snap, set.Rows, policy)
	return v, run, nil
}

func guardStats(v guard.Verdict, p guard.Policy, overridden bool) *state.GuardStats {
	g := &state.GuardStats{Compared: v.Compared, Rows: v.Rows, MinRows: p.MinRows, MaxRemoved: p.MaxRemovedPercent,
		Allowed: v.Allowed || overridden, Overridden: overridden && !v.Allowed, Reason: v.Reason}
	if g.MinRows <= 0 {
		g.MinRows = guard.DefaultMinRows
	}
	if g.MaxRemoved <= 0 {
		g.MaxRemoved = guard.DefaultMaxRemovedPercent
	}
	if v.Counts != nil {
		g.RemovedPercent = map[string]float64{}
		for k, c := range v.Counts {
			g.RemovedPercent[string(k)] = c.RemovedPercent
		}
	}
	return g
}

// recordRun writes the run and, for a pushed run, the snapshot of each set.
func recordRun(store *state.Store, run *state.Run, sets []*fileSet) error {
	if run.Result == "pushed" {
		for i, set := range sets {
			name := fmt.Sprintf("snapshot-%d.bin.gz", i+1)
			if err := store.WriteRunFile(run.Destination, run.ID, name, set.Snap.Write); err != nil {
				return err
			}
			for j := range run.Files {
				if run.Files[j].Snapshot == fmt.Sprint(i) {
					run.Files[j].Snapshot = name
				}
			}
		}
	}
	for j := range run.Files {
		if run.Result != "pushed" {
			run.Files[j].Snapshot = ""
		}
	}
	return store.SaveRun(run)
}

// runFiles lists a set's files for the run record; Snapshot holds the set's index until
// recordRun names the snapshot file.
func runFiles(sets []*fileSet) []state.RunFile {
	var out []state.RunFile
	for i, s := range sets {
		for j, f := range s.Files {
			out = append(out, state.RunFile{Name: f.Name, Rows: s.FileRows[j], Bytes: s.Sizes[j], SHA256: s.SHA256[j], Snapshot: fmt.Sprint(i)})
		}
	}
	return out
}
