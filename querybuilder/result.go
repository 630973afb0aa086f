package querybuilder

import (
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// Alias names used in generated SQL. Every relation a statement reads or
// writes gets one of these (or an embed's pgrst_eN), and columns are only
// ever qualified by them, never by a table's own name: a table may be
// named like any of them, and a qualifier that named it could then mean
// another relation of the statement. The CTEs are read by unqualified
// name, which finds a CTE before any table, and tables are always named
// with their schema.
const (
	pageAlias    = "pgrst_t"
	sourceAlias  = "pgrst_source"
	payloadAlias = "pgrst_payload"
	bodyAlias    = "pgrst_body"
	// rootAlias names the relation a read starts from (and the rows a
	// limited PATCH or DELETE picks), targetAlias the table a write
	// changes.
	rootAlias   = "pgrst_root"
	targetAlias = "pgrst_target"
)

// relationAs is the FROM text of t under alias.
func relationAs(t *catalog.Table, alias string) string {
	return qualifiedName(t.Schema, t.Name) + " AS " + alias
}

// bodyKind says what the body column of the result holds.
type bodyKind int

const (
	bodyNone bodyKind = iota // NULL
	bodyRows                 // the rows in the request's media type
	bodyKeys                 // JSON array of primary-key objects (Location)
)

// result describes the outer statement that turns the page subquery
// pgrst_t into the five result columns.
type result struct {
	media Media
	body  bodyKind
	// cols are the page's columns (for the CSV header and key objects).
	cols []outCol
	// total is the total_result_set expression; empty means -1.
	total frag
	// maxAffected, when >= 0, makes the statement fail when the page has
	// more rows (see maxAffectedSQL).
	maxAffected int64
	// exactlyOne makes the statement fail unless the page holds one row:
	// a write asked for as a single object must not commit otherwise.
	exactlyOne bool
	// stripNulls drops null-valued keys from JSON rows (nulls=stripped).
	stripNulls bool
	// status, when set, is a text expression for the status the statement
	// decides itself; response.status set by SQL still wins over it.
	status frag
}

// Markers of the errors a statement raises on purpose (see guardSQL). The
// gateway recognises them in SQLSTATE 22P02 messages.
const (
	MaxAffectedMarker = "PGRST124 max-affected exceeded: "
	SingleRowMarker   = "PGRST116 rows affected: "
)

// positionalName is the name of the i-th page column for CSV bodies.
func positionalName(i int) string { return "pgrst_c" + strconv.Itoa(i+1) }

// finish wraps the page subquery into the five-column result and numbers
// the placeholders. prefix is a WITH clause for writes, or nil.
func finish(inner sq.Sqlizer, prefix sq.Sqlizer, res result) (string, []any, *Error) {
	pageTotal := rawf("count(*)")
	switch {
	case res.maxAffected >= 0:
		pageTotal = guardSQL("count(*) > ?::bigint", MaxAffectedMarker, res.maxAffected)
	case res.exactlyOne:
		pageTotal = guardSQL("count(*) <> 1", SingleRowMarker)
	}
	total := res.total
	if total.sql == "" {
		total = rawf("-1")
	}

	sql, args, err := outerSelect(prefix, []frag{
		pageTotal.wrap("(", ")::bigint AS page_total"),
		total.wrap("(", ")::bigint AS total_result_set"),
		bodySQL(res).wrap("", " AS body"),
		rawf("nullif(current_setting('response.headers', true), '') AS response_headers"),
		statusSQL(res),
	}, inner, pageAlias)
	if err != nil {
		return "", nil, internalError(err)
	}
	if err := checkArgs(args); err != nil {
		return "", nil, err
	}
	return sql, args, nil
}

// outerSelect renders "[prefix ]SELECT cols FROM (inner) AS alias" with
// the placeholders numbered $1, $2, ... It writes what squirrel's
// Select().Column(...).FromSelect(inner, alias).PrefixExpr(prefix) with
// sq.Dollar would, without squirrel's immutable builder, which copies
// itself through reflection at every step; this runs on every request.
func outerSelect(prefix sq.Sqlizer, cols []frag, inner sq.Sqlizer, alias string) (string, []any, error) {
	var pre frag
	if prefix != nil {
		var err error
		if pre, err = sqlize(prefix); err != nil {
			return "", nil, err
		}
	}
	page, _ := inner.(*pageQuery)
	var in frag
	if page == nil {
		if sb, ok := inner.(sq.SelectBuilder); ok {
			// As FromSelect does: the placeholders are numbered once, outside.
			inner = sb.PlaceholderFormat(sq.Question)
		}
		var err error
		if in, err = sqlize(inner); err != nil {
			return "", nil, err
		}
	} else if len(page.columns) == 0 {
		return "", nil, errNoColumns
	}

	w := sqlWriter{numbered: true}
	w.grow(len(pre.sql) + 32 + fragsLen(cols) + len(in.sql) + page.size())
	if prefix != nil {
		w.frag(pre)
		w.raw(" ")
	}
	w.raw("SELECT ")
	for i, c := range cols {
		if i > 0 {
			w.raw(", ")
		}
		w.frag(c)
	}
	w.raw(" FROM (")
	if page != nil {
		page.write(&w)
	} else {
		w.frag(in)
	}
	w.raw(") AS ")
	w.raw(alias)
	return string(w.buf), w.args, nil
}

// guardSQL counts the page and fails the statement when cond holds, so the
// whole transaction rolls back. Without a helper function SQL cannot raise
// an error of its own, so the count is cast from a text that is not a
// number: the error is SQLSTATE 22P02 with a message holding marker and
// the count, which the gateway maps to the PostgREST error. The count
// inside the text keeps the planner from folding the cast early.
func guardSQL(cond, marker string, args ...any) frag {
	return argf("CASE WHEN "+cond+" THEN ('"+marker+"' || count(*))::bigint "+
		"ELSE count(*) END", args...)
}

// bodySQL is the body column's expression.
func bodySQL(res result) frag {
	page := rawf(pageAlias + ".*")
	if !namesFit(res.cols) {
		page = objectSQL(pageAlias, res.cols)
	} else if res.stripNulls {
		page = page.wrap("row_to_json(", ")")
	}
	if res.stripNulls {
		page = page.wrap("json_strip_nulls(", ")")
	}
	switch {
	case res.body == bodyNone:
		return rawf("NULL::text")
	case res.body == bodyKeys:
		pairs := make([]frag, len(res.cols))
		for i, c := range res.cols {
			pairs[i] = argf("?::text, "+pageAlias+"."+quoteIdent(c.name), c.name)
		}
		return joinFrags(pairs, ", ").wrap("coalesce(json_agg(json_build_object(", ")), '[]')::text")
	case res.media == MediaObject:
		return page.wrap("(json_agg(", ")->0)::text")
	case res.media == MediaCSV:
		return csvSQL(res.cols)
	default:
		return page.wrap("coalesce(json_agg(", "), '[]')::text")
	}
}

// csvSQL builds a CSV body: the header line (bound as one value) and one
// line per row, fields quoted when they contain a quote, comma or line
// break, NULL as an empty field. The page columns are named positionally.
func csvSQL(cols []outCol) frag {
	names := make([]string, len(cols))
	fields := make([]string, len(cols))
	for i, c := range cols {
		names[i] = csvField(c.name)
		v := pageAlias + "." + quoteIdent(positionalName(i)) + "::text"
		fields[i] = "CASE WHEN " + v + " IS NULL THEN '' " +
			"WHEN " + v + ` ~ '[",\r\n]' THEN '"' || replace(` + v + `, '"', '""') || '"' ` +
			"ELSE " + v + " END"
	}
	row := strings.Join(fields, " || ',' || ")
	if row == "" {
		row = "''"
	}
	return argf("(?::text || coalesce(E'\\n' || string_agg("+row+", E'\\n'), ''))",
		strings.Join(names, ","))
}

// csvField quotes one CSV field when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, "\",\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// statusSQL is the response_status column: the response.status setting,
// else the statement's own status, if any.
func statusSQL(res result) frag {
	guc := "nullif(current_setting('response.status', true), '')"
	if res.status.sql == "" {
		return rawf(guc + " AS response_status")
	}
	return res.status.wrap("coalesce("+guc+", ", ") AS response_status")
}
