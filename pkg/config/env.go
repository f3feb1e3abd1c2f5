package config

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix starts the name of every environment variable rostersync reads for a flag.
const EnvPrefix = "ROSTERSYNC_"

// EnvError is an environment variable whose value its flag refuses.
type EnvError struct {
	Var, Value string
	Err        error
}

func (e *EnvError) Error() string { return fmt.Sprintf("%s=%q: %v", e.Var, e.Value, e.Err) }
func (e *EnvError) Unwrap() error { return e.Err }

// ApplyEnv gives each flag of names that the command line left unset its value from the
// environment variable ROSTERSYNC_<NAME> ("-" read as "_"), as getenv reports it: a flag on
// the command line wins over the environment, which wins over the flag's default.
//
// Viper settles the order (a changed flag, then the variable, then the default). Viper itself
// reads no environment here (it can only read the process's own): the values getenv gives are
// its defaults, so a caller that injects an environment is the only source.
func ApplyEnv(flags *pflag.FlagSet, getenv func(string) string, names ...string) error {
	v := viper.New()
	for _, name := range names {
		f := flags.Lookup(name)
		if f == nil {
			continue
		}
		env := EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		val := getenv(env)
		if val == "" {
			continue
		}
		v.SetDefault(name, val)
		if err := v.BindPFlag(name, f); err != nil {
			return err
		}
		if f.Changed {
			continue
		}
		if err := f.Value.Set(v.GetString(name)); err != nil {
			return &EnvError{Var: env, Value: val, Err: err}
		}
	}
	return nil
}
