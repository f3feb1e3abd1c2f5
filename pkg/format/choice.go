package format

import (
	"fmt"
	"slices"
	"strings"
)

// Choice is a setting of a format that takes one of a few words, through a flag (--capti-id)
// and a key of the format's profile section (capti.id); "" is the format's default. A profile's
// value ignores case; a flag's is spelled as Values spell it.
type Choice struct {
	Flag   string   // the flag's name, without --
	Key    string   // the key in a profile, with its section: "capti.id"
	Values []string // the words, as spelled
}

// Configured returns v, a profile's value, spelled as Values spell it, or an error naming the
// key and the words it takes.
func (c Choice) Configured(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if i := slices.IndexFunc(c.Values, func(w string) bool { return strings.EqualFold(w, v) }); i >= 0 {
		return c.Values[i], nil
	}
	return v, fmt.Errorf("%s %q: use %s", c.Key, v, c.or(func(w string) string { return w }))
}

// Check returns a *SettingError, with the flags to give instead, unless v (the flag's value
// over the profile's) is "" or one of Values.
func (c Choice) Check(v string) error {
	if v == "" || slices.Contains(c.Values, v) {
		return nil
	}
	return &SettingError{Err: fmt.Errorf("unknown --%s %q", c.Flag, v),
		Hint: "use " + c.or(func(w string) string { return "--" + c.Flag + " " + w })}
}

// FlagValues are the words, for shell completion (FlagValuer).
func (c Choice) FlagValues() map[string][]string { return map[string][]string{c.Flag: c.Values} }

// or lists the words as each shows them: "a or b", "a, b or c".
func (c Choice) or(show func(string) string) string {
	var out []string
	for _, w := range c.Values {
		out = append(out, show(w))
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}
