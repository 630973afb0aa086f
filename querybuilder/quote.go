package querybuilder

import "strings"

// quoteIdent double-quotes an identifier and doubles embedded quotes. Every
// '?' is doubled too, because the text goes through squirrel, which reads
// a single '?' as a placeholder and turns "??" back into '?'.
func quoteIdent(s string) string {
	return `"` + escapeMarks(strings.ReplaceAll(s, `"`, `""`)) + `"`
}

// qualifiedName is the quoted "schema"."name" of a relation.
func qualifiedName(schema, name string) string {
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// escapeMarks doubles every '?' of SQL text that comes from the catalog
// (types, default expressions), so squirrel keeps it literal.
func escapeMarks(s string) string {
	return strings.ReplaceAll(s, "?", "??")
}

// typed is a placeholder for a value bound as text and cast to typ, a type
// name from the catalog. Casting the parameter, not the column, keeps
// indexes on the column usable.
func typed(typ string) string {
	typ = operandType(typ)
	if typ == "" || typ == "text" {
		return "?::text"
	}
	return "?::text::" + escapeMarks(typ)
}

// typedArray is a placeholder for a Go []string bound as text[] and cast to
// an array of typ.
func typedArray(typ string) string {
	typ = operandType(typ)
	if typ == "" || typ == "text" {
		return "?::text[]"
	}
	return "?::text[]::" + escapeMarks(typ) + "[]"
}

// operandType is the type a filter value is cast to for a column of type
// typ: the type without its modifiers, because an explicit cast to
// varchar(20) or numeric(30,10) would truncate or round the value and let
// it match rows it should not. The blank-padded and bit types keep an
// unbounded form, since char and bit alone mean length 1.
func operandType(typ string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for _, r := range typ {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && r == '(':
			depth++
			continue
		case !quoted && r == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	base, array := strings.CutSuffix(out, "[]")
	switch base {
	case "character", "bpchar":
		base = "bpchar"
	case "bit":
		base = "bit varying"
	default:
		return out
	}
	if array {
		return base + "[]"
	}
	return base
}
