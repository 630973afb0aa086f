package rls

import "github.com/jackc/pgx/v5/pgconn"

// CachedStatements returns the statement cache of pc for tests: statement
// name → SQL text, and the names still to be deallocated.
func CachedStatements(pc *pgconn.PgConn) (map[string]string, []string) {
	c, ok := pc.CustomData()[stmtCacheKey].(*stmtCache)
	if !ok {
		return nil, nil
	}
	m := make(map[string]string, len(c.entries))
	for k, e := range c.entries {
		m[e.desc.Name] = k.sql
	}
	return m, append([]string(nil), c.closing...)
}
