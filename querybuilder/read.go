package querybuilder

import (
	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// whereSQL renders the filters and logic trees of q on table t.
func whereSQL(t *catalog.Table, qual string, q *Query) ([]frag, *Error) {
	var out []frag
	for _, f := range q.Filters {
		w, err := filterSQL(t, qual, f)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	for _, tree := range q.Logic {
		w, err := logicSQL(t, qual, tree)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// selectItems is q's select tree, or * when there is none.
func selectItems(q *Query) []SelectItem {
	if q.Select == nil {
		return []SelectItem{{Star: true}}
	}
	return q.Select
}

// buildRead builds a GET or HEAD:
//
//	SELECT count(*), <total or -1>, <body>, <headers>, <status>
//	FROM (SELECT <select> FROM "s"."t" AS pgrst_root WHERE ... ORDER BY ...
//	      LIMIT n OFFSET m) pgrst_t
//
// Prefer: count adds the total (see totalSQL). An aggregate in select
// groups by the other selected columns. HEAD builds no body (NULL) but
// still counts the page.
func buildRead(t *catalog.Table, q *Query, r *Request) (*Plan, *Error) {
	table := relationAs(t, rootAlias)
	qual := rootAlias

	lv, err := readLevel(t, qual, q)
	if err != nil {
		return nil, err
	}
	cols, where, order := lv.cols, lv.where, lv.order

	// The page.
	groups := groupBy(cols)
	if groups != nil {
		order = groupedOrder(order, cols)
	}
	offset, limit := page(q, r)
	inner := &pageQuery{
		from:    table,
		columns: selectFrags(cols, r.Media == MediaCSV),
		joins:   lv.joins,
		where:   where,
		groupBy: groups,
		orderBy: order,
		limit:   limit,
		offset:  offset,
	}

	// The result around it.
	res := result{media: r.Media, body: bodyRows, cols: cols, maxAffected: -1, stripNulls: r.StripNulls}
	if r.Method == "HEAD" {
		res.body = bodyNone
	}
	if r.Prefer.Count != "" {
		grouped := groups != nil
		if res.total, err = totalSQL(t, where, inner.builder(), grouped, r); err != nil {
			return nil, err
		}
	}
	sql, args, err := finish(inner, nil, res)
	if err != nil {
		return nil, err
	}
	return &Plan{SQL: sql, Args: args, ReadOnly: true, Offset: offset, MaxAffected: -1}, nil
}

// sqlizeErr is sqlize with the error turned into an *Error (a squirrel
// error means a bug here, not a bad request).
func sqlizeErr(s sq.Sqlizer) (frag, *Error) {
	f, err := sqlize(s)
	if err != nil {
		return frag{}, internalError(err)
	}
	return f, nil
}
