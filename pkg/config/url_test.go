package config

import (
	"errors"
	"strings"
	"testing"
)

// A profile's sftp:// source or destination is checked by the one URL parser when the file is
// loaded: a URL the transfer would refuse is a configuration error naming the key and the reason
// (never the URL, which may hold a secret), before any run starts.
func TestLoadChecksURLs(t *testing.T) {
	for _, tc := range []struct{ url, why string }{
		{"sftp://u@h:99999/x/", "bad port"},
		{"sftp://h/x?y", "percent-encoded"},
		{"sftp://::1/x/", "brackets"},
	} {
		_, _, err := loadText(t, "profiles:\n  p:\n    destination: "+tc.url+"\n")
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "destination is not a valid sftp:// URL") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: err = %v, want a configuration error naming destination and %q", tc.url, err, tc.why)
		}
		if err != nil && strings.Contains(err.Error(), tc.url) {
			t.Errorf("%s: the error repeats the URL: %v", tc.url, err)
		}
	}
}
