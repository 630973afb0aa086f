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

// HeldAndWaiting returns how many connections the runner counts as held
// and how many requests wait in its queue, for tests.
func (r *Runner) HeldAndWaiting() (held int32, waiting, lanes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held, len(r.waiters), len(r.lanes)
}
