package transport

import (
	"errors"
	"testing"
)

// A URL that cannot work is a configuration error (exit 2), whatever is wrong with it.
func TestParseURLErrorsAreConfig(t *testing.T) {
	for _, in := range []string{"sftp://ann:s3cret@h/x", "sftp:///x", "sftp://h:0/x", "sftp://h/x?y", "/local/path"} {
		if _, err := ParseURL(in); !errors.Is(err, ErrConfig) {
			t.Errorf("ParseURL(%q): %v is not ErrConfig", in, err)
		}
	}
	if _, err := ParseURL("sftp://ann@h:2222/Upload/"); err != nil {
		t.Fatal(err)
	}
}
