package querybuilder

import (
	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// buildDelete builds a DELETE of the rows the filters select:
//
//	DELETE FROM "s"."t" AS pgrst_target WHERE <filters> RETURNING pgrst_target.*
func buildDelete(t *catalog.Table, q *Query, r *Request) (*Plan, *Error) {
	where, err := writeWhere(t, q)
	if err != nil {
		return nil, err
	}
	stmt := sq.Delete(relationAs(t, targetAlias)).Suffix(returning(t))
	for _, w := range where {
		stmt = stmt.Where(w)
	}
	return finishWrite(t, q, r, stmt, nil)
}
