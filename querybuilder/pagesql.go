package querybuilder

import (
	"errors"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"
)

// pageQuery is the SELECT of a read's page. It renders exactly what
// squirrel's SelectBuilder renders for the same parts, '?' placeholders
// included, but as a plain struct: squirrel's immutable builder copies
// itself through reflection at every call, which made up a large share of
// a request's CPU time.
type pageQuery struct {
	from    string
	columns []frag
	joins   []frag
	where   []frag
	groupBy []string
	orderBy []frag
	// limit < 0 and offset <= 0 leave the clause out.
	limit, offset int64
}

var errNoColumns = errors.New("select statements must have at least one result column")

// ToSql implements squirrel.Sqlizer.
func (p *pageQuery) ToSql() (string, []any, error) {
	if len(p.columns) == 0 {
		return "", nil, errNoColumns
	}
	var b strings.Builder
	var args []any
	b.WriteString("SELECT ")
	args = writeParts(&b, p.columns, ", ", args)
	b.WriteString(" FROM ")
	b.WriteString(p.from)
	if len(p.joins) > 0 {
		b.WriteByte(' ')
		args = writeParts(&b, p.joins, " ", args)
	}
	if len(p.where) > 0 {
		b.WriteString(" WHERE ")
		args = writeParts(&b, p.where, " AND ", args)
	}
	if len(p.groupBy) > 0 {
		b.WriteString(" GROUP BY ")
		b.WriteString(strings.Join(p.groupBy, ", "))
	}
	if len(p.orderBy) > 0 {
		b.WriteString(" ORDER BY ")
		args = writeParts(&b, p.orderBy, ", ", args)
	}
	if p.limit >= 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.FormatInt(p.limit, 10))
	}
	if p.offset > 0 {
		b.WriteString(" OFFSET ")
		b.WriteString(strconv.FormatInt(p.offset, 10))
	}
	return b.String(), args, nil
}

// writeParts joins parts with sep as squirrel does: an empty part is
// skipped, and a separator goes before every part but the first.
func writeParts(b *strings.Builder, parts []frag, sep string, args []any) []any {
	for i, f := range parts {
		if f.sql == "" {
			continue
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(f.sql)
		args = append(args, f.args...)
	}
	return args
}

// builder returns the same query as a squirrel SelectBuilder without its
// order, limit and offset, for the statements that nest it.
func (p *pageQuery) builder() sq.SelectBuilder {
	s := sq.Select().From(p.from)
	for _, c := range p.columns {
		s = s.Column(c)
	}
	for _, j := range p.joins {
		s = s.JoinClause(j)
	}
	for _, w := range p.where {
		s = s.Where(w)
	}
	return s.GroupBy(p.groupBy...)
}

// selectFrags is selectList as fragments.
func selectFrags(cols []outCol, positional bool) []frag {
	list := make([]frag, len(cols))
	for i, c := range cols {
		name := c.name
		if positional {
			name = positionalName(i)
		}
		list[i] = c.expr.wrap("", " AS "+quoteIdent(name))
	}
	return list
}

// numberPlaceholders replaces each '?' of sql by $1, $2, ... and each "??"
// by a literal '?', as squirrel's sq.Dollar does, in one pass.
func numberPlaceholders(sql string) string {
	if strings.IndexByte(sql, '?') < 0 {
		return sql
	}
	out := make([]byte, 0, len(sql)+16)
	n := int64(0)
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c != '?':
			out = append(out, c)
		case i+1 < len(sql) && sql[i+1] == '?':
			out = append(out, '?')
			i++
		default:
			n++
			out = append(out, '$')
			out = strconv.AppendInt(out, n, 10)
		}
	}
	return string(out)
}
