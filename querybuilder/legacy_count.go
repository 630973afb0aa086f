package querybuilder

import "github.com/rowgate/rowgate/querybuilder/catalog"

// legacyCountName is the select item that counts rows in PostgREST's form
// from before aggregate functions: select=count, or name(count) inside an
// embed (profiles?select=username,notes(count) answers
// [{"username":"alice","notes":[{"count":3}]}], the form Supabase
// documents).
//
// PostgREST does not treat the item as an aggregate: it renders it as the
// column "notes"."count", and PostgreSQL, finding no such column, reads
// the attribute notation as the function call count("notes"). So it works
// while db-aggregates-enabled is off, and a real column named count wins.
// rowgate renders the count(*) that PostgreSQL would run instead of
// relying on that notation; the behaviour is the same, including the
// error when the count sits next to plain columns (PostgreSQL's 42803,
// "must appear in the GROUP BY clause"), since nothing groups by them.
const legacyCountName = "count"

// legacyCount renders a field item that names count on a relation without
// a column of that name: count(*) over the rows the caller can see (the
// statement runs under row-level security), with the item's cast and
// alias. ok is false when the item is anything else.
func legacyCount(t *catalog.Table, it SelectItem) (col outCol, ok bool, err *Error) {
	if it.Field.Name != legacyCountName || len(it.Field.Path) > 0 {
		return outCol{}, false, nil
	}
	if _, isColumn := t.Column(legacyCountName); isColumn {
		return outCol{}, false, nil
	}
	expr := rawf("count(*)")
	if it.Cast != "" {
		if expr, err = castSQL(expr, it.Cast); err != nil {
			return outCol{}, false, err
		}
	}
	name := it.Alias
	if name == "" {
		name = legacyCountName
	}
	return outCol{expr: expr, name: name}, true, nil
}
