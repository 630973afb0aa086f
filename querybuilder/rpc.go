package querybuilder

import (
	"net/http"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// RPCPlan is a built function call: the statement, and what the gateway
// needs to know about the function to shape the response.
type RPCPlan struct {
	*Plan
	// Function is the overload the request resolved to.
	Function *catalog.Function
}

// Set reports whether the body is an array of rows or values (the function
// returns a set) rather than one value or object.
func (p *RPCPlan) Set() bool { return p.Function.ReturnsSet }

// Void reports whether the function returns void: the body is then NULL
// and PostgREST answers 204 No Content.
func (p *RPCPlan) Void() bool { return p.Function.Returns == catalog.ReturnVoid }

// BuildRPC builds the one statement that calls the function r names:
// r.Resource is the function's name and r.Schema its schema, and r.Method
// is GET, HEAD or POST. The arguments come from the query string (GET and
// HEAD) or the body (POST), and choose the overload by their names. The
// statement has the five-column shape of [Build]'s statements:
//
//	SELECT count(*), <total or -1>, <body>, <headers>, <status>
//	FROM (SELECT <select> FROM "s"."fn"("a" := $1::integer) AS "fn"
//	      WHERE ... ORDER BY ... LIMIT n OFFSET m) pgrst_t
//
// A function returning rows (SETOF, TABLE, a row type, OUT arguments)
// takes select, filters, order, limit and offset like a table; its body
// is a JSON array, or one object when it returns a single row. One that
// returns a table's rows (SETOF t, or t) also embeds what t embeds. A scalar
// function's body is its value as JSON, a set of scalars is an array of
// values, and a void function has no body.
//
// The plan is read-only for GET and HEAD, and for POST to a STABLE or
// IMMUTABLE function. Every error is an *Error.
func BuildRPC(cat *catalog.Catalog, r *Request) (*RPCPlan, error) {
	p, err := buildRPC(cat, r)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func buildRPC(cat *catalog.Catalog, r *Request) (*RPCPlan, *Error) {
	schema := r.Schema
	if schema == "" && len(cat.Schemas) > 0 {
		schema = cat.Schemas[0]
	}
	switch r.Method {
	case "GET", "HEAD", "POST":
	default:
		return nil, &Error{
			Status:  http.StatusMethodNotAllowed,
			Code:    "PGRST101",
			Message: "Cannot use the " + r.Method + " method on RPC",
		}
	}
	if err := r.Prefer.StrictError(); err != nil {
		return nil, err
	}

	// The query string shapes the result; on GET it also holds the
	// arguments.
	q, err := parseQuery(r.RawQuery)
	if err != nil {
		return nil, err
	}
	if !r.AggregatesEnabled && usesAggregates(q.Select) {
		return nil, aggregatesDisabled()
	}
	in, err := rpcInput(r)
	if err != nil {
		return nil, err
	}

	// The overload and its arguments.
	fn, err := resolve(cat, schema, r.Resource, in)
	if err != nil {
		return nil, err
	}
	args, err := in.bind(fn)
	if err != nil {
		return nil, err
	}
	if r.Prefer.Handling == "strict" && r.Prefer.MaxAffected >= 0 && !fn.ReturnsSet {
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    "PGRST128",
			Message: "Function must return SETOF or TABLE when max-affected preference is used with handling=strict",
		}
	}

	plan, err := callSQL(fn, callRelation(cat, fn), args, q, r)
	if err != nil {
		return nil, err
	}
	plan.ReadOnly = r.Method != "POST" || fn.ReadOnly()
	return &RPCPlan{Plan: plan, Function: fn}, nil
}
