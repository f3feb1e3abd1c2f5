// Package formats holds the one list of roster formats rostersync knows. Adding a format is one
// package under formats/ and one line here.
package formats

import (
	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/formats/clever"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/formats/students"
	"github.com/rostersync/rostersync/pkg/format"
)

// Registry returns the registered formats; a tie in detection goes to the first. OneRoster and
// SDS v2.1 both have orgs.csv and users.csv with sourcedId first, but neither ties the other:
// OneRoster claims a header only with status or dateLastModified, SDS only without them (and
// never a set with manifest.csv).
func Registry() *format.Registry {
	return format.NewRegistry(oneroster.New(), sds.New(), students.New(), capti.New(), clever.New())
}
