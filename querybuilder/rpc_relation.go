package querybuilder

import (
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// callRelation is the relation a call of fn reads from: its select,
// filters and order see the function's columns, and its embeds follow
// the relationships of the table or view whose row type fn returns
// (RETURNS SETOF notes, or RETURNS notes), as PostgREST lets a function
// embed what its table embeds. Like PostgREST, rowgate looks that table
// up in the function's own schema.
//
// Any other result (RETURNS TABLE, OUT arguments, a row type that is no
// table's, a scalar) is a relation of its own, made from its columns and
// without relationships: an embed then answers PGRST200.
func callRelation(cat *catalog.Catalog, fn *catalog.Function) *catalog.Table {
	if t := returnedTable(cat, fn); t != nil {
		return t
	}
	return resultTable(fn)
}

// returnedTable finds the table or view whose row type fn returns, or nil.
// The catalog holds the return type as format_type prints it: schema
// qualified only when the schema is not on the loader's search_path, and
// quoted where needed. The columns must match too, so a same-named
// relation of another schema is never taken for it.
func returnedTable(cat *catalog.Catalog, fn *catalog.Function) *catalog.Table {
	if fn.Returns != catalog.ReturnComposite {
		return nil
	}
	schema, name, ok := splitTypeName(fn.ReturnType)
	if !ok || (schema != "" && schema != fn.Schema) {
		return nil
	}
	t, found := cat.Table(fn.Schema, name)
	if !found || len(t.Columns) != len(fn.Columns) {
		return nil
	}
	for i, c := range t.Columns {
		if c.Name != fn.Columns[i].Name || c.Type != fn.Columns[i].Type {
			return nil
		}
	}
	return t
}

// splitTypeName splits a type name as format_type prints it, name or
// schema.name with either part double-quoted, into its unquoted parts.
// ok is false for anything else (an array, a type with modifiers).
func splitTypeName(s string) (schema, name string, ok bool) {
	var parts []string
	for len(s) > 0 {
		var part string
		if s[0] == '"' {
			// A quoted part ends at a quote that is not doubled.
			var b strings.Builder
			i := 1
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return "", "", false
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			part, s = b.String(), s[i:]
		} else {
			end := strings.IndexByte(s, '.')
			if end < 0 {
				end = len(s)
			}
			part, s = s[:end], s[end:]
			if part == "" || strings.ContainsAny(part, `"[]() `) {
				return "", "", false
			}
		}
		parts = append(parts, part)
		if s == "" {
			break
		}
		if s[0] != '.' || len(s) == 1 {
			return "", "", false
		}
		s = s[1:]
	}
	switch len(parts) {
	case 1:
		return "", parts[0], true
	case 2:
		return parts[0], parts[1], true
	}
	return "", "", false
}
