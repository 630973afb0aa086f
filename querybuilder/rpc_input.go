package querybuilder

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// callInput is what a request offers as a function's arguments, before an
// overload is chosen.
type callInput struct {
	// named holds the arguments by name: from the query string (GET,
	// HEAD), from a form body, or from the keys of a JSON object body.
	named map[string]argValue
	// body is the whole request body, for a function that takes it as
	// its one argument.
	body []byte
	// bodyType is the single-argument type the body's media type calls
	// for: "text", "bytea" or "xml"; empty for JSON and forms.
	bodyType string
	// jsonBody is true for a POST whose body is JSON: a function with a
	// single unnamed json or jsonb argument may take all of it.
	jsonBody bool
	// singleObject is Prefer: params=single-object: the whole JSON body is
	// the one json or jsonb argument, whatever its name.
	singleObject bool
}

// argValue is one offered argument: a JSON value, or the texts of a query
// string or form key (several when the key repeats).
type argValue struct {
	json  json.RawMessage
	texts []string
}

// reservedParams are the query parameters that never name an argument.
var reservedParams = map[string]bool{
	"select": true, "columns": true, "on_conflict": true,
	"order": true, "limit": true, "offset": true, "and": true, "or": true,
	"not.and": true, "not.or": true,
}

// rpcInput collects the arguments r offers.
func rpcInput(r *Request) (*callInput, *Error) {
	in := &callInput{named: map[string]argValue{}}
	if r.Method != "POST" {
		return in, queryArgs(r.RawQuery, in)
	}

	switch r.ContentType {
	case "text/plain":
		in.body, in.bodyType = r.Body, "text"
	case "application/octet-stream":
		in.body, in.bodyType = r.Body, "bytea"
	case "text/xml":
		in.body, in.bodyType = r.Body, "xml"
	case "application/x-www-form-urlencoded":
		return in, formArgs(r.Body, in)
	default:
		return in, jsonArgs(r, in)
	}
	return in, nil
}

// queryArgs takes the query parameters that are neither reserved nor
// filters as arguments, as PostgREST does: a value that starts like an
// operator (eq., in., not. ...) is a filter on the result.
func queryArgs(raw string, in *callInput) *Error {
	params, err := splitQuery(raw)
	if err != nil {
		return err
	}
	for _, p := range params {
		if reservedParams[p.key] || strings.Contains(p.key, ".") || hasOperator(p.value) {
			continue
		}
		v := in.named[p.key]
		v.texts = append(v.texts, p.value)
		in.named[p.key] = v
	}
	return nil
}

// formArgs takes the arguments of an application/x-www-form-urlencoded
// body.
func formArgs(body []byte, in *callInput) *Error {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return invalidBody(err.Error())
	}
	for k, vs := range values {
		in.named[k] = argValue{texts: vs}
	}
	return nil
}

// jsonArgs reads a JSON body: an object's keys are the arguments. An
// empty body is an empty object. Any other JSON value can only be the
// single argument of a json or jsonb function.
//
// TODO: a JSON array of argument objects (PostgREST's bulk call, one call
// per element) is not supported; it answers 404 PGRST202 unless a function
// takes the whole body.
func jsonArgs(r *Request, in *callInput) *Error {
	body := bytes.TrimSpace(r.Body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		var v any
		return invalidBody(jsonDetails(json.Unmarshal(body, &v)))
	}
	in.body, in.jsonBody = body, true
	in.singleObject = r.Prefer.Params == "single-object"
	if body[0] != '{' {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return invalidBody(jsonDetails(err))
	}
	for k, v := range obj {
		in.named[k] = argValue{json: v}
	}
	return nil
}

// isObject reports whether the offered arguments came as names (a query
// string, a form or a JSON object) rather than as one raw body.
func (in *callInput) isObject() bool {
	return in.bodyType == "" && (!in.jsonBody || in.body[0] == '{')
}

// keys returns the offered argument names, sorted.
func (in *callInput) keys() []string {
	keys := make([]string, 0, len(in.named))
	for k := range in.named {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hasKeys reports whether every offered name is in names.
func (in *callInput) hasOnly(names []string) bool {
	for k := range in.named {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}
