package querybuilder

import (
	"fmt"
	"net/http"
	"strconv"
)

// Bounds on the size of a request. PostgreSQL refuses a SELECT list of
// more than 1664 entries (SQLSTATE 54011, a 500), the wire protocol
// carries at most 65535 bound values, and deep nesting exhausts the
// parser's stack; a long URL reaches all three. Real requests stay far
// below these bounds, and one past them gets a 400 PGRST100 that names the
// bound before any SQL is built.
const (
	// maxSelectItems bounds the items of select, embeds and their
	// children included.
	maxSelectItems = 1000
	// maxColumns bounds the output columns of one relation after every *
	// expands: a table has at most 1600 columns, so select=* always fits.
	maxColumns = 1600
	// maxOrderTerms bounds the order terms of a request, embeds included.
	// Together with maxColumns it keeps every SELECT, whose hidden order
	// columns add entries, under PostgreSQL's 1664.
	maxOrderTerms = 50
	// maxConditions bounds filters plus the nodes of logic trees.
	maxConditions = 1000
	// maxPathSteps bounds the arrows of one JSON path.
	maxPathSteps = 16
	// maxNesting bounds how deep parentheses nest in select (embeds) and
	// logic trees.
	maxNesting = 32
	// maxParams bounds the parameters of the query string.
	maxParams = 2000
	// maxArgs is the protocol's bound on the values of one statement.
	maxArgs = 65535
)

// tooLarge is the PGRST100 error of a request past one of the bounds.
func tooLarge(details string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST100",
		Message: "The request is too large to be built",
		Details: details,
		Hint:    "Split the request into smaller ones.",
	}
}

// checkSize checks the parts of a parsed query, embedded parameters
// included, against the bounds.
func checkSize(q *Query) *Error {
	if n := countItems(q.Select); n > maxSelectItems {
		return tooLarge(fmt.Sprintf("select has %d items; at most %d are allowed", n, maxSelectItems))
	}
	conds, orders := countConditions(q)
	if conds > maxConditions {
		return tooLarge(fmt.Sprintf("the query string has %d filters and logic-tree nodes; at most %d are allowed",
			conds, maxConditions))
	}
	if orders > maxOrderTerms {
		return tooLarge(fmt.Sprintf("order has %d terms; at most %d are allowed", orders, maxOrderTerms))
	}
	return nil
}

// countItems counts the nodes of a select tree.
func countItems(items []SelectItem) int {
	n := len(items)
	for _, it := range items {
		n += countItems(it.Children)
	}
	return n
}

// countConditions counts the filters and logic-tree nodes, and the order
// terms, of q and its embedded queries.
func countConditions(q *Query) (conds, orders int) {
	conds = len(q.Filters)
	for _, tree := range q.Logic {
		conds += countNodes(tree)
	}
	orders = len(q.Order)
	for _, sub := range q.Embedded {
		c, o := countConditions(sub)
		conds, orders = conds+c, orders+o
	}
	return conds, orders
}

// countNodes counts the nodes of a logic tree.
func countNodes(tree LogicTree) int {
	n := 1
	for _, child := range tree.Children {
		n += countNodes(child)
	}
	return n
}

// checkColumns bounds the output columns of one relation. It runs while
// the columns are collected, so a select of many stars stops early instead
// of expanding every one.
func checkColumns(cols []outCol) *Error {
	if len(cols) <= maxColumns {
		return nil
	}
	return tooLarge("select expands to more than " + strconv.Itoa(maxColumns) +
		" columns of one relation")
}

// checkArgs bounds the values bound to one statement.
func checkArgs(args []any) *Error {
	if len(args) <= maxArgs {
		return nil
	}
	return tooLarge("the statement would bind " + strconv.Itoa(len(args)) +
		" values; at most " + strconv.Itoa(maxArgs) + " are allowed")
}

// node notes one more select item, logic-tree node or order term of the
// parameter; it fails past limit, so a huge parameter stops being parsed
// early.
func (c *scanner) node(limit int) *Error {
	c.nodes++
	if c.nodes > limit {
		return tooLarge(fmt.Sprintf("the %s has more than %d items", c.what, limit))
	}
	return nil
}

// enter notes one more level of parentheses; it fails past maxNesting.
func (c *scanner) enter() *Error {
	c.depth++
	if c.depth > maxNesting {
		return c.fail("parentheses nested deeper than " + strconv.Itoa(maxNesting) + " levels")
	}
	return nil
}

// leave closes a level opened by enter.
func (c *scanner) leave() { c.depth-- }
