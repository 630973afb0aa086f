package querybuilder

import (
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// LogicTree is an and/or tree of filters from ?or=(...), ?and=(...) and
// their not. forms, nested to any depth.
type LogicTree struct {
	// Filter is set on leaves; the other fields then are unused.
	Filter *Filter
	// Negate is true for not.and / not.or.
	Negate bool
	// Or is true for or, false for and.
	Or       bool
	Children []LogicTree
}

// parseLogic parses a logic parameter: key is and, or, not.and or not.or,
// value the parenthesized list.
func parseLogic(key, value string) (LogicTree, *Error) {
	var tree LogicTree
	op := key
	if strings.HasPrefix(op, "not.") {
		tree.Negate = true
		op = strings.TrimPrefix(op, "not.")
	}
	if op != "and" && op != "or" {
		return tree, notImplemented("logic trees on embedded resources (" + key + ")")
	}
	tree.Or = op == "or"

	c := newScanner("logic tree", value)
	children, err := c.logicChildren()
	if err != nil {
		return tree, err
	}
	c.skipSpaces()
	if !c.eof() {
		return tree, c.unexpected("end of input")
	}
	tree.Children = children
	return tree, nil
}

// logicChildren reads (item,item,...).
func (c *scanner) logicChildren() ([]LogicTree, *Error) {
	c.skipSpaces()
	if !c.accept("(") {
		return nil, c.unexpected(`"("`)
	}
	var out []LogicTree
	for {
		c.skipSpaces()
		child, err := c.logicItem()
		if err != nil {
			return nil, err
		}
		out = append(out, child)
		c.skipSpaces()
		if c.accept(",") {
			continue
		}
		if c.accept(")") {
			return out, nil
		}
		return nil, c.unexpected(`",", or ")"`)
	}
}

// logicItem reads a nested [not.]and(...) / [not.]or(...) or a filter
// field.op.value.
func (c *scanner) logicItem() (LogicTree, *Error) {
	if err := c.node(maxConditions); err != nil {
		return LogicTree{}, err
	}
	for _, form := range []struct {
		prefix string
		neg    bool
		or     bool
	}{
		{"not.and(", true, false}, {"not.or(", true, true},
		{"and(", false, false}, {"or(", false, true},
	} {
		if c.has(form.prefix) {
			c.i += len(form.prefix) - 1
			if err := c.enter(); err != nil {
				return LogicTree{}, err
			}
			children, err := c.logicChildren()
			c.leave()
			return LogicTree{Negate: form.neg, Or: form.or, Children: children}, err
		}
	}

	if c.eof() || c.peek() == ')' {
		return LogicTree{}, c.unexpected("field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)")
	}
	fld, err := c.field()
	if err != nil {
		return LogicTree{}, err
	}
	if !c.accept(".") {
		return LogicTree{}, c.unexpected("delimiter (.)")
	}
	f, err := c.opExpr(logicValue)
	if err != nil {
		return LogicTree{}, err
	}
	f.Field = fld
	return LogicTree{Filter: &f}, nil
}

// logicValue reads a single value inside a logic tree: a quoted value, a
// {...} array literal, or raw text up to the next ',' or ')'.
func logicValue(c *scanner) (string, *Error) {
	if c.peek() == '{' {
		end := strings.IndexAny(c.rest()[1:], "{}")
		if end >= 0 && c.rest()[1+end] == '}' {
			v := c.rest()[:end+2]
			c.i += end + 2
			return v, nil
		}
	}
	return c.element()
}

// logicSQL renders a tree on table t qualified by qual.
func logicSQL(t *catalog.Table, qual string, tree LogicTree) (frag, *Error) {
	if tree.Filter != nil {
		return filterSQL(t, qual, *tree.Filter)
	}
	parts := make([]frag, 0, len(tree.Children))
	for _, child := range tree.Children {
		p, err := logicSQL(t, qual, child)
		if err != nil {
			return frag{}, err
		}
		parts = append(parts, p)
	}
	sep := " AND "
	if tree.Or {
		sep = " OR "
	}
	out := joinFrags(parts, sep).wrap("(", ")")
	if tree.Negate {
		out = out.wrap("NOT ", "")
	}
	return out, nil
}
