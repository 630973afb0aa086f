package querybuilder

// SelectItem is one node of the select tree: a star, a (possibly aliased,
// cast or JSON-path) field, an aggregate, or an embedded resource with its
// own children.
type SelectItem struct {
	// Star is true for *.
	Star bool
	// Field is the column and JSON path of a field item.
	Field Field
	// Alias renames the output (alias:field).
	Alias string
	// Cast is the lower-cased target type of field::type.
	Cast string
	// Aggregate is count, sum, avg, max or min for field.sum() and count().
	Aggregate string

	// Relation is the embedded resource of name(...); empty for fields.
	Relation string
	// Hint is the !hint of an embed; JoinType is "left", "inner" or "".
	Hint     string
	JoinType string
	// Spread is true for ...name(...).
	Spread bool
	// Children are the items inside the embed's parentheses.
	Children []SelectItem
}

// IsEmbed reports whether the item embeds a related resource.
func (it SelectItem) IsEmbed() bool { return it.Relation != "" }

// aggregates are the functions PostgREST allows as field.fn().
var aggregates = map[string]bool{"count": true, "sum": true, "avg": true, "max": true, "min": true}

// parseSelect parses the select parameter into a tree.
func parseSelect(s string) ([]SelectItem, *Error) {
	c := newScanner("select parameter", s)
	items, err := c.selectForest()
	if err != nil {
		return nil, err
	}
	if !c.eof() {
		return nil, c.unexpected(`",", or end of input`)
	}
	return items, nil
}

// selectForest reads items separated by commas.
func (c *scanner) selectForest() ([]SelectItem, *Error) {
	var items []SelectItem
	for {
		c.skipSpaces()
		it, err := c.selectItem()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		c.skipSpaces()
		if !c.accept(",") {
			return items, nil
		}
	}
}

// selectItem reads one item.
func (c *scanner) selectItem() (SelectItem, *Error) {
	if err := c.node(maxSelectItems); err != nil {
		return SelectItem{}, err
	}
	if c.accept("*") {
		return SelectItem{Star: true}, nil
	}
	if c.accept("...") {
		it, err := c.embed()
		it.Spread = true
		return it, err
	}

	name, err := c.fieldName()
	if err != nil {
		return SelectItem{}, err
	}
	alias := ""
	if c.has(":") && !c.has("::") {
		c.i++
		alias = name
		if name, err = c.fieldName(); err != nil {
			return SelectItem{}, err
		}
	}
	if c.has("()") {
		if name != "count" {
			return SelectItem{}, c.unexpected(`"->", "::", ",", or end of input`)
		}
		c.i += 2
		return SelectItem{Aggregate: "count", Alias: alias}, c.castSuffix(nil)
	}
	if c.has("!") || c.has("(") {
		it, err := c.embedAfterName(name)
		it.Alias = alias
		return it, err
	}

	it := SelectItem{Alias: alias, Field: Field{Name: name}}
	if it.Field.Path, err = c.jsonPath(); err != nil {
		return SelectItem{}, err
	}
	if c.has(".") {
		c.i++
		fn, _ := c.ident()
		if !aggregates[fn] || !c.accept("()") {
			return SelectItem{}, c.unexpected("aggregate function (count, sum, avg, max, min)")
		}
		it.Aggregate = fn
	}
	return it, c.castSuffix(&it)
}

// castSuffix reads an optional ::type and checks that the item ends.
func (c *scanner) castSuffix(it *SelectItem) *Error {
	if c.accept("::") {
		cast, err := c.castName()
		if err != nil {
			return err
		}
		if it != nil {
			it.Cast = cast
		}
	}
	c.skipSpaces()
	if !c.eof() && c.peek() != ',' && c.peek() != ')' {
		return c.unexpected(`"->", "::", ",", ")" or end of input`)
	}
	return nil
}

// embed reads name[!hint][!inner](children).
func (c *scanner) embed() (SelectItem, *Error) {
	name, err := c.fieldName()
	if err != nil {
		return SelectItem{}, err
	}
	return c.embedAfterName(name)
}

// embedAfterName reads the hints and children of an embed whose name was
// already read.
func (c *scanner) embedAfterName(name string) (SelectItem, *Error) {
	it := SelectItem{Relation: name}
	for c.accept("!") {
		word, err := c.fieldName()
		if err != nil {
			return SelectItem{}, err
		}
		switch {
		case (word == "left" || word == "inner") && it.JoinType == "":
			it.JoinType = word
		case it.Hint == "":
			it.Hint = word
		default:
			return SelectItem{}, c.unexpected(`"("`)
		}
	}
	if !c.accept("(") {
		return SelectItem{}, c.unexpected(`"("`)
	}
	if err := c.enter(); err != nil {
		return SelectItem{}, err
	}
	// An embed may select nothing, name(), to filter its parent only.
	c.skipSpaces()
	var children []SelectItem
	if !c.has(")") {
		var err *Error
		if children, err = c.selectForest(); err != nil {
			return SelectItem{}, err
		}
	}
	if !c.accept(")") {
		return SelectItem{}, c.unexpected(`",", or ")"`)
	}
	c.leave()
	it.Children = children
	c.skipSpaces()
	return it, nil
}
