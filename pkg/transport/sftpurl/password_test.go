package sftpurl

import "testing"

func TestHasPassword(t *testing.T) {
	for in, want := range map[string]bool{
		"sftp://ann:s3cret@h/x":     true,
		"sftp://ann:@h/x":           true,
		"sftp://ann:pa/ss@h/x":      true,
		"sftp://ann:12/34@h/":       true,
		"sftp://ann@h:2222/x":       false,
		"sftp://h:2222/a%40b/":      false,
		"sftp://ann@h/dir@x/":       false,
		"sftp://[::1]:22/x":         false,
		"/local/ann:pa@ss":          false,
		"SFTP://ann:pw@h.example/x": true,
	} {
		if got := HasPassword(in); got != want {
			t.Errorf("HasPassword(%q) = %v, want %v", in, got, want)
		}
	}
}
