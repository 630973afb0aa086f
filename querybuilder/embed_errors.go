package querybuilder

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// findRelationship picks the one relationship an embed item means, or
// answers PGRST200 (none) or PGRST201 (several).
func findRelationship(parent *catalog.Table, it SelectItem) (*catalog.Relationship, *Error) {
	rels := parent.FindRelationships(it.Relation, it.Hint)
	switch len(rels) {
	case 0:
		return nil, noRelationship(parent, it.Relation, it.Hint)
	case 1:
		return rels[0], nil
	default:
		return nil, ambiguousRelationship(parent, it.Relation, rels)
	}
}

// noRelationship is PGRST200: nothing in the schema cache links the two.
func noRelationship(parent *catalog.Table, target, hint string) *Error {
	using := ""
	if hint != "" {
		using = "' using the hint '" + hint
	}
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST200",
		Message: fmt.Sprintf("Could not find a relationship between '%s' and '%s' in the schema cache", parent.Name, target),
		Details: fmt.Sprintf("Searched for a foreign key relationship between '%s' and '%s%s' in the schema '%s', "+
			"but no matches were found.", parent.Name, target, using, parent.Schema),
	}
}

// ambiguousRelationship is PGRST201 (HTTP 300). PostgREST sends the
// candidates as a JSON array in details; Error.Details is a string, so it
// carries that array's JSON text.
func ambiguousRelationship(parent *catalog.Table, target string, rels []*catalog.Relationship) *Error {
	type candidate struct {
		Cardinality  string `json:"cardinality"`
		Embedding    string `json:"embedding"`
		Relationship string `json:"relationship"`
	}
	cands := make([]candidate, len(rels))
	hints := make([]string, len(rels))
	for i, r := range rels {
		cands[i] = candidate{
			Cardinality:  string(r.Cardinality),
			Embedding:    r.Table.Name + " with " + r.Foreign.Name,
			Relationship: describeRelationship(r),
		}
		hints[i] = "'" + r.Foreign.Name + "!" + relationshipHint(r) + "'"
	}
	details, _ := json.Marshal(cands)
	return &Error{
		Status: http.StatusMultipleChoices,
		Code:   "PGRST201",
		Message: fmt.Sprintf("Could not embed because more than one relationship was found for '%s' and '%s'",
			parent.Name, target),
		Details: string(details),
		Hint: fmt.Sprintf("Try changing '%s' to one of the following: %s. "+
			"Find the desired relationship in the 'details' key.", target, strings.Join(hints, ", ")),
	}
}

// relationshipHint is the !hint that picks r: its key or junction name.
func relationshipHint(r *catalog.Relationship) string {
	if r.Junction != nil {
		return r.Junction.Table.Name
	}
	return r.Constraint
}

// describeRelationship renders r as PostgREST does in PGRST201 details:
// "fk using posts(author_id) and users(id)", or for many-to-many
// "junction using fk1(cols) and fk2(cols)".
func describeRelationship(r *catalog.Relationship) string {
	cols := func(ps []catalog.ColumnPair, foreign bool) string {
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = p.Column
			if foreign {
				names[i] = p.ForeignColumn
			}
		}
		return "(" + strings.Join(names, ", ") + ")"
	}
	if j := r.Junction; j != nil {
		return j.Table.Name + " using " + j.Constraint1 + cols(j.Source, true) +
			" and " + j.Constraint2 + cols(j.Target, false)
	}
	return r.Constraint + " using " + r.Table.Name + cols(r.Columns, false) +
		" and " + r.Foreign.Name + cols(r.Columns, true)
}

// notEmbedded is PGRST108: a parameter names an embed missing from select.
func notEmbedded(name string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST108",
		Message: fmt.Sprintf("'%s' is not an embedded resource in this request", name),
		Hint:    fmt.Sprintf("Verify that '%s' is included in the 'select' query parameter.", name),
	}
}

// badEmbedFilter is PGRST120: an embed filtered with something other than
// is.null or not.is.null.
func badEmbedFilter(name string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST120",
		Message: fmt.Sprintf("Bad operator on the '%s' embedded resource", name),
		Details: "Only is null or not is null filters are allowed on embedded resources",
	}
}

// relatedOrderNotToOne is PGRST118: ordering by an embed that is not
// to-one.
func relatedOrderNotToOne(origin, target string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST118",
		Message: fmt.Sprintf("A related order on '%s' is not possible", target),
		Details: fmt.Sprintf("'%s' and '%s' do not form a many-to-one or one-to-one relationship", origin, target),
	}
}
