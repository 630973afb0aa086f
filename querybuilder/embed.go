package querybuilder

import (
	"sort"
	"strconv"

	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// Embedded resources (select=*,author:users(name),comments(id)) are built
// into the one statement of the request, in three shapes:
//
//   - A plain embed is a correlated subquery in the select list:
//     (SELECT coalesce(json_agg(r), '[]') FROM (SELECT ... FROM child
//     WHERE child.fk = parent.key ...) r) for to-many, row_to_json(r) for
//     to-one. PostgreSQL evaluates such subqueries after ORDER BY and
//     LIMIT, so a page of ten parents runs ten child lookups, however big
//     the table.
//   - An embed that the parent is ordered by (order=author(name)) or that
//     is spread into it (...users(name)) is a LEFT JOIN LATERAL, whose
//     columns the parent reads; a to-one lateral is usually flattened into
//     a plain join by the planner.
//   - An embed that filters its parent (!inner, author=is.null,
//     author=not.is.null) adds EXISTS (...) / NOT EXISTS (...) to the
//     parent's conditions, so counts see the same rows as the page.
//
// A to-one embed expects at most one child row. Through a view whose key
// columns repeat (a view over a join, say), a plain to-one embed fails
// with PostgreSQL's "more than one row returned by a subquery" (500)
// instead of picking a row.
//
// Child relations get the aliases pgrst_eN (junctions pgrst_xN, rows
// pgrst_rN, laterals pgrst_lN), numbered per statement, so a relation
// embedded in itself never captures its parent's name. Row-level security
// applies inside every subquery, as the whole statement runs as the
// request's role.

// maxEmbedDepth bounds how deep embeds nest. Each level repeats the
// conditions of the levels below it (in the subquery and in its EXISTS),
// so the statement grows with the square of the depth; real schemas need
// far fewer levels, and a bound keeps a long URL from building a huge
// statement.
const maxEmbedDepth = 16

// embedder renders select trees; it numbers the aliases of one statement
// and tracks how deep the embed being rendered is.
type embedder struct{ n, depth int }

// level is one relation of a statement rendered with its embeds: its
// output columns, the lateral joins they read from, its conditions and its
// order terms.
type level struct {
	cols  []outCol
	joins []frag
	where []frag
	order []frag
}

// embedRef is what a level keeps of one of its embeds for its filters and
// order.
type embedRef struct {
	rel *catalog.Relationship
	// exists is EXISTS (...) of a child row that passes the child's
	// filters.
	exists frag
	// orders are the hidden columns the parent's related order terms read,
	// in the order of those terms.
	orders []frag
}

// readLevel renders the select, conditions and order of a read on t.
func readLevel(t *catalog.Table, qual string, q *Query) (*level, *Error) {
	return (&embedder{}).level(t, qual, q, selectItems(q), true)
}

// representationLevel renders the select of a write's representation. The
// filters and order of q belong to the write itself, so neither they nor
// !inner filter the representation; its embeds still take their own
// parameters.
func representationLevel(t *catalog.Table, qual string, q *Query) (*level, *Error) {
	return (&embedder{}).level(t, qual, q, selectItems(q), false)
}

// embedName is the name an embed's output and parameters go by.
func embedName(it SelectItem) string {
	if it.Alias != "" {
		return it.Alias
	}
	return it.Relation
}

// level renders items on t qualified by qual. With own set, q's filters,
// logic trees and order apply to this level; its embedded parameters
// always go to the embeds they name.
func (b *embedder) level(t *catalog.Table, qual string, q *Query, items []SelectItem, own bool) (*level, *Error) {
	lv := &level{}

	// The fields each embed is ordered by, so it can expose them.
	orderBy := map[string][]Field{}
	if own {
		for _, term := range q.Order {
			if term.Relation != "" {
				orderBy[term.Relation] = append(orderBy[term.Relation], term.Field)
			}
		}
	}

	// The output columns, in select order.
	embeds := map[string]*embedRef{}
	for _, it := range items {
		if err := checkColumns(lv.cols); err != nil {
			return nil, err
		}
		if !it.IsEmbed() {
			cols, err := projection(t, qual, []SelectItem{it})
			if err != nil {
				return nil, err
			}
			lv.cols = append(lv.cols, cols...)
			continue
		}
		name := embedName(it)
		ref, err := b.embed(lv, t, qual, it, q.Embedded[name], orderBy[name])
		if err != nil {
			return nil, err
		}
		embeds[name] = ref
		if own && it.JoinType == "inner" {
			lv.where = append(lv.where, ref.exists)
		}
	}
	if err := checkColumns(lv.cols); err != nil {
		return nil, err
	}

	// Parameters aimed at embeds that are not in select.
	for _, name := range sortedKeys(q.Embedded) {
		if embeds[name] == nil {
			return nil, notEmbedded(name)
		}
	}
	if !own {
		return lv, nil
	}

	// The conditions.
	for _, f := range q.Filters {
		w, err := b.condition(t, qual, embeds, f)
		if err != nil {
			return nil, err
		}
		lv.where = append(lv.where, w)
	}
	for _, tree := range q.Logic {
		w, err := b.logic(t, qual, embeds, tree)
		if err != nil {
			return nil, err
		}
		lv.where = append(lv.where, w)
	}

	// The order, related terms reading their embed's hidden columns.
	for _, term := range q.Order {
		if term.Relation == "" {
			o, err := orderSQL(t, qual, []OrderTerm{term})
			if err != nil {
				return nil, err
			}
			lv.order = append(lv.order, o...)
			continue
		}
		ref := embeds[term.Relation]
		if ref == nil {
			return nil, notEmbedded(term.Relation)
		}
		lv.order = append(lv.order, orderDirection(ref.orders[0], term))
		ref.orders = ref.orders[1:]
	}
	return lv, nil
}

// embed renders one embed of parent into lv and returns what the parent's
// filters and order need of it. q holds the embed's own parameters (nil
// when there are none) and orderFields the child fields the parent is
// ordered by.
func (b *embedder) embed(lv *level, parent *catalog.Table, parentQual string, it SelectItem,
	q *Query, orderFields []Field) (*embedRef, *Error) {
	rel, err := findRelationship(parent, it)
	if err != nil {
		return nil, err
	}
	toOne := rel.Cardinality.ToOne()
	if len(orderFields) > 0 && !toOne {
		return nil, relatedOrderNotToOne(parent.Name, embedName(it))
	}
	if q == nil {
		q = &Query{Limit: -1, Offset: -1}
	}
	if b.depth >= maxEmbedDepth {
		return nil, notImplemented("resource embedding nested deeper than " + strconv.Itoa(maxEmbedDepth) + " levels")
	}
	child := rel.ForeignTable()
	b.n++
	n := strconv.Itoa(b.n)
	alias := "pgrst_e" + n

	// The child's own level, then how it joins its parent.
	b.depth++
	clv, err := b.level(child, alias, q, it.Children, true)
	b.depth--
	if err != nil {
		return nil, err
	}
	from, where := joinSource(rel, child, alias, parentQual, n)
	where = append(where, clv.where...)
	exists, err := sqlizeErr(whereAll(sq.Select("1").From(from), where))
	if err != nil {
		return nil, err
	}
	ref := &embedRef{rel: rel, exists: exists.wrap("EXISTS (", ")")}

	// The hidden columns of related order terms.
	hidden := make([]frag, len(orderFields))
	for i, f := range orderFields {
		if hidden[i], _, err = comparableFieldSQL(child, alias, f); err != nil {
			return nil, err
		}
	}

	sub := childQuery{from: from, lv: clv, where: where, limit: q.Limit, offset: q.Offset}
	row, lateral := "pgrst_r"+n, "pgrst_l"+n
	name := embedName(it)
	var body frag
	switch {
	case !it.Spread && len(orderFields) == 0:
		// A correlated subquery in the select list.
		if len(clv.cols) == 0 {
			return ref, nil
		}
		inner, err := sub.sql(namedList(clv.cols), true)
		if err != nil {
			return nil, err
		}
		agg := rowElement(row, clv.cols).wrap("coalesce(json_agg(", "), '[]')")
		if toOne {
			agg = rowObject(row, clv.cols)
		}
		tail := rawf(") AS " + row + ")")
		expr := joinFrags([]frag{agg.wrap("(SELECT ", " FROM ("), inner, tail}, "")
		lv.cols = append(lv.cols, outCol{expr: expr, name: name})
		return ref, nil

	case toOne && !it.Spread:
		// The object, plus the columns the parent is ordered by.
		var list []any
		if len(clv.cols) > 0 {
			list = append(list, rowObject(row, clv.cols).wrap("", " AS j"))
			proj, err := sqlizeErr(selectOf(namedList(clv.cols)))
			if err != nil {
				return nil, err
			}
			sub.tail = append(sub.tail, proj.wrap("CROSS JOIN LATERAL (", ") AS "+row))
			lv.cols = append(lv.cols, outCol{expr: rawf(lateral + ".j"), name: name})
		}
		list = append(list, hiddenList(hidden)...)
		if body, err = sub.sql(list, false); err != nil {
			return nil, err
		}

	case toOne:
		// A spread object: its columns lift into the parent.
		list := append(positionalList(clv.cols), hiddenList(hidden)...)
		if body, err = sub.sql(list, true); err != nil {
			return nil, err
		}
		for i, c := range clv.cols {
			lv.cols = append(lv.cols, outCol{expr: rawf(lateral + "." + positionalName(i)), name: c.name})
		}

	default:
		// A spread array: each column becomes an array of its values.
		if len(clv.cols) == 0 {
			return ref, nil
		}
		inner, err := sub.sql(positionalList(clv.cols), true)
		if err != nil {
			return nil, err
		}
		list := make([]any, len(clv.cols))
		for i, c := range clv.cols {
			p := positionalName(i)
			list[i] = rawf("json_agg(" + row + "." + p + ") AS " + p)
			lv.cols = append(lv.cols, outCol{expr: rawf("coalesce(" + lateral + "." + p + ", '[]')"), name: c.name})
		}
		body = inner.wrap("SELECT "+joinAny(list)+" FROM (", ") AS "+row)
	}

	if body.sql == "" {
		return ref, nil
	}
	lv.joins = append(lv.joins, body.wrap("LEFT JOIN LATERAL (", ") AS "+lateral+" ON TRUE"))
	for i := range hidden {
		ref.orders = append(ref.orders, rawf(lateral+".pgrst_o"+strconv.Itoa(i+1)))
	}
	return ref, nil
}

// childQuery is the SELECT of an embedded relation: its source with the
// join to the parent, the child level's joins, conditions and order, and
// its own limit and offset.
type childQuery struct {
	from   string
	lv     *level
	where  []frag
	tail   []frag // joins after the child's own
	limit  int64
	offset int64
}

// sql renders the query with the given select list; an empty list renders
// nothing. grouped adds the GROUP BY of aggregates in the child's columns,
// which are then the first entries of list.
func (c childQuery) sql(list []any, grouped bool) (frag, *Error) {
	if len(list) == 0 {
		return frag{}, nil
	}
	s := selectOf(list).From(c.from)
	for _, j := range append(append([]frag{}, c.lv.joins...), c.tail...) {
		s = s.JoinClause(j)
	}
	s = whereAll(s, c.where)
	if grouped {
		s = s.GroupBy(groupBy(c.lv.cols)...)
	}
	for _, o := range c.lv.order {
		s = s.OrderByClause(o)
	}
	if c.limit >= 0 {
		s = s.Limit(uint64(c.limit))
	}
	if c.offset > 0 {
		s = s.Offset(uint64(c.offset))
	}
	return sqlizeErr(s)
}

// joinSource is the FROM text of an embedded relation (with its junction
// for many-to-many) and the conditions that tie it to its parent. The
// child's key columns are compared with the parent's, so an index on the
// child's foreign key serves the lookup.
func joinSource(rel *catalog.Relationship, child *catalog.Table, alias, parentQual, n string) (string, []frag) {
	from := qualifiedName(child.Schema, child.Name) + " AS " + alias
	var where []frag
	if j := rel.Junction; j != nil {
		jAlias := "pgrst_x" + n
		from += " JOIN " + qualifiedName(j.Table.Schema, j.Table.Name) + " AS " + jAlias + " ON "
		for i, p := range j.Target {
			if i > 0 {
				from += " AND "
			}
			from += jAlias + "." + quoteIdent(p.Column) + " = " + alias + "." + quoteIdent(p.ForeignColumn)
		}
		for _, p := range j.Source {
			where = append(where, rawf(jAlias+"."+quoteIdent(p.ForeignColumn)+" = "+parentQual+"."+quoteIdent(p.Column)))
		}
		return from, where
	}
	for _, p := range rel.Columns {
		where = append(where, rawf(alias+"."+quoteIdent(p.ForeignColumn)+" = "+parentQual+"."+quoteIdent(p.Column)))
	}
	return from, where
}

// condition renders a filter of a level: on an embed's name, is.null and
// not.is.null test whether a matching child exists; anything else is a
// column filter.
func (b *embedder) condition(t *catalog.Table, qual string, embeds map[string]*embedRef, f Filter) (frag, *Error) {
	ref := embeds[f.Field.Name]
	if ref == nil || len(f.Field.Path) > 0 {
		return filterSQL(t, qual, f)
	}
	if f.Op != "is" || (f.Value != "null" && f.Value != "not_null") {
		if _, isColumn := t.Column(f.Field.Name); isColumn {
			return filterSQL(t, qual, f)
		}
		return frag{}, badEmbedFilter(f.Field.Name)
	}
	if (f.Value == "null") != f.Negate {
		return ref.exists.wrap("NOT ", ""), nil
	}
	return ref.exists, nil
}

// logic renders an and/or tree of a level, whose leaves may test embeds.
func (b *embedder) logic(t *catalog.Table, qual string, embeds map[string]*embedRef, tree LogicTree) (frag, *Error) {
	if tree.Filter != nil {
		return b.condition(t, qual, embeds, *tree.Filter)
	}
	parts := make([]frag, 0, len(tree.Children))
	for _, child := range tree.Children {
		p, err := b.logic(t, qual, embeds, child)
		if err != nil {
			return frag{}, err
		}
		parts = append(parts, p)
	}
	sep := " AND "
	if tree.Or {
		sep = " OR "
	}
	out := joinFrags(parts, sep).wrap("(", ")")
	if tree.Negate {
		out = out.wrap("NOT ", "")
	}
	return out, nil
}

// orderDirection adds a term's direction and nulls placement to expr.
func orderDirection(expr frag, term OrderTerm) frag {
	switch term.Direction {
	case "asc":
		expr.sql += " ASC"
	case "desc":
		expr.sql += " DESC"
	}
	switch term.Nulls {
	case "nullsfirst":
		expr.sql += " NULLS FIRST"
	case "nullslast":
		expr.sql += " NULLS LAST"
	}
	return expr
}

// namedList is cols as "expr AS name".
func namedList(cols []outCol) []any { return selectList(cols, false) }

// positionalList is cols as "expr AS pgrst_cN".
func positionalList(cols []outCol) []any { return selectList(cols, true) }

// hiddenList names the hidden order columns pgrst_o1, pgrst_o2, ...
func hiddenList(hidden []frag) []any {
	out := make([]any, len(hidden))
	for i, h := range hidden {
		out[i] = h.wrap("", " AS pgrst_o"+strconv.Itoa(i+1))
	}
	return out
}

// joinAny joins raw fragments without arguments with commas.
func joinAny(list []any) string {
	fs := make([]frag, len(list))
	for i, l := range list {
		fs[i] = l.(frag)
	}
	return joinFrags(fs, ", ").sql
}

// selectOf is a SELECT of the given list.
func selectOf(list []any) sq.SelectBuilder {
	s := sq.Select()
	for _, c := range list {
		s = s.Column(c)
	}
	return s
}

// whereAll adds every condition to s.
func whereAll(s sq.SelectBuilder, where []frag) sq.SelectBuilder {
	for _, w := range where {
		s = s.Where(w)
	}
	return s
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]*Query) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
