package querybuilder

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// buildPut builds a PUT: a single-row upsert addressed by its full primary
// key. The filters must be exactly one eq per key column (PGRST105), no
// limit or offset may be given (PGRST114), and the body's key values must
// equal the filters' (PGRST115). The statement is an INSERT ... ON
// CONFLICT (pk) DO UPDATE of the body's columns.
//
// The result does not yet tell an inserted row from a replaced one, so
// the gateway cannot answer PostgREST's 201 (inserted) apart from 200
// (replaced) for PUT with return=representation; it sees one row either way.
func buildPut(t *catalog.Table, q *Query, r *Request) (*Plan, *Error) {
	keys, err := putKeys(t, q)
	if err != nil {
		return nil, err
	}
	if q.Limit >= 0 || q.Offset >= 0 {
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    "PGRST114",
			Message: "limit/offset querystring parameters are not allowed for PUT",
		}
	}
	p, err := parsePayload(r)
	if err != nil {
		return nil, err
	}
	if p.rows != 1 {
		return nil, invalidBody("PUT takes a single JSON object")
	}
	for name, want := range keys {
		if !jsonEqualsText(p.first[name], want) {
			return nil, &Error{
				Status:  http.StatusBadRequest,
				Code:    "PGRST115",
				Message: "Payload values do not match URL in primary key column(s)",
			}
		}
	}

	cols, err := payloadColumns(t, q, p)
	if err != nil {
		return nil, err
	}
	conflict, err := conflictClause(t, &Query{}, "merge-duplicates", cols)
	if err != nil {
		return nil, err
	}
	stmt, err := insertSQL(t, cols, false, conflict)
	if err != nil {
		return nil, err
	}
	return finishWrite(t, q, r, stmt, p)
}

// putKeys checks that q filters on all and only the primary key with eq,
// and returns the key values by column.
func putKeys(t *catalog.Table, q *Query) (map[string]string, *Error) {
	bad := &Error{
		Status:  http.StatusMethodNotAllowed,
		Code:    "PGRST105",
		Message: "Filters must include all and only primary key columns with 'eq' operators",
	}
	if len(t.PrimaryKey) == 0 || len(q.Logic) > 0 || len(q.Filters) != len(t.PrimaryKey) {
		return nil, bad
	}
	isKey := map[string]bool{}
	for _, k := range t.PrimaryKey {
		isKey[k] = true
	}
	keys := map[string]string{}
	for _, f := range q.Filters {
		plain := f.Op == "eq" && !f.Negate && f.Quantifier == "" && len(f.Field.Path) == 0
		if !plain || !isKey[f.Field.Name] {
			return nil, bad
		}
		if _, dup := keys[f.Field.Name]; dup {
			return nil, bad
		}
		keys[f.Field.Name] = f.Value
	}
	return keys, nil
}

// jsonEqualsText compares a JSON scalar with the text of a URL value: a
// string by its content, a number or boolean by its literal.
func jsonEqualsText(raw json.RawMessage, text string) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return false
	}
	if raw[0] == '"' {
		var s string
		return json.Unmarshal(raw, &s) == nil && s == text
	}
	return string(raw) == text
}
