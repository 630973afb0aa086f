package querybuilder

import (
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// Writes share one shape: the body goes in as one bound JSON value, the
// data-modifying statement runs in a CTE, and its RETURNING rows feed the
// same five-column result as reads:
//
//	WITH pgrst_payload AS (SELECT $1::text::json AS j),
//	     pgrst_source AS (INSERT ... | UPDATE ... | DELETE ...
//	                      RETURNING pgrst_target.*)
//	SELECT count(*), -1, <body>, <headers>, <status>
//	FROM (SELECT <select or keys or 1> FROM pgrst_source) pgrst_t

// payloadColumns picks the columns a write sets: columns= when given, else
// the payload's keys. Every one must be a column of t (PGRST204).
func payloadColumns(t *catalog.Table, q *Query, p *payload) ([]*catalog.Column, *Error) {
	names := p.keys
	if q.Columns != nil {
		names = q.Columns
	}
	cols := make([]*catalog.Column, 0, len(names))
	for _, n := range names {
		col, ok := t.Column(n)
		if !ok {
			return nil, payloadColumnNotFound(t.Name, n)
		}
		cols = append(cols, col)
	}
	return cols, nil
}

// quotedNames returns the quoted names of cols, optionally qualified.
func quotedNames(cols []*catalog.Column, qual string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = quoteIdent(c.Name)
		if qual != "" {
			out[i] = qual + "." + out[i]
		}
	}
	return out
}

// recordDefs is the column definition list of json_to_recordset: each
// column with its catalog type, so PostgreSQL parses every value with the
// column's own input function (numerics keep every digit).
func recordDefs(cols []*catalog.Column) string {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = quoteIdent(c.Name) + " " + escapeMarks(c.Type)
	}
	return strings.Join(defs, ", ")
}

// payloadRows is the FROM clause that turns pgrst_payload into typed rows.
func payloadRows(cols []*catalog.Column) string {
	return payloadAlias + ", json_to_recordset(" + payloadAlias + ".j) AS " +
		bodyAlias + "(" + recordDefs(cols) + ")"
}

// returning is the RETURNING clause of a write on t, aliased targetAlias.
func returning(t *catalog.Table) string {
	return "RETURNING " + targetAlias + ".*"
}

// finishWrite wraps stmt (which must end in returning(t)) into the
// five-column result, according to Prefer: return and count.
func finishWrite(t *catalog.Table, q *Query, r *Request, stmt sq.Sqlizer, p *payload) (*Plan, *Error) {
	plan := &Plan{MaxAffected: -1}
	res := result{media: r.Media, body: bodyNone, maxAffected: -1, stripNulls: r.StripNulls}

	// What the body carries decides the page's columns.
	inner := sq.Select().From(sourceAlias)
	switch {
	case r.Prefer.Return == "representation":
		lv, err := representationLevel(t, sourceAlias, q)
		if err != nil {
			return nil, err
		}
		cols := lv.cols
		for _, c := range selectList(cols, r.Media == MediaCSV) {
			inner = inner.Column(c)
		}
		for _, j := range lv.joins {
			inner = inner.JoinClause(j)
		}
		groups := groupBy(cols)
		inner = inner.GroupBy(groups...)
		// order sorts the rows returned, as in PostgREST; terms on
		// embedded resources are left out here.
		var plain []OrderTerm
		for _, term := range q.Order {
			if term.Relation == "" {
				plain = append(plain, term)
			}
		}
		order, err := orderSQL(t, sourceAlias, plain)
		if err != nil {
			return nil, err
		}
		if groups != nil {
			order = groupedOrder(order, cols)
		}
		for _, o := range order {
			inner = inner.OrderByClause(o)
		}
		res.body, res.cols = bodyRows, cols
	case r.Prefer.Return == "headers-only" && r.Method == "POST" && len(t.PrimaryKey) > 0:
		for _, k := range t.PrimaryKey {
			c := outCol{expr: rawf(sourceAlias + "." + quoteIdent(k)), name: k}
			inner = inner.Column(c.expr.wrap("", " AS "+quoteIdent(k)))
			res.cols = append(res.cols, c)
		}
		res.body = bodyKeys
		plan.Location = true
	default:
		inner = inner.Column("1")
	}

	if r.Prefer.Count != "" {
		res.total = rawf("count(*)")
	}
	res.status = writeStatus(t, r)
	res.exactlyOne = r.Media == MediaObject
	if r.Prefer.Handling == "strict" && r.Prefer.MaxAffected >= 0 &&
		(r.Method == "PATCH" || r.Method == "DELETE") {
		res.maxAffected = r.Prefer.MaxAffected
		plan.MaxAffected = r.Prefer.MaxAffected
	}

	// The WITH clause: the payload, then the write.
	var prefix sq.Sqlizer
	if p != nil {
		prefix = sq.Expr("WITH "+payloadAlias+" AS (SELECT ?::text::json AS j), "+
			sourceAlias+" AS (?)", p.json, stmt)
	} else {
		prefix = sq.Expr("WITH "+sourceAlias+" AS (?)", stmt)
	}
	sql, args, err := finish(inner, prefix, res)
	if err != nil {
		return nil, err
	}
	plan.SQL, plan.Args = sql, args
	return plan, nil
}

// insertedFlag names the column an upsert's RETURNING adds next to the
// columns of t to tell the rows it inserted (xmax is 0) from those it
// updated: pgrst_inserted, with underscores added while t has a column of
// that name, which would make the name ambiguous.
func insertedFlag(t *catalog.Table) string {
	name := "pgrst_inserted"
	for {
		if _, taken := t.Column(name); !taken {
			return name
		}
		name += "_"
	}
}

// writeStatus is the status an upsert decides from insertedFlag: a POST
// upsert answers 200 instead of 201 when it inserted nothing, and a PUT
// with return=representation 201 when it inserted its row and 200 when it
// replaced it. Views have no xmax, so they keep the fixed statuses.
func writeStatus(t *catalog.Table, r *Request) frag {
	if t.IsView {
		return frag{}
	}
	flag := "coalesce(bool_or(" + sourceAlias + "." + insertedFlag(t) + "), false)"
	switch {
	case r.Method == "POST" && r.Prefer.Resolution != "":
		return rawf("(SELECT CASE WHEN " + flag + " THEN NULL ELSE '200' END FROM " + sourceAlias + ")")
	case r.Method == "PUT" && r.Prefer.Return == "representation":
		return rawf("(SELECT CASE WHEN " + flag + " THEN '201' ELSE '200' END FROM " + sourceAlias + ")")
	}
	return frag{}
}
