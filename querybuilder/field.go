package querybuilder

import (
	"strconv"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// Field is a column, optionally followed by a JSON path, as it appears in
// select, filters and order: data->a->>b.
type Field struct {
	Name string
	Path []JSONOp
}

// JSONOp is one arrow of a JSON path.
type JSONOp struct {
	// Text is true for ->> (yields text) and false for -> (yields json).
	Text bool
	// Key is the object key; unused when IsIndex.
	Key string
	// Index is the array index when IsIndex.
	Index   int
	IsIndex bool
}

// String renders the field back in URL syntax.
func (f Field) String() string {
	var b strings.Builder
	b.WriteString(f.Name)
	for _, op := range f.Path {
		if op.Text {
			b.WriteString("->>")
		} else {
			b.WriteString("->")
		}
		if op.IsIndex {
			b.WriteString(strconv.Itoa(op.Index))
		} else {
			b.WriteString(op.Key)
		}
	}
	return b.String()
}

// outputName is the name a field gets in a result: the last key of its
// JSON path, else the column name.
func (f Field) outputName() string {
	for i := len(f.Path) - 1; i >= 0; i-- {
		if !f.Path[i].IsIndex {
			return f.Path[i].Key
		}
	}
	return f.Name
}

// field reads a field name and its optional JSON path.
func (c *scanner) field() (Field, *Error) {
	name, err := c.fieldName()
	if err != nil {
		return Field{}, err
	}
	path, err := c.jsonPath()
	if err != nil {
		return Field{}, err
	}
	c.skipSpaces()
	return Field{Name: name, Path: path}, nil
}

// jsonPath reads zero or more -> / ->> steps. An operand made only of an
// optional minus and digits, followed by the end of the field, is an array
// index; anything else is a key.
func (c *scanner) jsonPath() ([]JSONOp, *Error) {
	var path []JSONOp
	for c.has("->") {
		if len(path) == maxPathSteps {
			return nil, c.fail("a JSON path may have at most " + strconv.Itoa(maxPathSteps) + " steps")
		}
		op := JSONOp{Text: c.has("->>")}
		if op.Text {
			c.i += 3
		} else {
			c.i += 2
		}
		if idx, ok := c.jsonIndex(); ok {
			op.Index, op.IsIndex = idx, true
		} else {
			key, err := c.fieldName()
			if err != nil {
				return nil, err
			}
			op.Key = key
		}
		path = append(path, op)
	}
	return path, nil
}

// jsonIndex consumes an array index when one comes next.
func (c *scanner) jsonIndex() (int, bool) {
	j := c.i
	if j < len(c.s) && c.s[j] == '-' {
		j++
	}
	digits := j
	for j < len(c.s) && c.s[j] >= '0' && c.s[j] <= '9' {
		j++
	}
	if j == digits {
		return 0, false
	}
	end := c.s[j:]
	if end != "" && !strings.HasPrefix(end, "->") && !strings.HasPrefix(end, "::") &&
		end[0] != '.' && end[0] != ',' && end[0] != ')' {
		return 0, false
	}
	n, err := strconv.ParseInt(c.s[c.i:j], 10, 32)
	if err != nil {
		return 0, false
	}
	c.i = j
	return int(n), true
}

// fieldSQL renders a field of table t, qualified by qual, and says which
// type the expression has: the column's type, text after ->>, and after ->
// json or jsonb like the column.
func fieldSQL(t *catalog.Table, qual string, f Field) (frag, string, *Error) {
	col, ok := t.Column(f.Name)
	if !ok {
		return frag{}, "", columnNotFound(t.Name, f.Name)
	}
	expr := argf(qual + "." + quoteIdent(col.Name))
	if len(f.Path) == 0 {
		return expr, col.Type, nil
	}
	for _, op := range f.Path {
		arrow := "->"
		if op.Text {
			arrow = "->>"
		}
		if op.IsIndex {
			// Parenthesized so a negative index never fuses with the arrow.
			expr.sql += arrow + "(" + strconv.Itoa(op.Index) + ")"
		} else {
			expr.sql += arrow + "?::text"
			expr.args = append(expr.args, op.Key)
		}
	}
	if f.Path[len(f.Path)-1].Text {
		return expr, "text", nil
	}
	if col.Type == "json" {
		return expr, "json", nil
	}
	return expr, "jsonb", nil
}

// comparableFieldSQL is fieldSQL for filters and order: a JSON path on a
// json column is cast to jsonb, since json has no equality or ordering.
func comparableFieldSQL(t *catalog.Table, qual string, f Field) (frag, string, *Error) {
	expr, typ, err := fieldSQL(t, qual, f)
	if err == nil && typ == "json" && len(f.Path) > 0 {
		return expr.wrap("(", ")::jsonb"), "jsonb", nil
	}
	return expr, typ, err
}
