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

// Registry returns the registered formats in detection precedence order. SDS v2.1 comes before
// OneRoster: both have orgs.csv and users.csv with sourcedId first, and SDS claims a set only
// by headers OneRoster's files never have (and never one with manifest.csv).
func Registry() *format.Registry {
	return format.NewRegistry(oneroster.New(), sds.New(), students.New(), capti.New(), clever.New())
}
