package main

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/parley-voice/parley/clientip"
)

// kind is what a setting holds, which decides the TOML types its key
// takes in the config file.
type kind int

const (
	kindString   kind = iota // a TOML string
	kindDuration             // a TOML string such as "400ms"
	kindInt                  // a TOML integer
	kindFloat                // a TOML float or integer
	kindBool                 // a TOML boolean
	kindList                 // a TOML array of strings, or one comma-separated string
)

// value is a flag.Value bound to one field of the configuration, so that a
// flag, an environment variable and a config file key all set the field
// the same way, and the field's initial value (its package's default) is
// the flag's default.
type value[T any] struct {
	p      *T
	kind   kind
	parse  func(string) (T, error)
	format func(T) string
}

func (v *value[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v *value[T]) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return v.format(*v.p)
}

// Get makes value a flag.Getter.
func (v *value[T]) Get() any { return *v.p }

// IsBoolFlag lets a boolean flag stand alone (--engine-disable-flite).
func (v *value[T]) IsBoolFlag() bool { return v.kind == kindBool }

func (v *value[T]) valueKind() kind { return v.kind }

// The errors of values that do not parse, worded as the flag package's.
var (
	errParse = errors.New("parse error")
	errRange = errors.New("value out of range")
)

// kinded is a value of any type.
type kinded interface{ valueKind() kind }

func stringVal(p *string) *value[string] {
	return &value[string]{p: p, kind: kindString,
		parse: func(s string) (string, error) { return s, nil }, format: func(s string) string { return s }}
}

func intVal(p *int) *value[int] {
	return &value[int]{p: p, kind: kindInt,
		parse: func(s string) (int, error) {
			n, err := strconv.ParseInt(s, 0, strconv.IntSize)
			return int(n), numError(err)
		},
		format: strconv.Itoa}
}

func int64Val(p *int64) *value[int64] {
	return &value[int64]{p: p, kind: kindInt,
		parse: func(s string) (int64, error) {
			n, err := strconv.ParseInt(s, 0, 64)
			return n, numError(err)
		},
		format: func(n int64) string { return strconv.FormatInt(n, 10) }}
}

func floatVal(p *float64) *value[float64] {
	return &value[float64]{p: p, kind: kindFloat,
		parse: func(s string) (float64, error) {
			f, err := strconv.ParseFloat(s, 64)
			return f, numError(err)
		},
		format: func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }}
}

func boolVal(p *bool) *value[bool] {
	return &value[bool]{p: p, kind: kindBool, parse: parseBool, format: strconv.FormatBool}
}

// notVal is a boolean setting that holds the opposite of the field, for a
// flag that turns off what the configuration turns on.
func notVal(p *bool) *value[bool] {
	return &value[bool]{p: p, kind: kindBool,
		parse:  func(s string) (bool, error) { b, err := parseBool(s); return !b, err },
		format: func(b bool) string { return strconv.FormatBool(!b) }}
}

func durationVal(p *time.Duration) *value[time.Duration] {
	return &value[time.Duration]{p: p, kind: kindDuration, parse: time.ParseDuration, format: fmtDuration}
}

// listVal is a comma-separated list; "" is the empty list, not nil.
func listVal(p *[]string) *value[[]string] {
	return &value[[]string]{p: p, kind: kindList,
		parse:  func(s string) ([]string, error) { return splitList(s), nil },
		format: func(l []string) string { return strings.Join(l, ",") }}
}

func prefixesVal(p *[]netip.Prefix) *value[[]netip.Prefix] {
	return &value[[]netip.Prefix]{p: p, kind: kindList, parse: clientip.ParsePrefixes,
		format: func(ps []netip.Prefix) string {
			s := make([]string, len(ps))
			for i, p := range ps {
				s[i] = p.String()
			}
			return strings.Join(s, ",")
		}}
}

func splitList(v string) []string {
	out := []string{}
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, errParse
	}
	return b, nil
}

// numError drops strconv's repetition of the input, which the caller's
// message already quotes.
func numError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, strconv.ErrRange):
		return errRange
	}
	return errParse
}

// fmtDuration writes d as time.Duration.String does, without the zero
// units it ends with: 168h, not 168h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
