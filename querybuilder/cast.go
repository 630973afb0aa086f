package querybuilder

import (
	"net/http"
	"strings"
)

// castKeywords maps the type names SQL spells with keywords (and so cannot
// be quoted) to the names of the same types in pg_type.
var castKeywords = map[string]string{
	"int":                         "int4",
	"integer":                     "int4",
	"smallint":                    "int2",
	"bigint":                      "int8",
	"real":                        "float4",
	"float":                       "float8",
	"double precision":            "float8",
	"decimal":                     "numeric",
	"dec":                         "numeric",
	"boolean":                     "bool",
	"char":                        "bpchar",
	"character":                   "bpchar",
	"varchar":                     "varchar",
	"character varying":           "varchar",
	"bit varying":                 "varbit",
	"timestamp":                   "timestamp",
	"timestamp without time zone": "timestamp",
	"timestamp with time zone":    "timestamptz",
	"time":                        "time",
	"time without time zone":      "time",
	"time with time zone":         "timetz",
	"interval":                    "interval",
}

// castType turns the target of field::type into SQL text. The scanner lets
// only letters, digits, '_' and spaces through; here a keyword spelling
// becomes its catalog name and anything else must be one word, which is
// quoted. So the text can never change the statement's shape: an unknown
// type is PostgreSQL's "type does not exist", never a syntax error.
func castType(name string) (string, *Error) {
	name = strings.Join(strings.Fields(strings.ToLower(name)), " ")
	if t, ok := castKeywords[name]; ok {
		return quoteIdent(t), nil
	}
	if name == "" || strings.Contains(name, " ") {
		return "", &Error{
			Status:  http.StatusBadRequest,
			Code:    "PGRST100",
			Message: "failed to parse cast (" + name + ")",
			Details: "a cast names one type",
		}
	}
	return quoteIdent(name), nil
}

// castSQL wraps expr in a cast to the type the URL named.
func castSQL(expr frag, name string) (frag, *Error) {
	typ, err := castType(name)
	if err != nil {
		return frag{}, err
	}
	return expr.wrap("CAST(", " AS "+typ+")"), nil
}
