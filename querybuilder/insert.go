package querybuilder

import (
	"net/http"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// buildInsert builds a POST: an INSERT ... SELECT from the JSON payload,
// optionally an upsert (Prefer: resolution with on_conflict, default the
// primary key).
func buildInsert(t *catalog.Table, q *Query, r *Request) (*Plan, *Error) {
	p, err := parsePayload(r)
	if err != nil {
		return nil, err
	}
	cols, err := payloadColumns(t, q, p)
	if err != nil {
		return nil, err
	}
	conflict, err := conflictClause(t, q, r.Prefer.Resolution, cols)
	if err != nil {
		return nil, err
	}
	stmt, err := insertSQL(t, cols, r.Prefer.Missing == "default", conflict)
	if err != nil {
		return nil, err
	}
	return finishWrite(t, q, r, stmt, p)
}

// insertSQL is the INSERT of the payload's rows into cols. With
// missingDefault, a key absent from a row takes the column default (its
// catalog expression) while an explicit null stays null.
func insertSQL(t *catalog.Table, cols []*catalog.Column, missingDefault bool, conflict string) (sq.Sqlizer, *Error) {
	table := relationAs(t, targetAlias)
	ret := returning(t)
	if conflict != "" && !t.IsView {
		ret += ", " + targetAlias + ".xmax = 0 AS " + insertedFlag(t)
	}
	tail := strings.TrimSpace(conflict + " " + ret)

	// An object without keys inserts a row of defaults per element.
	if len(cols) == 0 {
		return rawf("INSERT INTO " + table + " SELECT FROM " + payloadAlias +
			", json_array_elements(" + payloadAlias + ".j) " + tail), nil
	}

	src := sq.Select()
	if missingDefault {
		src = src.From(payloadAlias + ", jsonb_array_elements(" + payloadAlias + ".j::jsonb) AS pgrst_e(v), " +
			"jsonb_to_record(pgrst_e.v) AS " + bodyAlias + "(" + recordDefs(cols) + ")")
		for _, c := range cols {
			def := "NULL"
			if c.Default != "" {
				def = escapeMarks(c.Default)
			}
			src = src.Column(argf("CASE WHEN pgrst_e.v ?? ?::text THEN "+bodyAlias+"."+quoteIdent(c.Name)+
				" ELSE "+def+" END", c.Name))
		}
	} else {
		src = src.From(payloadRows(cols))
		for _, n := range quotedNames(cols, bodyAlias) {
			src = src.Column(n)
		}
	}
	return sq.Insert(table).Columns(quotedNames(cols, "")...).Select(src).Suffix(tail), nil
}

// conflictClause is the ON CONFLICT clause for Prefer: resolution, empty
// without one. The target is on_conflict= or the primary key.
func conflictClause(t *catalog.Table, q *Query, resolution string, cols []*catalog.Column) (string, *Error) {
	if resolution == "" {
		return "", nil
	}
	target := t.PrimaryKey
	if q.OnConflict != nil {
		target = q.OnConflict
	}
	for _, n := range target {
		if _, ok := t.Column(n); !ok {
			return "", columnNotFound(t.Name, n)
		}
	}
	on := "ON CONFLICT"
	if len(target) > 0 {
		names := make([]string, len(target))
		for i, n := range target {
			names[i] = quoteIdent(n)
		}
		on += " (" + strings.Join(names, ", ") + ")"
	}

	if resolution == "ignore-duplicates" || len(cols) == 0 {
		return on + " DO NOTHING", nil
	}
	if len(target) == 0 {
		return "", &Error{
			Status:  http.StatusBadRequest,
			Code:    "42P10",
			Message: "there is no unique or exclusion constraint matching the ON CONFLICT specification",
			Hint:    "Pass on_conflict= with the columns of a unique constraint.",
		}
	}
	sets := make([]string, len(cols))
	for i, c := range cols {
		n := quoteIdent(c.Name)
		sets[i] = n + " = EXCLUDED." + n
	}
	return on + " DO UPDATE SET " + strings.Join(sets, ", "), nil
}
