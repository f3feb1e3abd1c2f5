package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One SIS export pulled from an SFTP drop fans out in one sync run to a Capti SFTP folder, a
// Clever SFTP folder (its six files published as one set) and an SDS folder on disk; every
// output validates clean in its format, and files on the server are 0600.
func TestSyncFanOutOverSFTP(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			srv := start(t)
			env := map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir()}
			for _, d := range []string{"drop", "capti", "clever"} {
				if err := os.MkdirAll(srv.path(d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			zip := filepath.Join(t.TempDir(), "export.zip")
			if code, _, errOut := run(t, env, "convert", "--to", "oneroster", filepath.Join(examples, "oneroster"), zip); code != 0 {
				t.Fatalf("convert: %s", errOut)
			}
			data, _ := os.ReadFile(zip)
			os.WriteFile(srv.path("drop/export.zip"), data, 0o644) //nolint:errcheck // read by the sync below
			sdsDir := filepath.Join(t.TempDir(), "sds")
			conn := "    identity_file: " + srv.key + "\n    known_hosts: " + srv.knownHosts + "\n"
			cfg := filepath.Join(t.TempDir(), "rostersync.yaml")
			os.WriteFile(cfg, []byte("profiles:\n"+ //nolint:errcheck // read by the sync below
				"  capti:\n    source: "+srv.url("drop/")+"\n    to: capti\n    destination: "+srv.url("capti/")+"\n"+conn+
				"  clever:\n    source: "+srv.url("drop/")+"\n    to: clever\n    destination: "+srv.url("clever/")+"\n"+conn+
				"  sds:\n    source: "+srv.url("drop/")+"\n    to: sds\n    sds: {domain: lincoln.example.org}\n    destination: "+sdsDir+"/\n"+conn), 0o600)
			code, _, errOut := run(t, env, "--config", cfg, "sync", "capti", "clever", "sds")
			if code != 0 {
				t.Fatalf("sync: exit %d: %s", code, errOut)
			}
			for _, p := range []string{"capti", "clever", "sds"} {
				if !strings.Contains(errOut, `msg="job done" profile=`+p+` step=end result=pushed`) {
					t.Errorf("job %s not pushed: %s", p, errOut)
				}
			}
			check := func(path, format string) {
				t.Helper()
				code, _, errOut := run(t, env, "validate", "--format", format, path)
				if code != 0 || !strings.Contains(errOut, ": 0 errors, 0 warnings") {
					t.Errorf("validate %s: exit %d: %s", path, code, errOut)
				}
			}
			check(srv.path("capti/roster.csv"), "capti")
			check(srv.path("clever"), "clever")
			check(sdsDir, "sds")
			for _, f := range []string{"capti/roster.csv", "clever/schools.csv", "clever/students.csv", "clever/enrollments.csv"} {
				fi, err := os.Stat(srv.path(f))
				if err != nil {
					t.Fatal(err)
				}
				if m := fi.Mode().Perm(); m != 0o600 {
					t.Errorf("%s on the server has mode %o, want 600", f, m)
				}
			}
		})
	}
}
