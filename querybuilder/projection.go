package querybuilder

import (
	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// outCol is one column of a result: its expression and its output name.
type outCol struct {
	expr frag
	name string
	// agg is true for an aggregate; the other columns then group.
	agg bool
}

// projection renders the select tree of table t against qual into output
// columns. A star expands to every column of the catalog, so JSON and CSV
// bodies see the same columns in the same order.
func projection(t *catalog.Table, qual string, items []SelectItem) ([]outCol, *Error) {
	var cols []outCol
	for _, it := range items {
		switch {
		case it.IsEmbed():
			return nil, notImplemented("resource embedding (" + it.Relation + ")")
		case it.Aggregate != "":
			c, err := aggregateCol(t, qual, it)
			if err != nil {
				return nil, err
			}
			cols = append(cols, c)
		case it.Star:
			for _, col := range t.Columns {
				cols = append(cols, outCol{expr: rawf(qual + "." + quoteIdent(col.Name)), name: col.Name})
			}
		default:
			count, ok, err := legacyCount(t, it)
			if err != nil {
				return nil, err
			}
			if ok {
				cols = append(cols, count)
				continue
			}
			expr, _, err := fieldSQL(t, qual, it.Field)
			if err != nil {
				return nil, err
			}
			if it.Cast != "" {
				if expr, err = castSQL(expr, it.Cast); err != nil {
					return nil, err
				}
			}
			name := it.Alias
			if name == "" {
				name = it.Field.outputName()
			}
			cols = append(cols, outCol{expr: expr, name: name})
		}
	}
	return cols, nil
}

// selectList renders output columns as "expr AS name" fragments; with
// positional set, the names are pgrst_c1, pgrst_c2, ... so duplicates never
// clash (the CSV body refers to columns by those names). Names that cannot
// be aliases (see namesFit) make the list positional too.
func selectList(cols []outCol, positional bool) []any {
	positional = positional || !namesFit(cols)
	list := make([]any, len(cols))
	for i, c := range cols {
		name := c.name
		if positional {
			name = positionalName(i)
		}
		list[i] = c.expr.wrap("", " AS "+quoteIdent(name))
	}
	return list
}
