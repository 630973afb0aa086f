package querybuilder

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// resolve chooses the overload of schema.name that the offered arguments
// call. PostgREST cannot tell overloads apart by the types of JSON values,
// so the choice goes by names alone:
//
//   - A text/plain, application/octet-stream or text/xml body calls the
//     function whose one unnamed argument is text, bytea or xml.
//   - Prefer: params=single-object calls the function whose one argument
//     is json or jsonb, with the whole body.
//   - Otherwise a function matches when every offered name is one of its
//     input arguments and every argument without a default is offered.
//     When none does, a JSON body may still call a function whose one
//     unnamed argument is json or jsonb.
//
// No match answers 404 PGRST202; more than one answers 300 PGRST203.
func resolve(cat *catalog.Catalog, schema, name string, in *callInput) (*catalog.Function, *Error) {
	overloads := cat.Overloads(schema, name)
	var found []*catalog.Function
	switch {
	case in.bodyType != "":
		found = filterFns(overloads, func(f *catalog.Function) bool {
			return singleArg(f, true, in.bodyType)
		})
	case in.singleObject:
		found = filterFns(overloads, func(f *catalog.Function) bool {
			return singleArg(f, false, "json", "jsonb")
		})
	default:
		if in.isObject() {
			found = filterFns(overloads, in.matchesNames)
		}
		if len(found) == 0 && in.jsonBody {
			found = filterFns(overloads, func(f *catalog.Function) bool {
				return singleArg(f, true, "json", "jsonb")
			})
		}
	}

	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, functionNotFound(cat, schema, name, in)
	}
	sigs := make([]string, len(found))
	for i, f := range found {
		sigs[i] = signature(f, true)
	}
	return nil, &Error{
		Status:  http.StatusMultipleChoices,
		Code:    "PGRST203",
		Message: "Could not choose the best candidate function between: " + strings.Join(sigs, ", "),
		Hint: "Try renaming the parameters or the function itself in the database " +
			"so function overloading can be resolved",
	}
}

// matchesNames reports whether f can be called with exactly the offered
// names.
func (in *callInput) matchesNames(f *catalog.Function) bool {
	names := make([]string, 0, len(f.Args))
	for _, a := range f.Args {
		if a.Name == "" && !a.HasDefault {
			return false
		}
		names = append(names, a.Name)
	}
	if !in.hasOnly(names) {
		return false
	}
	for _, req := range f.Required() {
		if _, ok := in.named[req]; !ok {
			return false
		}
	}
	return true
}

// singleArg reports whether f has exactly one input argument, of one of
// the given types, and (when unnamed is true) without a name.
func singleArg(f *catalog.Function, unnamed bool, types ...string) bool {
	if len(f.Args) != 1 {
		return false
	}
	a := f.Args[0]
	return (!unnamed || a.Name == "") && !a.Variadic && slices.Contains(types, a.Type)
}

func filterFns(fns []*catalog.Function, keep func(*catalog.Function) bool) []*catalog.Function {
	var out []*catalog.Function
	for _, f := range fns {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

// signature renders f as schema.name(a => integer, b => text) when typed,
// else as schema.name(a, b).
func signature(f *catalog.Function, typed bool) string {
	parts := make([]string, len(f.Args))
	for i, a := range f.Args {
		switch {
		case typed && a.Name != "":
			parts[i] = a.Name + " => " + a.Type
		case typed:
			parts[i] = a.Type
		default:
			parts[i] = a.Name
		}
	}
	return f.Schema + "." + f.Name + "(" + strings.Join(parts, ", ") + ")"
}

// functionNotFound is PGRST202. Its hint suggests an overload of the same
// name, or else the function of the schema whose name is closest.
func functionNotFound(cat *catalog.Catalog, schema, name string, in *callInput) *Error {
	keys := in.keys()
	what := fmt.Sprintf("%s.%s(%s)", schema, name, strings.Join(keys, ", "))
	searched := "with the parameters " + strings.Join(keys, ", ")
	if len(keys) == 0 {
		what = schema + "." + name + " without parameters"
		searched = "without parameters"
	}
	if in.bodyType != "" {
		what = fmt.Sprintf("%s.%s(%s)", schema, name, in.bodyType)
		searched = "with a single unnamed " + in.bodyType + " parameter"
	} else if in.jsonBody {
		searched += " or with a single unnamed json/jsonb parameter"
	}

	e := &Error{
		Status:  http.StatusNotFound,
		Code:    "PGRST202",
		Message: "Could not find the function " + what + " in the schema cache",
		Details: "Searched for the function " + schema + "." + name + " " + searched +
			", but no matches were found in the schema cache.",
	}
	if s := suggestFunction(cat, schema, name); s != "" {
		e.Hint = "Perhaps you meant to call the function " + s
	}
	return e
}

// suggestFunction names the overload of schema.name with the fewest
// arguments, or else the function of schema whose name is nearest by edit
// distance (at most two edits, or a third of the name's length, away).
func suggestFunction(cat *catalog.Catalog, schema, name string) string {
	if fns := cat.Overloads(schema, name); len(fns) > 0 {
		best := fns[0]
		for _, f := range fns[1:] {
			if len(f.Args) < len(best.Args) {
				best = f
			}
		}
		return signature(best, false)
	}

	// PostgreSQL names are at most 63 bytes; a longer request names
	// nothing, and measuring it against every function would cost.
	if len(name) > 63 {
		return ""
	}
	var names []string
	for n := range cat.Functions {
		if n.Schema == schema {
			names = append(names, n.Name)
		}
	}
	sort.Strings(names)
	bestName, bestDist := "", max(len(name)/3, 2)+1
	for _, n := range names {
		if d := EditDistance(name, n); d < bestDist {
			bestName, bestDist = n, d
		}
	}
	if bestName == "" {
		return ""
	}
	return schema + "." + bestName
}

// EditDistance is the Levenshtein distance between a and b, in bytes: the
// measure of the "did you mean" hints, here and in the configuration reader.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
