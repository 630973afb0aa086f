package querybuilder

import (
	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// OrderTerm is one term of ?order=: a field with an optional direction and
// nulls placement.
type OrderTerm struct {
	Field Field
	// Relation is set for terms on an embedded resource, rel(field).
	Relation string
	// Direction is "asc", "desc" or "" (the database default).
	Direction string
	// Nulls is "nullsfirst", "nullslast" or "".
	Nulls string
}

// parseOrder parses the order parameter: terms separated by commas, each
// field[.asc|.desc][.nullsfirst|.nullslast].
func parseOrder(s string) ([]OrderTerm, *Error) {
	c := newScanner("order", s)
	var terms []OrderTerm
	for {
		if err := c.node(maxOrderTerms); err != nil {
			return nil, err
		}
		c.skipSpaces()
		term, err := c.orderTerm()
		if err != nil {
			return nil, err
		}
		terms = append(terms, term)
		c.skipSpaces()
		if c.eof() {
			return terms, nil
		}
		if !c.accept(",") {
			return nil, c.unexpected(`delimiter (.), "," or end of input`)
		}
	}
}

// orderTerm reads one term.
func (c *scanner) orderTerm() (OrderTerm, *Error) {
	var term OrderTerm
	fld, err := c.field()
	if err != nil {
		return term, err
	}
	if len(fld.Path) == 0 && c.accept("(") {
		term.Relation = fld.Name
		if fld, err = c.field(); err != nil {
			return term, err
		}
		if !c.accept(")") {
			return term, c.unexpected(`")"`)
		}
	}
	term.Field = fld

	if c.accept(".") {
		switch {
		case c.accept("asc"):
			term.Direction = "asc"
		case c.accept("desc"):
			term.Direction = "desc"
		case c.accept("nullsfirst"):
			term.Nulls = "nullsfirst"
		case c.accept("nullslast"):
			term.Nulls = "nullslast"
		default:
			return term, c.unexpected(`"asc", "desc", "nullsfirst" or "nullslast"`)
		}
	}
	if term.Direction != "" && c.accept(".") {
		switch {
		case c.accept("nullsfirst"):
			term.Nulls = "nullsfirst"
		case c.accept("nullslast"):
			term.Nulls = "nullslast"
		default:
			return term, c.unexpected(`"nullsfirst" or "nullslast"`)
		}
	}
	if !c.eof() && c.peek() != ',' {
		return term, c.unexpected(`"," or end of input`)
	}
	return term, nil
}

// orderSQL renders order terms on table t qualified by qual.
func orderSQL(t *catalog.Table, qual string, terms []OrderTerm) ([]frag, *Error) {
	out := make([]frag, 0, len(terms))
	for _, term := range terms {
		if term.Relation != "" {
			return nil, notImplemented("ordering by embedded resources (" + term.Relation + ")")
		}
		expr, _, err := comparableFieldSQL(t, qual, term.Field)
		if err != nil {
			return nil, err
		}
		switch term.Direction {
		case "asc":
			expr.sql += " ASC"
		case "desc":
			expr.sql += " DESC"
		}
		switch term.Nulls {
		case "nullsfirst":
			expr.sql += " NULLS FIRST"
		case "nullslast":
			expr.sql += " NULLS LAST"
		}
		out = append(out, expr)
	}
	return out, nil
}
