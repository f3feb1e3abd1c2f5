package atomicfile

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// Outputs to a stream (stdout) write nothing until Commit: a write that is refused or fails
// halfway leaves the stream empty, not holding a header or half a file.
func TestStreamOutputsWriteOnCommit(t *testing.T) {
	for _, zipped := range []bool{false, true} {
		for _, commit := range []bool{false, true} {
			var out bytes.Buffer
			o := NewStream(&out)
			if zipped {
				o = NewZipStream(&out)
			}
			w, err := o.Create("roster.csv")
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, "email,password\n") //nolint:errcheck // a buffer or a file
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.Len() != 0 {
				t.Errorf("zip %v: %d bytes on the stream before Commit", zipped, out.Len())
			}
			if !commit {
				o.Abort()
				if out.Len() != 0 {
					t.Errorf("zip %v: %q on the stream after Abort", zipped, out.String())
				}
				continue
			}
			if err := o.Commit(); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if zipped {
				zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
				if err != nil {
					t.Fatalf("not a zip: %v", err)
				}
				f, err := zr.Open("roster.csv")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(f)
				got = string(b)
			}
			if got != "email,password\n" {
				t.Errorf("zip %v: the stream holds %q after Commit", zipped, got)
			}
		}
	}
}
