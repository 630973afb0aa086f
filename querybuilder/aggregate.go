package querybuilder

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// aggregateSQL maps the aggregates of the select grammar to SQL functions.
var aggregateSQL = map[string]string{
	"count": "count",
	"sum":   "sum",
	"avg":   "avg",
	"max":   "max",
	"min":   "min",
}

// aggregatesDisabled is PGRST123, the answer to an aggregate in select
// while db-aggregates-enabled is off.
func aggregatesDisabled() *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST123",
		Message: "Use of aggregate functions is not allowed",
	}
}

// usesAggregates reports whether a select tree, embeds included, holds an
// aggregate.
func usesAggregates(items []SelectItem) bool {
	for _, it := range items {
		if it.Aggregate != "" || usesAggregates(it.Children) {
			return true
		}
	}
	return false
}

// aggregateCol renders count() or field.fn() on table t: the aggregate
// over the field, then the item's cast. The output is named by the alias,
// else by the function, as PostgREST names it.
func aggregateCol(t *catalog.Table, qual string, it SelectItem) (outCol, *Error) {
	fn := aggregateSQL[it.Aggregate]
	if fn == "" {
		return outCol{}, aggregatesDisabled()
	}
	var expr frag
	if it.Field.Name == "" {
		expr = rawf("count(*)")
	} else {
		arg, _, err := fieldSQL(t, qual, it.Field)
		if err != nil {
			return outCol{}, err
		}
		expr = arg.wrap(fn+"(", ")")
	}
	if it.Cast != "" {
		var err *Error
		if expr, err = castSQL(expr, it.Cast); err != nil {
			return outCol{}, err
		}
	}
	name := it.Alias
	if name == "" {
		name = it.Aggregate
	}
	return outCol{expr: expr, name: name, agg: true}, nil
}

// groupBy lists the positions of the non-aggregate columns of cols, the
// GROUP BY of a select that holds an aggregate, and nothing otherwise.
// Positions rather than expressions keep a JSON path's bound key from
// being compared with a differently numbered copy of itself. A select of
// aggregates only gets an empty, non-nil list: one group of every row.
func groupBy(cols []outCol) []string {
	keys := []string{}
	grouped := false
	for i, c := range cols {
		if c.agg {
			grouped = true
			continue
		}
		keys = append(keys, strconv.Itoa(i+1))
	}
	if !grouped {
		return nil
	}
	return keys
}

// groupedOrder rewrites, in a grouped read, every order term that sorts by
// a grouping column to sort by that column's position, for the reason
// groupBy gives: a JSON path binds its keys again in ORDER BY, and
// PostgreSQL would not see that the two copies are the same expression.
func groupedOrder(order []frag, cols []outCol) []frag {
	out := make([]frag, len(order))
	for i, o := range order {
		out[i] = o
		for j, c := range cols {
			rest, ok := strings.CutPrefix(o.sql, c.expr.sql)
			if c.agg || !ok || (rest != "" && rest[0] != ' ') || !reflect.DeepEqual(o.args, c.expr.args) {
				continue
			}
			out[i] = rawf(strconv.Itoa(j+1) + rest)
			break
		}
	}
	return out
}
