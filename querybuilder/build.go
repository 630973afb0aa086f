package querybuilder

import (
	"net/http"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// Build parses r's query string and body and builds the one statement that
// answers r on the table or view r names. Every error is an *Error with
// the status and code PostgREST would answer with.
func Build(cat *catalog.Catalog, r *Request) (*Plan, error) {
	p, err := build(cat, r)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func build(cat *catalog.Catalog, r *Request) (*Plan, *Error) {
	// The relation.
	schema := r.Schema
	if schema == "" && len(cat.Schemas) > 0 {
		schema = cat.Schemas[0]
	}
	t, ok := cat.Table(schema, r.Resource)
	if !ok {
		return nil, tableNotFound(schema, r.Resource)
	}

	// The preferences that need checking before anything runs.
	if err := r.Prefer.StrictError(); err != nil {
		return nil, err
	}

	q, err := parseQuery(r.RawQuery)
	if err != nil {
		return nil, err
	}
	if err := guardUnknown(q, r.Method); err != nil {
		return nil, err
	}
	if !r.AggregatesEnabled && usesAggregates(q.Select) {
		return nil, aggregatesDisabled()
	}
	switch r.Method {
	case "GET", "HEAD":
		return buildRead(t, q, r)
	case "POST":
		return buildInsert(t, q, r)
	case "PATCH":
		return buildUpdate(t, q, r)
	case "PUT":
		return buildPut(t, q, r)
	case "DELETE":
		return buildDelete(t, q, r)
	default:
		return nil, &Error{
			Status:  http.StatusMethodNotAllowed,
			Code:    "PGRST117",
			Message: "Unsupported HTTP method: " + r.Method,
		}
	}
}

// guardUnknown refuses a write whose query string holds a parameter that is
// not a filter, such as a mistyped operator (id=eqq.6). PostgREST ignores
// such parameters everywhere, so a typo turns a one-row PATCH or DELETE
// into one that touches every row the caller may reach; rowgate answers
// with the parse error PostgREST gives for a bad operator instead. Reads
// keep PostgREST's behaviour: ignoring the parameter there loses nothing.
func guardUnknown(q *Query, method string) *Error {
	if len(q.Unknown) == 0 || method == "GET" || method == "HEAD" || method == "POST" {
		return nil
	}
	_, value, _ := strings.Cut(q.Unknown[0], "=")
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST100",
		Message: "\"failed to parse filter (" + value + ")\" (line 1, column 1)",
		Details: "unknown operator in " + q.Unknown[0] +
			"; rowgate refuses to change rows with a filter it cannot read",
	}
}
