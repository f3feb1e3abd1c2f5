package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// The ROSTERSYNC_* variables of the global flags come from Deps.Getenv, never from the
// process's own environment: what the seam says is what the command sees.
func TestGlobalFlagsFromInjectedEnv(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "rostersync.yaml")
	if err := os.WriteFile(cfg, []byte("profiles:\n  nightly:\n    format: capti\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		injected map[string]string // what Deps.Getenv returns
		real     map[string]string // the process environment, which must not matter
		args     []string
		wantCode int
		wantErr  string // in stderr
		wantOut  string // in stdout
	}{
		{name: "profile from the seam", injected: map[string]string{"ROSTERSYNC_PROFILE": "nope"},
			args: []string{"config", "show"}, wantCode: ExitUsage, wantErr: `no profile "nope"`},
		{name: "seam beats the process environment", injected: map[string]string{"ROSTERSYNC_PROFILE": "nope"},
			real: map[string]string{"ROSTERSYNC_PROFILE": "other"},
			args: []string{"config", "show"}, wantCode: ExitUsage, wantErr: `no profile "nope"`},
		{name: "process environment unread", real: map[string]string{"ROSTERSYNC_PROFILE": "nope", "ROSTERSYNC_QUIET": "notabool"},
			args: []string{"config", "show"}, wantCode: ExitOK, wantOut: "nightly"},
		{name: "flag beats the seam", injected: map[string]string{"ROSTERSYNC_PROFILE": "nope"},
			args: []string{"--profile", "nightly", "config", "show"}, wantCode: ExitOK, wantOut: "nightly"},
		{name: "bad bool from the seam", injected: map[string]string{"ROSTERSYNC_QUIET": "sometimes"},
			args: []string{"config", "show"}, wantCode: ExitUsage, wantErr: `ROSTERSYNC_QUIET="sometimes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.real {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			deps := &Deps{
				IO:      &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
				Formats: formats.Registry(),
				Getenv:  func(k string) string { return tt.injected[k] },
			}
			code := Run(t.Context(), deps, append([]string{"--config", cfg}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q, want it to hold %q", errOut.String(), tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q, want it to hold %q", out.String(), tt.wantOut)
			}
		})
	}
}
