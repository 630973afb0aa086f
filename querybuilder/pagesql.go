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
	var w sqlWriter
	w.grow(p.size())
	p.write(&w)
	return string(w.buf), w.args, nil
}

// size estimates the length of the rendered query.
func (p *pageQuery) size() int {
	if p == nil {
		return 0
	}
	return 64 + len(p.from) + fragsLen(p.columns) + fragsLen(p.joins) + fragsLen(p.where) +
		fragsLen(p.orderBy) + 4*len(p.groupBy)
}

// write renders the query into w.
func (p *pageQuery) write(w *sqlWriter) {
	w.raw("SELECT ")
	w.parts(p.columns, ", ")
	w.raw(" FROM ")
	// Identifiers escape a '?' as "??" for the numbering, like fragments.
	w.frag(frag{sql: p.from})
	if len(p.joins) > 0 {
		w.raw(" ")
		w.parts(p.joins, " ")
	}
	if len(p.where) > 0 {
		w.raw(" WHERE ")
		w.parts(p.where, " AND ")
	}
	if len(p.groupBy) > 0 {
		w.raw(" GROUP BY ")
		for i, g := range p.groupBy {
			if i > 0 {
				w.raw(", ")
			}
			w.frag(frag{sql: g})
		}
	}
	if len(p.orderBy) > 0 {
		w.raw(" ORDER BY ")
		w.parts(p.orderBy, ", ")
	}
	if p.limit >= 0 {
		w.raw(" LIMIT ")
		w.buf = strconv.AppendInt(w.buf, p.limit, 10)
	}
	if p.offset > 0 {
		w.raw(" OFFSET ")
		w.buf = strconv.AppendInt(w.buf, p.offset, 10)
	}
}

// sqlWriter collects SQL text and its arguments. With numbered set it
// writes each '?' of a fragment as $1, $2, ... and each "??" as a literal
// '?', as squirrel's sq.Dollar does over a whole statement; fragments are
// never written next to each other without text between them, so no "??"
// can form across two of them.
type sqlWriter struct {
	buf      []byte
	args     []any
	n        int64
	numbered bool
}

func (w *sqlWriter) grow(n int) {
	w.buf = make([]byte, 0, n)
}

// raw writes text that holds no placeholder.
func (w *sqlWriter) raw(s string) {
	w.buf = append(w.buf, s...)
}

// frag writes a fragment and takes its arguments.
func (w *sqlWriter) frag(f frag) {
	w.args = append(w.args, f.args...)
	if !w.numbered || strings.IndexByte(f.sql, '?') < 0 {
		w.buf = append(w.buf, f.sql...)
		return
	}
	s := f.sql
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c != '?':
			w.buf = append(w.buf, c)
		case i+1 < len(s) && s[i+1] == '?':
			w.buf = append(w.buf, '?')
			i++
		default:
			w.n++
			w.buf = append(w.buf, '$')
			w.buf = strconv.AppendInt(w.buf, w.n, 10)
		}
	}
}

// parts joins fragments with sep as squirrel does: an empty fragment is
// skipped, and a separator goes before every fragment but the first.
func (w *sqlWriter) parts(fs []frag, sep string) {
	for i, f := range fs {
		if f.sql == "" {
			continue
		}
		if i > 0 {
			w.raw(sep)
		}
		w.frag(f)
	}
}

func fragsLen(fs []frag) int {
	n := 0
	for _, f := range fs {
		n += len(f.sql) + 2
	}
	return n
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
	positional = positional || !namesFit(cols)
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
