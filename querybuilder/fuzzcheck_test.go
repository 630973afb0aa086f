package querybuilder

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// builderLiterals are the only string literals the builder writes itself.
// Every other literal in a statement must come from the catalog (a column
// default); anything from the request travels as a bound parameter.
var builderLiterals = map[string]bool{
	`''`: true, `','`: true, `'[]'`: true, `'\n'`: true, `'"'`: true, `'""'`: true,
	`'[",\r\n]'`: true, `'200'`: true, `'201'`: true, `'block_size'`: true,
	`'response.headers'`: true, `'response.status'`: true,
	`'` + MaxAffectedMarker + `'`: true, `'` + SingleRowMarker + `'`: true,
}

// sqlLiterals returns the single-quoted literals of a statement, skipping
// double-quoted identifiers (which may hold single quotes themselves).
func sqlLiterals(sql string) []string {
	var out []string
	for i := 0; i < len(sql); i++ {
		q := sql[i]
		if q != '\'' && q != '"' {
			continue
		}
		j := i + 1
		for j < len(sql) {
			if sql[j] == q {
				if j+1 < len(sql) && sql[j+1] == q {
					j += 2
					continue
				}
				break
			}
			j++
		}
		if q == '\'' {
			out = append(out, sql[i:min(j+1, len(sql))])
		}
		i = j
	}
	return out
}

// checkBoundOnly asserts that every literal in the statement is one the
// builder writes or a default expression's from the catalog.
func checkBoundOnly(t *testing.T, cat *catalog.Catalog, plan *Plan) {
	t.Helper()
	allowed := func(lit string) bool {
		if builderLiterals[lit] {
			return true
		}
		for _, tb := range cat.Tables {
			for _, c := range tb.Columns {
				if strings.Contains(c.Default, lit) {
					return true
				}
			}
		}
		return false
	}
	for _, lit := range sqlLiterals(plan.SQL) {
		if !allowed(lit) {
			t.Fatalf("literal %s is not a bound value:\n%s", lit, plan.SQL)
		}
	}
}

// builderFaults are the SQLSTATEs that mean a statement is malformed (the
// builder's fault), as opposed to a request PostgreSQL rightly refuses,
// such as like on an integer or a cast to a type that does not exist.
var builderFaults = map[string]bool{
	"42601": true, // syntax error
	"42P18": true, // indeterminate parameter type
	"42P08": true, // ambiguous parameter
	"42P02": true, // undefined parameter
	"08P01": true, // protocol violation (parameter count)
	"42702": true, // ambiguous column
}

// parseConn is one connection to the test database for the fuzz target,
// opened on first use; nil when no PostgreSQL is reachable.
var parseConn struct {
	once sync.Once
	mu   sync.Mutex
	conn *pgx.Conn
}

// checkParses prepares the statement on the test database, so PostgreSQL
// parses and analyzes it without running it, and fails on a builder
// fault. Without a database it does nothing.
func checkParses(t *testing.T, plan *Plan) {
	t.Helper()
	parseConn.once.Do(func() {
		testDB.once.Do(createTestDB)
		if testDB.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, testDB.dsn); err == nil {
			parseConn.conn = conn
		}
	})
	if parseConn.conn == nil {
		return
	}
	parseConn.mu.Lock()
	defer parseConn.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := parseConn.conn.Prepare(ctx, "", plan.SQL)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
	case !errors.As(err, &pgErr):
		t.Fatalf("prepare: %v", err)
	case builderFaults[pgErr.Code]:
		t.Fatalf("statement does not parse: %v\n%s", err, plan.SQL)
	}
}

func TestSQLLiterals(t *testing.T) {
	t.Parallel()
	got := sqlLiterals(`SELECT 'a''b', "x'y", E'\n', "q""'" || 'c'`)
	want := []string{`'a''b'`, `'\n'`, `'c'`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sqlLiterals = %q, want %q", got, want)
	}
}
