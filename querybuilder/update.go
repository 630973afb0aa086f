package querybuilder

import (
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// buildUpdate builds a PATCH: the payload object's columns are set on every
// row the filters select,
//
//	UPDATE "s"."t" SET ("a", "b") = (SELECT pgrst_body."a", pgrst_body."b"
//	  FROM pgrst_payload, json_to_recordset(pgrst_payload.j) AS pgrst_body(...))
//	WHERE <filters> RETURNING pgrst_target.*
//
// where "s"."t" is aliased pgrst_target.
//
// An empty object updates nothing and returns no rows.
func buildUpdate(t *catalog.Table, q *Query, r *Request) (*Plan, *Error) {
	p, err := parsePayload(r)
	if err != nil {
		return nil, err
	}
	if p.rows != 1 {
		return nil, invalidBody("PATCH takes a single JSON object")
	}
	cols, err := payloadColumns(t, q, p)
	if err != nil {
		return nil, err
	}
	where, err := writeWhere(t, q)
	if err != nil {
		return nil, err
	}

	table := relationAs(t, targetAlias)
	if len(cols) == 0 {
		stmt := rawf("SELECT " + targetAlias + ".* FROM " + table + " WHERE false")
		return finishWrite(t, q, r, stmt, p)
	}
	src := sq.Select().From(payloadRows(cols))
	for _, n := range quotedNames(cols, bodyAlias) {
		src = src.Column(n)
	}
	target := "(" + strings.Join(quotedNames(cols, ""), ", ") + ")"
	stmt := sq.Update(table).Set(target, src).Suffix(returning(t))
	for _, w := range where {
		stmt = stmt.Where(w)
	}
	return finishWrite(t, q, r, stmt, p)
}

// writeWhere renders the conditions of a PATCH or DELETE on targetAlias.
// With limit or offset, the rows are first chosen by a subquery over ctid,
// ordered by ?order= (so the limit only makes sense on tables, not views).
func writeWhere(t *catalog.Table, q *Query) ([]frag, *Error) {
	if q.Limit < 0 && q.Offset <= 0 {
		return whereSQL(t, targetAlias, q)
	}

	qual := rootAlias
	where, err := whereSQL(t, qual, q)
	if err != nil {
		return nil, err
	}
	order, err := orderSQL(t, qual, q.Order)
	if err != nil {
		return nil, err
	}
	sub := sq.Select(qual + ".ctid").From(relationAs(t, qual))
	for _, w := range where {
		sub = sub.Where(w)
	}
	for _, o := range order {
		sub = sub.OrderByClause(o)
	}
	if q.Limit >= 0 {
		sub = sub.Limit(uint64(q.Limit))
	}
	if q.Offset > 0 {
		sub = sub.Offset(uint64(q.Offset))
	}
	f, err := sqlizeErr(sub)
	if err != nil {
		return nil, err
	}
	return []frag{f.wrap(targetAlias+".ctid = ANY(ARRAY(", "))")}, nil
}
