package querybuilder

import "slices"

// Parameters aimed at embedded resources name them with a dotted path
// before the usual key: comments.order=id.desc, comments.limit=2,
// author.name=eq.x, comments.or=(...), comments.author.name=eq.x. Each
// path gets a Query of its own in Query.Embedded, keyed by the embed's
// alias or, without one, its name.

// sub returns the query of the embed at path, creating it as needed.
func (q *Query) sub(path []string) *Query {
	for _, name := range path {
		if q.Embedded == nil {
			q.Embedded = map[string]*Query{}
		}
		next, ok := q.Embedded[name]
		if !ok {
			next = &Query{Limit: -1, Offset: -1}
			q.Embedded[name] = next
		}
		q = next
	}
	return q
}

// keyPath splits a parameter key into the embed path and what follows it:
// names separated by dots, each a quoted name or identifiers. rest is the
// text after the last dot that ends a name (for a filter, the field and
// its JSON path). A key that does not start with a name has no path.
func keyPath(key string) (path []string, rest string) {
	c := newScanner("tree path", key)
	for {
		start := c.i
		name, err := c.fieldName()
		if err != nil || !c.accept(".") {
			return path, key[start:]
		}
		path = append(path, name)
	}
}

// addFilter adds a filter whose key may start with an embed path.
func (q *Query) addFilter(key, value string) *Error {
	path, rest := keyPath(key)
	if len(path) == 0 {
		rest = key
	}
	f, err := parseFilter(rest, value)
	if err != nil {
		return err
	}
	sub := q.sub(path)
	sub.Filters = append(sub.Filters, f)
	return nil
}

// addLogic adds an and/or tree whose key may start with an embed path;
// a "not" anywhere in the path negates the tree, as in PostgREST.
func (q *Query) addLogic(key, value string) *Error {
	path, rest := keyPath(key)
	path = append(path, rest)
	op := path[len(path)-1]
	path = path[:len(path)-1]
	if slices.Contains(path, "not") {
		op = "not." + op
		path = slices.DeleteFunc(path, func(s string) bool { return s == "not" })
	}
	tree, err := parseLogic(op, value)
	if err != nil {
		return err
	}
	sub := q.sub(path)
	sub.Logic = append(sub.Logic, tree)
	return nil
}

// addEmbedded adds an order, limit or offset aimed at an embed:
// key is path.last.
func (q *Query) addEmbedded(key, last, value string) *Error {
	path, _ := keyPath(key)
	sub := q.sub(path)
	var err *Error
	switch last {
	case "order":
		var terms []OrderTerm
		terms, err = parseOrder(value)
		sub.Order = append(sub.Order, terms...)
	case "limit":
		sub.Limit, err = parseCount("limit parameter", value)
	default:
		sub.Offset, err = parseCount("offset parameter", value)
	}
	return err
}
