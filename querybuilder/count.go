package querybuilder

import (
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// totalSQL is the total_result_set expression of a read with a
// Prefer: count. base is the read without order, limit and offset; where
// are its conditions on rootAlias; grouped says whether it aggregates.
//
//   - exact counts every row the read can see.
//   - planned is the planner's row estimate for the relation, computed as
//     the planner does it for a sequential scan: pg_class.reltuples scaled
//     from relpages to the relation's current size.
//   - estimated is the exact count up to db-max-rows and the planned
//     estimate above it, so a big table is never counted in full.
//
// The planned estimate is used only where it answers the same question as
// the count: a read without filters or grouping, on a table without row
// level security (an estimate of every row would reveal how many rows the
// policies hide). Anywhere else, and for relations the planner has no
// statistics for yet (never analyzed, views), planned falls back to the
// exact count.
//
// TODO: filtered reads get the exact count for planned and estimated,
// because the planner's estimate for a WHERE clause is only reachable
// through EXPLAIN, which cannot run inside the one statement rowgate sends;
// on big tables with selective filters these counts cost a full count.
func totalSQL(t *catalog.Table, where []frag, base sq.SelectBuilder, grouped bool, r *Request) (frag, *Error) {
	// The source of every count: the rows, or the groups.
	source := sq.Select("1").From(relationAs(t, rootAlias))
	for _, w := range where {
		source = source.Where(w)
	}
	if grouped {
		source = base
	}
	exact, err := sqlizeErr(sq.Select("count(*)").FromSelect(source, "pgrst_n"))
	if err != nil {
		return frag{}, err
	}
	if !grouped {
		// Counting the table directly keeps the common case simple.
		counter := sq.Select("count(*)").From(relationAs(t, rootAlias))
		for _, w := range where {
			counter = counter.Where(w)
		}
		if exact, err = sqlizeErr(counter); err != nil {
			return frag{}, err
		}
	}

	planned := exact
	if len(where) == 0 && !grouped && !t.IsView {
		planned = plannedSQL(t, exact)
	}
	switch r.Prefer.Count {
	case "planned":
		return planned, nil
	case "estimated":
		if r.MaxRows <= 0 {
			return exact, nil
		}
		bounded, err := sqlizeErr(sq.Select("count(*)").
			FromSelect(source.Limit(uint64(r.MaxRows)+1), "pgrst_n"))
		if err != nil {
			return frag{}, err
		}
		// bounded appears twice; each copy binds its own arguments.
		out := joinFrags([]frag{bounded.wrap("CASE WHEN (", ") <= "),
			argf("?::bigint THEN ", r.MaxRows), bounded.wrap("(", ") ELSE "),
			planned.wrap("(", ") END")}, "")
		return out, nil
	}
	return exact, nil
}

// plannedSQL is the planner's estimate of t's rows, or fallback when the
// table has no statistics or has row level security.
func plannedSQL(t *catalog.Table, fallback frag) frag {
	est := argf("(SELECT CASE WHEN c.relpages > 0 AND c.reltuples >= 0 AND NOT c.relrowsecurity "+
		"THEN round(c.reltuples / c.relpages * (pg_catalog.pg_relation_size(c.oid) / "+
		"pg_catalog.current_setting('block_size')::bigint))::bigint END "+
		"FROM pg_catalog.pg_class c WHERE c.oid = ?::text::regclass)", regclassName(t))
	return joinFrags([]frag{est.wrap("coalesce(", ", ("), fallback.wrap("", "))")}, "")
}

// regclassName is t's name as regclass input: both parts quoted, for a
// bound value (so without the placeholder escaping of quoteIdent).
func regclassName(t *catalog.Table) string {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	return q(t.Schema) + "." + q(t.Name)
}
