package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"

	"github.com/rostersync/rostersync/pkg/config"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/publish"
	"github.com/rostersync/rostersync/pkg/report"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/snapshot"
	"github.com/rostersync/rostersync/pkg/source"
	"github.com/rostersync/rostersync/pkg/state"
	"github.com/rostersync/rostersync/pkg/transport"
)

// This file connects push, sync and hold to pkg/publish: the Checker that reads an input's
// private copy with its format, the dialer built from the connection settings, the mapping of
// publish errors to exit codes, and the rendering of a report.

// checker reads a copy (a file, a folder or a zip) with its format, reports its problems, and
// returns the set to publish. Problems with errors refuse it (errFindings). With show false
// (sync's JSON log) it prints nothing: the refusal comes back as an error with the counts only,
// for the log record, and no problem line (which holds cells) is written. Each input read is
// added to checked, when not nil, for a report.
func checker(deps *Deps, formatName string, fopts format.Options, quiet, show bool, checked *[]report.Validation) publish.Checker {
	return func(ctx context.Context, c *publish.Copy) (*publish.Set, error) {
		shown, as := c.Input.Shown, c.Input.As
		if shown == "" {
			shown = c.Input.Path
		}
		in, err := source.OpenLocal(c.Path, shown)
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
		if checked != nil {
			*checked = append(*checked, report.Validation{Path: shown, Format: f.Name(), Version: info.Version,
				Files: info.Files, Summary: reportSummary(summaryOf(probs)), Groups: probs.Groups()})
		}
		if !show && probs.Errors > 0 {
			return nil, findings(fmt.Errorf("the source has %s: nothing was sent (see 'rostersync validate')", plural(probs.Errors, "error")))
		}
		if show && (probs.Errors > 0 || (!quiet && probs.Warnings > 0)) {
			for _, l := range groupedLines(probs, 0, func(p roster.Problem) bool { return p.Severity != roster.Info }) {
				fmt.Fprintln(deps.IO.ErrOut, l)
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
		set := &publish.Set{Source: shown, Format: f.Name(), Snap: b.Snapshot()}
		for _, fi := range info.Files {
			set.Rows += fi.Rows
		}
		// The files to send: a single file as itself, a directory's roster files, a zip as the zip.
		st, err := os.Stat(c.Path)
		switch {
		case err != nil:
			return nil, err
		case st.IsDir():
			if as != "" {
				return nil, usageError(errors.New("--as names one file: a directory is sent under its files' names"))
			}
			set.Files, err = folderFiles(deps, in.Dir, info, format.PackagingOf(f).Meta, quiet)
			if err != nil {
				return nil, err
			}
		default:
			name := filepath.Base(c.Path)
			if as != "" {
				name = as
			}
			set.Files = []transport.File{{Name: name, Path: c.Path}}
		}
		for _, fl := range set.Files {
			if err := checkRemoteName(fl.Name); err != nil {
				return nil, usageError(err)
			}
			set.FileRows = append(set.FileRows, fileRows(info, fl.Name, len(set.Files) == 1, set.Rows))
		}
		return set, nil
	}
}

// folderFiles are the files of a folder to send: those the format read, under the names it
// read them by (Users.csv goes as users.csv, which validate warned of), and the files of the
// package that hold no rows (meta: the manifest). Any other file is left behind, with a note: a
// file validate did not read is not sent.
func folderFiles(deps *Deps, dir string, info format.Info, meta []string, quiet bool) ([]transport.File, error) {
	names, err := format.Files(os.DirFS(dir))
	if err != nil {
		return nil, err
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
		case slices.Contains(meta, n):
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
	if err := transport.CheckPlainName(n); err != nil {
		return fmt.Errorf("remote name: %w", err)
	}
	if strings.HasPrefix(n, ".rostersync-") {
		return fmt.Errorf("remote name %q: names starting .rostersync- are rostersync's temporary files", n)
	}
	return nil
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
			return nil, err
		}
		dir = d
	}
	return openStore(dir)
}

// openStore returns the state folder at dir, refused (exit 2, with the fix) when it exists and
// others could change it: what history and hold read is trusted like what push writes.
func openStore(dir string) (*state.Store, error) {
	store := &state.Store{Dir: dir}
	if _, err := os.Stat(dir); err == nil {
		if err := store.Check(); err != nil {
			return nil, err
		}
	}
	return store, nil
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

// dial connects to the server of an sftp:// URL with the connection settings.
func dial(ctx context.Context, deps *Deps, c *connFlags, p *config.Profile, raw string) (*transport.Client, *transport.URL, error) {
	u, err := transport.ParseURL(raw)
	if err != nil {
		return nil, nil, usageError(err)
	}
	cl, err := dialURL(ctx, deps, c, p, u)
	return cl, u, err
}

// maxRetries bounds --retries, so a run ends in bounded time whatever it is given.
const maxRetries = 10

// dialURL connects to the server of u with the connection settings.
func dialURL(ctx context.Context, deps *Deps, c *connFlags, p *config.Profile, u *transport.URL) (*transport.Client, error) {
	switch {
	case c.Timeout < 0:
		return nil, usageError(fmt.Errorf("--timeout %s: a timeout must be positive (0 or unset: the default 30s); nothing waits without one", c.Timeout))
	case c.Retries < 0 || c.Retries > maxRetries:
		return nil, usageError(fmt.Errorf("--retries %d: use a number from 0 to %d", c.Retries, maxRetries))
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
		return nil, err
	}
	if pass == "" && p != nil {
		pass = p.Passphrase
	}
	if pass != "" {
		cfg.Passphrase = []byte(pass)
	}
	pw, err := secret(deps, c.PasswordEnv, c.PasswordFile, "password")
	if err != nil {
		return nil, err
	}
	if pw == "" && p != nil {
		pw = p.Password
	}
	cfg.Password = pw
	return transport.Dial(ctx, cfg)
}

// progressFor returns a progress callback drawing a bar on a terminal, or nil.
func progressFor(deps *Deps, quiet bool, total int64, what string) (func(int64), func()) {
	if quiet || !deps.IO.IsStderrTTY || total <= 0 {
		return nil, func() {}
	}
	bar := progressbar.DefaultBytes(total, what)
	return func(n int64) { bar.Add64(n) }, func() { bar.Finish(); fmt.Fprintln(deps.IO.ErrOut) } //nolint:errcheck
}

// publisher is the publish pipeline with the state folder and the connection settings.
func publisher(deps *Deps, c *connFlags, p *config.Profile) (*publish.Publisher, error) {
	store, err := c.store(deps)
	if err != nil {
		return nil, err
	}
	return &publish.Publisher{Store: store, Dial: publisherDial(deps, c, p)}, nil
}

func publisherDial(deps *Deps, c *connFlags, p *config.Profile) func(ctx context.Context, u *transport.URL) (*transport.Client, error) {
	return func(ctx context.Context, u *transport.URL) (*transport.Client, error) {
		return dialURL(ctx, deps, c, p, u)
	}
}

// renderReport prints what a push did on stderr: notes and stale-source warnings (unless
// quiet), the plan of a dry run, each refusal with the comparison that tripped it, and the
// outcome.
// holdFlags are the flags a hold command needs to find a run held under them: the --config and
// --state-dir given (a profile's state_dir comes with its config file).
func holdFlags(g *GlobalOptions, stateDirFlag string) string {
	var b strings.Builder
	if g != nil && g.ConfigPath != "" {
		b.WriteString(" --config " + shellQuote(g.ConfigPath))
	}
	if stateDirFlag != "" {
		b.WriteString(" --state-dir " + shellQuote(stateDirFlag))
	}
	return b.String()
}

// shellQuote quotes s for a shell command line when it holds anything but plain characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./~:=+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func renderReport(deps *Deps, rep *publish.Report, quiet, dryRun, allowShrink bool, where string) {
	if rep == nil {
		return
	}
	w := deps.IO.ErrOut
	if !quiet {
		for _, n := range rep.Notes {
			fmt.Fprintln(w, "rostersync: note:", n)
		}
		for _, s := range rep.Warnings {
			fmt.Fprintln(w, "rostersync: warning:", s)
		}
	}
	for _, s := range rep.Sets {
		v := s.Verdict
		if dryRun && v.Allowed && !quiet {
			if v.Compared {
				fmt.Fprintf(w, "plan: %s against the last push to %s:\n", s.First, rep.Target)
				for _, l := range v.Summary() {
					fmt.Fprintln(w, "  "+l)
				}
			} else {
				fmt.Fprintf(w, "plan: first push of %s to %s (%d rows)\n", s.First, rep.Target, s.Rows)
			}
		}
		if !v.Allowed {
			code := v.Code
			if code == "" {
				code = roster.CodeGuard
			}
			p := roster.Problem{Severity: roster.Error, Code: code, File: s.Source, Message: "shrink guard: " + v.Reason}
			if allowShrink {
				p.Severity, p.Message = roster.Warning, p.Message+" (allowed once by --allow-shrink)"
			}
			fmt.Fprintln(w, problemLine(p))
			for _, l := range v.Summary() {
				fmt.Fprintln(w, "  "+l)
			}
		}
	}
	switch rep.Result {
	case "held":
		fmt.Fprintf(w, "rostersync: refused by the shrink guard: nothing was sent; held as run %s\n", rep.Held)
		fmt.Fprintf(w, "rostersync: hint: check the export; to send exactly these files: rostersync hold approve %s%s; to drop them: rostersync hold discard %s%s\n", rep.Held, where, rep.Held, where)
	case "refused":
		fmt.Fprintln(w, "rostersync: refused by the shrink guard: nothing was sent (check the export; --allow-shrink sends it anyway, once)")
	case "dry-run":
		if quiet {
			return
		}
		for _, f := range rep.Files {
			fmt.Fprintf(w, "would send %s (%d bytes, sha256 %s) to %s\n", f.Name, f.Bytes, f.SHA256[:12], rep.Target)
		}
	case "pushed":
		if quiet {
			return
		}
		var names []string
		for _, f := range rep.Files {
			names = append(names, f.Name)
		}
		fmt.Fprintf(w, "pushed %s to %s (run %s)\n", strings.Join(names, ", "), rep.Target, rep.Run)
	}
}

// held is what a held run keeps of the connection settings for its approval: the settings
// themselves are names of files and variables, never a secret.
func (c *connFlags) held() json.RawMessage {
	b, err := json.Marshal(c)
	if err != nil {
		return nil
	}
	return b
}
