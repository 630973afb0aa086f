package querybuilder

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Prefer holds the preferences of a Prefer header (RFC 7240) that rowgate
// understands. Zero values mean "not given".
type Prefer struct {
	// Return is "minimal", "representation" or "headers-only".
	Return string
	// Count is "exact", "planned" or "estimated".
	Count string
	// Resolution is "merge-duplicates" or "ignore-duplicates".
	Resolution string
	// Missing is "default" or "null".
	Missing string
	// Handling is "strict" or "lenient".
	Handling string
	// Tx is "commit" or "rollback".
	Tx string
	// Params is "single-object": a function call passes the whole JSON
	// body as its one json or jsonb argument.
	Params string
	// MaxAffected is the max-affected value, or -1 when absent.
	MaxAffected int64
	// Timezone is the timezone preference.
	Timezone string
	// Invalid lists preferences that were not understood, for
	// handling=strict.
	Invalid []string
}

// preferValues lists the accepted values of each preference with a fixed
// set of values.
var preferValues = map[string][]string{
	"return":     {"minimal", "representation", "headers-only"},
	"count":      {"exact", "planned", "estimated"},
	"resolution": {"merge-duplicates", "ignore-duplicates"},
	"missing":    {"default", "null"},
	"handling":   {"strict", "lenient"},
	"tx":         {"commit", "rollback"},
	"params":     {"single-object"},
}

// ParsePrefer parses every Prefer header value of a request. Each value is
// a comma-separated list of name=value preferences (RFC 7240); when a
// preference repeats, the first occurrence wins. Anything not understood,
// including known names with unknown values, goes to Invalid as written.
func ParsePrefer(values []string) Prefer {
	p := Prefer{MaxAffected: -1}
	seen := map[string]bool{}
	for _, header := range values {
		for _, item := range strings.Split(header, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if !p.apply(item, seen) {
				p.Invalid = append(p.Invalid, item)
			}
		}
	}
	return p
}

// apply records one preference and reports whether it was understood.
func (p *Prefer) apply(item string, seen map[string]bool) bool {
	name, value, ok := strings.Cut(item, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	value = strings.Trim(strings.TrimSpace(value), `"`)
	if !ok || value == "" {
		return false
	}
	if seen[name] {
		return true
	}

	switch name {
	case "max-affected":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return false
		}
		p.MaxAffected = n
	case "timezone":
		p.Timezone = value
	default:
		if !slices.Contains(preferValues[name], value) {
			return false
		}
		*p.field(name) = value
	}
	seen[name] = true
	return true
}

// field returns the field that holds a preference with a fixed value set.
func (p *Prefer) field(name string) *string {
	switch name {
	case "return":
		return &p.Return
	case "count":
		return &p.Count
	case "resolution":
		return &p.Resolution
	case "missing":
		return &p.Missing
	case "handling":
		return &p.Handling
	case "params":
		return &p.Params
	default:
		return &p.Tx
	}
}

// StrictError is PostgREST's answer to preferences it did not understand
// when handling=strict was asked for (400 PGRST122), or nil.
func (p Prefer) StrictError() *Error {
	if p.Handling != "strict" || len(p.Invalid) == 0 {
		return nil
	}
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST122",
		Message: "Invalid preferences given with handling=strict",
		Details: "Invalid preferences: " + strings.Join(p.Invalid, ", "),
	}
}
