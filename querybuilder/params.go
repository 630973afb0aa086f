package querybuilder

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Query is a parsed query string: the select tree, filters, logic trees,
// order, paging and the write parameters. It does not depend on the
// catalog; Build checks names against it afterwards.
type Query struct {
	// Select is the select tree; nil means *.
	Select []SelectItem
	// Filters and Logic are ANDed together.
	Filters []Filter
	Logic   []LogicTree
	Order   []OrderTerm
	// Limit is -1 and Offset is -1 when absent.
	Limit  int64
	Offset int64
	// Columns is the columns= list; nil when absent.
	Columns []string
	// OnConflict is the on_conflict= list; nil when absent.
	OnConflict []string
	// Embedded holds the filters, logic trees, order, limit and offset
	// aimed at embedded resources, by the embed's alias or name; nested
	// embeds nest. Nil when there are none.
	Embedded map[string]*Query
	// Unknown holds the parameters that are neither reserved nor filters:
	// function arguments for RPC, which table reads ignore as PostgREST
	// does. Writes refuse them (see guardUnknown).
	Unknown []string
}

// param is one decoded key=value pair of the query string.
type param struct{ key, value string }

// splitQuery splits a raw query string on '&' and the first '=' of each
// part and decodes both sides as net/url does ('+' is a space). Order and
// repeated keys are kept; parts without '=' carry no value and are dropped,
// as PostgREST drops them.
func splitQuery(raw string) ([]param, *Error) {
	var out []param
	for _, part := range strings.Split(raw, "&") {
		k, v, ok := strings.Cut(part, "=")
		if part == "" || !ok {
			continue
		}
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, parseError("query string", part, 0, "invalid percent-encoding")
		}
		out = append(out, param{key, value})
	}
	return out, nil
}

// ParseQuery parses a raw (still percent-encoded) query string with
// PostgREST's grammar. Errors are *Error values with status 400.
func ParseQuery(raw string) (*Query, error) {
	q, err := parseQuery(raw)
	if err != nil {
		return nil, err
	}
	return q, nil
}

func parseQuery(raw string) (*Query, *Error) {
	params, err := splitQuery(raw)
	if err != nil {
		return nil, err
	}
	if len(params) > maxParams {
		return nil, tooLarge(fmt.Sprintf("the query string has %d parameters; at most %d are allowed",
			len(params), maxParams))
	}
	q := &Query{Limit: -1, Offset: -1}
	seen := map[string]bool{}
	for _, p := range params {
		if err := q.add(p, seen); err != nil {
			return nil, err
		}
	}
	if err := checkSize(q); err != nil {
		return nil, err
	}
	return q, nil
}

// add sorts one parameter into the query.
func (q *Query) add(p param, seen map[string]bool) *Error {
	var err *Error
	last := p.key[strings.LastIndex(p.key, ".")+1:]
	embedded := strings.Contains(p.key, ".")

	switch {
	case p.key == "select" || p.key == "columns" || p.key == "on_conflict":
		// The first occurrence wins.
		if seen[p.key] {
			return nil
		}
		seen[p.key] = true
		switch p.key {
		case "select":
			q.Select, err = parseSelect(p.value)
		case "columns":
			q.Columns, err = parseColumns("columns parameter", p.value)
		default:
			q.OnConflict, err = parseColumns("on_conflict parameter", p.value)
		}
	case last == "and" || last == "or":
		err = q.addLogic(p.key, p.value)
	case embedded && (last == "order" || last == "limit" || last == "offset"):
		err = q.addEmbedded(p.key, last, p.value)
	case p.key == "order":
		var terms []OrderTerm
		terms, err = parseOrder(p.value)
		q.Order = append(q.Order, terms...)
	case p.key == "limit":
		q.Limit, err = parseCount("limit parameter", p.value)
	case p.key == "offset":
		q.Offset, err = parseCount("offset parameter", p.value)
	case embedded || hasOperator(p.value):
		err = q.addFilter(p.key, p.value)
	default:
		// Anything else is a function argument, which table reads ignore.
		q.Unknown = append(q.Unknown, p.key+"="+p.value)
	}
	return err
}

// hasOperator tells filters from other parameters the way PostgREST does:
// by whether the value starts with something that looks like an operator.
func hasOperator(v string) bool {
	parts := strings.Split(v, ".")
	switch {
	case parts[0] == "not" && len(parts) > 1, parts[0] == "is", parts[0] == "in":
		return true
	}
	// A '(' starts a language (fts) or a quantifier (any/all); whether
	// what follows is valid is the filter parser's business.
	op := parts[0]
	if i := strings.IndexByte(op, '('); i >= 0 {
		op = op[:i]
	}
	return operators[op] != "" || ftsOperators[op]
}

// parseColumns parses a comma-separated list of field names.
func parseColumns(what, s string) ([]string, *Error) {
	c := newScanner(what, s)
	var out []string
	for {
		name, err := c.fieldName()
		if err != nil {
			return nil, err
		}
		out = append(out, name)
		c.skipSpaces()
		if c.eof() {
			return out, nil
		}
		if !c.accept(",") {
			return nil, c.unexpected(`",", or end of input`)
		}
	}
}

// parseCount parses a non-negative limit or offset.
func parseCount(what, s string) (int64, *Error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		c := newScanner(what, s)
		return 0, c.unexpected("digit")
	}
	return n, nil
}
