package querybuilder

import (
	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// buildDelete builds a DELETE of the rows the filters select:
//
//	DELETE FROM "s"."t" WHERE <filters> RETURNING "t".*
func buildDelete(t *catalog.Table, q *Query, r *Request) (*Plan, *Error) {
	where, err := writeWhere(t, q)
	if err != nil {
		return nil, err
	}
	stmt := sq.Delete(qualifiedName(t.Schema, t.Name)).Suffix(returning(t))
	for _, w := range where {
		stmt = stmt.Where(w)
	}
	return finishWrite(t, q, r, stmt, nil)
}
