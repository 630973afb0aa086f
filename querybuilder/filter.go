package querybuilder

import "strings"

// Filter is one horizontal filter: field, operator and value, as in
// ?age=gte.18 or inside a logic tree.
type Filter struct {
	Field Field
	// Negate is true for the not. prefix.
	Negate bool
	// Op is the operator name: eq, neq, gt, gte, lt, lte, like, ilike,
	// match, imatch, cs, cd, ov, sl, sr, nxr, nxl, adj, isdistinct, in, is,
	// fts, plfts, phfts or wfts.
	Op string
	// Quantifier is "any" or "all" for op(any) and op(all), whose Value is
	// a PostgreSQL array literal such as {1,2}.
	Quantifier string
	// Value is the operand of single-value operators and of is (lower-cased:
	// null, not_null, true, false, unknown).
	Value string
	// List holds the elements of in.(a,b,c).
	List []string
	// Language is the text search configuration of fts(english).
	Language string
}

// quantifiable operators accept (any) and (all).
var quantifiable = map[string]bool{
	"eq": true, "gt": true, "gte": true, "lt": true, "lte": true,
	"like": true, "ilike": true, "match": true, "imatch": true,
}

// ftsOperators are the full-text search operators.
var ftsOperators = map[string]bool{"fts": true, "plfts": true, "phfts": true, "wfts": true}

// isValues are the operands of is.
var isValues = map[string]bool{"null": true, "not_null": true, "true": true, "false": true, "unknown": true}

// parseFilter parses the key and value of a filter parameter, such as
// "data->>a" and "not.eq.5".
func parseFilter(key, value string) (Filter, *Error) {
	// The value first, so a bad operator is reported even on an embedded
	// path, as PostgREST does.
	c := newScanner("filter", value)
	f, err := c.opExpr(func(c *scanner) (string, *Error) {
		v := c.rest()
		c.i = len(c.s)
		return v, nil
	})
	if err != nil {
		return Filter{}, err
	}
	if !c.eof() {
		return Filter{}, c.unexpected("end of input")
	}

	kc := newScanner("tree path", key)
	if f.Field, err = kc.field(); err != nil {
		return Filter{}, err
	}
	if !kc.eof() {
		if kc.peek() == '.' {
			return Filter{}, notImplemented("filters on embedded resources (" + key + ")")
		}
		return Filter{}, kc.unexpected(`"->", "->>", or end of input`)
	}
	return f, nil
}

// opExpr reads [not.]operator.value; single reads the value of
// single-value operators, which differs between a plain filter (the rest of
// the text) and a logic tree (up to the next ',' or ')').
func (c *scanner) opExpr(single func(*scanner) (string, *Error)) (Filter, *Error) {
	var f Filter
	if c.accept("not.") {
		f.Negate = true
	}

	// in and is
	switch {
	case c.accept("in."):
		f.Op = "in"
		list, err := c.list()
		f.List = list
		return f, err
	case c.accept("is."):
		f.Op = "is"
		start := c.i
		for !c.eof() && c.peek() != ',' && c.peek() != ')' {
			c.i++
		}
		f.Value = strings.ToLower(c.s[start:c.i])
		if !isValues[f.Value] {
			c.i = start
			return f, c.unexpected("null or trilean value (unknown, true, false)")
		}
		return f, nil
	}

	// operator name, then (language) or (any)/(all)
	start := c.i
	for !c.eof() && c.peek() != '.' && c.peek() != '(' {
		c.i++
	}
	f.Op = c.s[start:c.i]
	switch {
	case ftsOperators[f.Op]:
		if c.accept("(") {
			lang, ok := c.ident()
			if !ok || !c.accept(")") {
				return f, c.unexpected(`language name and ")"`)
			}
			f.Language = lang
		}
	case operators[f.Op] != "":
		if c.has("(") {
			switch {
			case !quantifiable[f.Op]:
				return f, c.unexpected("delimiter (.)")
			case c.accept("(any)"):
				f.Quantifier = "any"
			case c.accept("(all)"):
				f.Quantifier = "all"
			default:
				return f, c.unexpected(`"(any)" or "(all)"`)
			}
		}
	default:
		c.i = start
		if f.Op == "" && c.eof() {
			return f, c.unexpected("operator (eq, gt, ...)")
		}
		return f, c.fail("unknown single value operator " + f.Op)
	}
	if !c.accept(".") {
		return f, c.unexpected("delimiter (.)")
	}
	v, err := single(c)
	f.Value = v
	return f, err
}

// list reads (a,"b,c",d): elements separated by commas, each a quoted
// value (backslash escapes) or raw text up to the next ',' or ')'. The
// empty list () has no elements.
func (c *scanner) list() ([]string, *Error) {
	c.skipSpaces()
	if !c.accept("(") {
		return nil, c.unexpected(`"("`)
	}
	c.skipSpaces()
	if c.accept(")") {
		return []string{}, nil
	}
	var out []string
	for {
		v, err := c.element()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if c.accept(",") {
			continue
		}
		if c.accept(")") {
			c.skipSpaces()
			return out, nil
		}
		return nil, c.unexpected(`",", or ")"`)
	}
}

// element reads one list element or one logic-tree value: a quoted value
// when the closing quote is followed by ',' or ')' (or the end), else the
// raw text up to the next ',' or ')'.
func (c *scanner) element() (string, *Error) {
	if c.peek() == '"' {
		save := c.i
		v, err := c.quoted()
		if err == nil && (c.eof() || c.peek() == ',' || c.peek() == ')') {
			return v, nil
		}
		c.i = save
	}
	start := c.i
	for !c.eof() && c.peek() != ',' && c.peek() != ')' {
		c.i++
	}
	return c.s[start:c.i], nil
}
