// Package formats holds the one list of roster formats rostersync knows. Adding a format is one
// package under formats/ and one line here.
package formats

import (
	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/formats/clever"
	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/students"
	"github.com/rostersync/rostersync/pkg/format"
)

// Registry returns the registered formats in detection precedence order.
func Registry() *format.Registry {
	return format.NewRegistry(oneroster.New(), students.New(), capti.New(), clever.New())
}
