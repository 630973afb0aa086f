package querybuilder

import (
	"strings"

	sq "github.com/Masterminds/squirrel"
)

// frag is a piece of SQL with '?' placeholders and the values they bind. It
// implements squirrel.Sqlizer, so fragments nest inside squirrel builders
// and all placeholders are numbered once, at the top.
type frag struct {
	sql  string
	args []any
}

// ToSql implements squirrel.Sqlizer.
func (f frag) ToSql() (string, []any, error) { return f.sql, f.args, nil }

// rawf is a fragment without arguments.
func rawf(sql string) frag { return frag{sql: sql} }

// argf is a fragment with arguments.
func argf(sql string, args ...any) frag { return frag{sql: sql, args: args} }

// joinFrags joins fragments with sep.
func joinFrags(fs []frag, sep string) frag {
	var b strings.Builder
	var args []any
	for i, f := range fs {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(f.sql)
		args = append(args, f.args...)
	}
	return frag{sql: b.String(), args: args}
}

// wrap puts the fragment between prefix and suffix.
func (f frag) wrap(prefix, suffix string) frag {
	return frag{sql: prefix + f.sql + suffix, args: f.args}
}

// sqlize renders any squirrel builder into a fragment without numbering its
// placeholders.
func sqlize(s sq.Sqlizer) (frag, error) {
	sql, args, err := s.ToSql()
	if err != nil {
		return frag{}, err
	}
	return frag{sql: sql, args: args}, nil
}
