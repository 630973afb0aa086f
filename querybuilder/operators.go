package querybuilder

import (
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// operators maps the single-value operators of the URL grammar to SQL. It
// is the only place operator text in generated SQL comes from.
var operators = map[string]string{
	"eq":         "=",
	"neq":        "<>",
	"gt":         ">",
	"gte":        ">=",
	"lt":         "<",
	"lte":        "<=",
	"like":       "LIKE",
	"ilike":      "ILIKE",
	"match":      "~",
	"imatch":     "~*",
	"cs":         "@>",
	"cd":         "<@",
	"ov":         "&&",
	"sl":         "<<",
	"sr":         ">>",
	"nxr":        "&<",
	"nxl":        "&>",
	"adj":        "-|-",
	"isdistinct": "IS DISTINCT FROM",
}

// patternOperators take a text pattern whatever the column type; for like
// and ilike a '*' in the value stands for '%'.
var patternOperators = map[string]bool{"like": true, "ilike": true, "match": true, "imatch": true}

// isSQL maps the operands of is.
var isSQL = map[string]string{
	"null":     "IS NULL",
	"not_null": "IS NOT NULL",
	"true":     "IS TRUE",
	"false":    "IS FALSE",
	"unknown":  "IS UNKNOWN",
}

// ftsFunctions maps the full-text operators to their query functions.
var ftsFunctions = map[string]string{
	"fts":   "to_tsquery",
	"plfts": "plainto_tsquery",
	"phfts": "phraseto_tsquery",
	"wfts":  "websearch_to_tsquery",
}

// filterSQL renders a filter on table t qualified by qual. Values are bound
// as text and cast to the type of the left side (see typed).
func filterSQL(t *catalog.Table, qual string, f Filter) (frag, *Error) {
	lhs, typ, err := comparableFieldSQL(t, qual, f.Field)
	if err != nil {
		return frag{}, err
	}

	var out frag
	switch {
	case f.Op == "in":
		// An empty list matches nothing, as = ANY('{}') does.
		out = lhs.wrap("", " = ANY("+typedArray(typ)+")")
		out.args = append(out.args, append([]string{}, f.List...))
	case f.Op == "is":
		out = lhs.wrap("", " "+isSQL[f.Value])
	case ftsFunctions[f.Op] != "":
		out = ftsSQL(lhs, typ, f)
	default:
		out = comparisonSQL(lhs, typ, f)
	}
	if f.Negate {
		out = out.wrap("NOT (", ")")
	}
	return out, nil
}

// comparisonSQL renders a single-value operator, quantified or not.
func comparisonSQL(lhs frag, typ string, f Filter) frag {
	op := operators[f.Op]
	value := f.Value
	if f.Op == "like" || f.Op == "ilike" {
		value = strings.ReplaceAll(value, "*", "%")
	}
	rhsType := typ
	if patternOperators[f.Op] {
		rhsType = "text"
	}

	out := lhs
	if f.Quantifier != "" {
		out.sql += " " + op + " " + strings.ToUpper(f.Quantifier) + "(" + typed(rhsType+"[]") + ")"
	} else {
		out.sql += " " + op + " " + typed(rhsType)
	}
	out.args = append(append([]any{}, lhs.args...), value)
	return out
}

// ftsSQL renders a full-text filter. Columns that are not tsvector go
// through to_tsvector first, with the same configuration as the query.
func ftsSQL(lhs frag, typ string, f Filter) frag {
	fn := ftsFunctions[f.Op]
	var args []any
	vec := lhs
	if typ != "tsvector" {
		if f.Language != "" {
			vec = frag{sql: "to_tsvector(?::regconfig, " + lhs.sql + ")", args: append([]any{f.Language}, lhs.args...)}
		} else {
			vec = lhs.wrap("to_tsvector(", ")")
		}
	}
	args = append(args, vec.args...)
	query := fn + "(?::text)"
	if f.Language != "" {
		query = fn + "(?::regconfig, ?::text)"
		args = append(args, f.Language)
	}
	args = append(args, f.Value)
	return frag{sql: vec.sql + " @@ " + query, args: args}
}
