package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/roster"
)

// panicFormat is a format with a bug: reading panics, on the reading goroutine or (as Each's
// parser would) wrapped in a csvio.Panic.
type panicFormat struct{ wrapped bool }

func (panicFormat) Name() string              { return "buggy" }
func (panicFormat) Detect(fs.FS) format.Match { return format.HeaderMatch }
func (panicFormat) Write(context.Context, format.Dest, *roster.Roster, format.Options, roster.Reporter) error {
	return nil
}

func (f panicFormat) Read(context.Context, fs.FS, format.Options, roster.Sink, roster.Reporter) (format.Info, error) {
	var idx []int
	i := -1
	defer func() {
		if v := recover(); v != nil && f.wrapped {
			panic(&csvio.Panic{Value: v, Stack: []byte("goroutine 7 [running]:\nparser")})
		} else if v != nil {
			panic(v)
		}
	}()
	_ = idx[i+len(idx)] // index out of range [-1]
	return format.Info{}, nil
}

// A panic anywhere in a command is exit 3 with a request to report it, and no stack trace
// unless ROSTERSYNC_DEBUG is set.
func TestPanicIsExit3(t *testing.T) {
	file := filepath.Join(t.TempDir(), "students.csv")
	if err := os.WriteFile(file, []byte("STUDENT_ID\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, wrapped := range []bool{false, true} {
		for _, debug := range []string{"", "1"} {
			var out, errOut bytes.Buffer
			deps := &Deps{
				IO:      &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
				Formats: format.NewRegistry(panicFormat{wrapped: wrapped}),
				Getenv: func(k string) string {
					if k == "ROSTERSYNC_DEBUG" {
						return debug
					}
					return ""
				},
			}
			code := Run(t.Context(), deps, []string{"validate", file})
			if code != ExitLocal {
				t.Errorf("wrapped %v debug %q: exit %d, want %d", wrapped, debug, code, ExitLocal)
			}
			if !strings.Contains(errOut.String(), "please report") || !strings.Contains(errOut.String(), "index out of range") {
				t.Errorf("stderr %q does not ask to report the bug", errOut.String())
			}
			stack := strings.Contains(out.String()+errOut.String(), "goroutine ")
			if stack != (debug != "") {
				t.Errorf("debug %q: stack trace shown %v (stdout %q, stderr %q)", debug, stack, out.String(), errOut.String())
			}
		}
	}
}
