package querybuilder

import (
	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// callAlias names the CTE that holds the function's result. Only the CTE
// references the function, so a VOLATILE function runs once even when the
// statement also counts its rows; a CTE referenced once is inlined by the
// planner, so filters on an inlinable SQL function still reach its body.
const callAlias = "pgrst_call"

// callSQL builds the statement for a call of fn with args. t is the
// relation the call reads from (see callRelation): the function's result
// is the base relation, aliased rootAlias as a table is, and embeds
// correlate to that alias exactly as they do to a table's.
//
// TODO: a function returning SETOF record without OUT or TABLE columns
// cannot be called: PostgreSQL needs a column definition list the catalog
// cannot supply, and the call fails with SQLSTATE 42601.
func callSQL(fn *catalog.Function, t *catalog.Table, args []frag, q *Query, r *Request) (*Plan, *Error) {
	call := joinFrags(args, ", ").wrap(qualifiedName(fn.Schema, fn.Name)+"(", ")")
	alias := quoteIdent(fn.Name)

	// The CTE: rows of the function's columns, or one column named after
	// the function for a scalar result.
	var cte frag
	if fn.Returns == catalog.ReturnComposite || fn.ReturnsSet {
		cte = call.wrap("WITH "+callAlias+" AS (SELECT * FROM ", " AS "+alias+")")
	} else {
		cte = call.wrap("WITH "+callAlias+" AS (SELECT ", " AS "+alias+")")
	}

	// The page: select (with embeds), filters, order and, for sets, limit
	// and offset.
	lv, err := callLevel(fn, t, rootAlias, q)
	if err != nil {
		return nil, err
	}
	cols, where, order := lv.cols, lv.where, lv.order
	inner := sq.Select().From(callAlias + " AS " + rootAlias)
	for _, c := range selectList(cols, r.Media == MediaCSV) {
		inner = inner.Column(c)
	}
	for _, j := range lv.joins {
		inner = inner.JoinClause(j)
	}
	for _, w := range where {
		inner = inner.Where(w)
	}
	groups := groupBy(cols)
	inner = inner.GroupBy(groups...)
	if groups != nil {
		order = groupedOrder(order, cols)
	}
	var offset int64
	if fn.ReturnsSet {
		var limit int64
		offset, limit = page(q, r)
		for _, o := range order {
			inner = inner.OrderByClause(o)
		}
		if limit >= 0 {
			inner = inner.Limit(uint64(limit))
		}
		if offset > 0 {
			inner = inner.Offset(uint64(offset))
		}
	}

	// The result around it.
	res := result{media: r.Media, body: bodyRows, cols: cols, maxAffected: -1, stripNulls: r.StripNulls}
	if fn.ReturnsSet && r.Prefer.Handling == "strict" {
		res.maxAffected = r.Prefer.MaxAffected
	}
	if r.Method == "HEAD" || fn.Returns == catalog.ReturnVoid {
		res.body = bodyNone
	}
	if !fn.ReturnsSet && res.media == MediaJSON {
		res.media = MediaObject
	}
	if r.Prefer.Count != "" && fn.ReturnsSet {
		counter := sq.Select("count(*)").From(callAlias + " AS " + rootAlias)
		for _, w := range where {
			counter = counter.Where(w)
		}
		if res.total, err = sqlizeErr(counter); err != nil {
			return nil, err
		}
	}

	var sql string
	var sqlArgs []any
	if fn.Returns == catalog.ReturnComposite || res.body == bodyNone || res.media == MediaCSV {
		sql, sqlArgs, err = finish(inner, cte, res)
	} else {
		sql, sqlArgs, err = finishValues(inner, cte, res, fn.ReturnsSet)
	}
	if err != nil {
		return nil, err
	}
	return &Plan{SQL: sql, Args: sqlArgs, Offset: offset, MaxAffected: res.maxAffected}, nil
}

// callLevel renders the select, conditions and order of a call on t. A
// function returning rows reads them like a table, embeds included; a
// scalar function's one column is its value, which filters and order may
// still name.
func callLevel(fn *catalog.Function, t *catalog.Table, alias string, q *Query) (*level, *Error) {
	if fn.Returns == catalog.ReturnComposite {
		return readLevel(t, alias, q)
	}
	lv := &level{cols: []outCol{{expr: rawf(alias + "." + quoteIdent(fn.Name)), name: fn.Name}}}
	var err *Error
	if lv.where, err = whereSQL(t, alias, q); err != nil {
		return nil, err
	}
	if lv.order, err = orderSQL(t, alias, q.Order); err != nil {
		return nil, err
	}
	return lv, nil
}

// resultTable describes the function's result as a table, so the
// select, filter and order machinery of tables applies to it. A scalar
// result has one column named after the function.
func resultTable(fn *catalog.Function) *catalog.Table {
	t := &catalog.Table{Schema: fn.Schema, Name: fn.Name, Columns: fn.Columns}
	if fn.Returns != catalog.ReturnComposite {
		t.Columns = []*catalog.Column{{Name: fn.Name, Type: fn.ReturnType, Nullable: true}}
	}
	// Add indexes the columns by name.
	catalog.New(nil).Add(t)
	return t
}

// finishValues wraps the page of a scalar function into the five result
// columns: the body is the one value as JSON, or for a set a JSON array
// of the values (the first value alone for a singular response).
func finishValues(inner sq.SelectBuilder, cte frag, res result, set bool) (string, []any, *Error) {
	value := pageAlias + "." + quoteIdent(res.cols[0].name)
	body := "coalesce(json_agg(" + value + ")->0, 'null')::text"
	if set && res.media != MediaObject {
		body = "coalesce(json_agg(" + value + "), '[]')::text"
	}
	pageTotal := rawf("count(*)")
	if res.maxAffected >= 0 {
		pageTotal = guardSQL("count(*) > ?::bigint", MaxAffectedMarker, res.maxAffected)
	}
	total := res.total
	if total.sql == "" {
		total = rawf("-1")
	}

	outer := sq.Select().
		Column(pageTotal.wrap("(", ")::bigint AS page_total")).
		Column(total.wrap("(", ")::bigint AS total_result_set")).
		Column(body+" AS body").
		Column("nullif(current_setting('response.headers', true), '') AS response_headers").
		Column(statusSQL(res)).
		FromSelect(inner, pageAlias).
		PrefixExpr(cte)
	sql, args, err := outer.PlaceholderFormat(sq.Dollar).ToSql()
	if err != nil {
		return "", nil, internalError(err)
	}
	return sql, args, nil
}
