package rls_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/rls"
)

// serverStatements lists the session's prepared statements named by the
// runner, read with the simple protocol so that reading adds none.
func serverStatements(t *testing.T, conn *pgxpool.Conn) map[string]string {
	t.Helper()
	res, err := conn.Conn().PgConn().Exec(context.Background(),
		"SELECT name, statement FROM pg_catalog.pg_prepared_statements WHERE name LIKE 'rowgate\\_%'").ReadAll()
	if err != nil {
		t.Fatalf("read pg_prepared_statements: %v", err)
	}
	out := map[string]string{}
	for _, row := range res[0].Rows {
		out[string(row[0])] = string(row[1])
	}
	return out
}

// checkCache asserts, on every idle connection of pool, that the runner's
// statement cache and the server agree: each cached statement exists on
// the server under its name and text, and the server holds no statement
// of the runner's that the cache neither knows nor is about to close. It
// returns the cache (name → SQL) of the last connection checked.
func checkCache(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	var last map[string]string
	for _, conn := range acquireAll(t, pool) {
		cached, closing := rls.CachedStatements(conn.Conn().PgConn())
		server := serverStatements(t, conn)
		for name, sql := range cached {
			if server[name] != sql {
				t.Errorf("cached statement %s is %q on the server, want %q", name, server[name], sql)
			}
		}
		for name, sql := range server {
			if cached[name] != sql && !slices.Contains(closing, name) {
				t.Errorf("server holds %s (%q) that the cache does not know", name, sql)
			}
		}
		last = cached
		conn.Release()
	}
	return last
}

// namesOf returns the names under which cached holds sql.
func namesOf(cached map[string]string, sql string) []string {
	var out []string
	for name, s := range cached {
		if s == sql {
			out = append(out, name)
		}
	}
	return out
}

// acquireAll acquires every idle connection of pool.
func acquireAll(t *testing.T, pool *pgxpool.Pool) []*pgxpool.Conn {
	t.Helper()
	var conns []*pgxpool.Conn
	for range pool.Stat().IdleConns() {
		c, err := pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	return conns
}

func TestStatementsArePreparedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	for range 3 {
		if got := labels(t, run(t, r, userEnv(userA), selectItems).Body); len(got) != 3 {
			t.Fatalf("user A sees %v", got)
		}
	}
	cached := checkCache(t, pool)
	if len(namesOf(cached, selectItems)) != 1 {
		t.Errorf("main statement not cached once: %v", cached)
	}
	if len(cached) != 2 {
		t.Errorf("want the settings and the main statement cached, got %d: %v", len(cached), cached)
	}
}

// TestPreparedStatementsKeepIdentities runs one statement text on one
// connection as different users and roles, past the point where
// PostgreSQL switches to a generic plan, and checks that each request sees
// its own rows and is held to its own role's privileges.
func TestPreparedStatementsKeepIdentities(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.admin.Exec(context.Background(), `
		CREATE TABLE api.members_only AS SELECT 'secret'::text AS v;
		GRANT SELECT ON api.members_only TO authenticated;`); err != nil {
		t.Fatal(err)
	}
	const membersOnly = `SELECT count(*), -1::bigint, coalesce(json_agg(m.v), '[]')::text, NULL::text, NULL::text
		FROM api.members_only m`
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	want := map[string][]string{
		userA: {"a-private", "a-public", "b-public"},
		userB: {"a-public", "b-private", "b-public"},
		"":    {"a-public", "b-public"},
	}
	for i := range 12 {
		for _, sub := range []string{userA, "", userB} {
			env := anonEnv()
			if sub != "" {
				env = userEnv(sub)
			}
			if got := labels(t, run(t, r, env, selectItems).Body); !slices.Equal(got, want[sub]) {
				t.Fatalf("round %d: %q sees %v, want %v", i, sub, got, want[sub])
			}
			if sub == "" {
				if err := runErr(t, r, env, membersOnly); err.Status != 401 {
					t.Fatalf("round %d: anonymous read of members_only: %+v, want 401", i, err)
				}
				continue
			}
			if got := labels(t, run(t, r, env, membersOnly).Body); !slices.Equal(got, []string{"secret"}) {
				t.Fatalf("round %d: %s reads members_only as %v", i, sub, got)
			}
		}
	}
	checkCache(t, pool)
}

// TestPreparedStatementsKeepFunctionPrivileges calls a SQL function that
// only one role may execute. PostgreSQL inlines such a function into the
// plan when the planning role may execute it and does not check the
// privilege again when a cached plan runs, so a statement prepared for
// one role must never serve another.
func TestPreparedStatementsKeepFunctionPrivileges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.admin.Exec(context.Background(), `
		CREATE FUNCTION api.members_fn() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
		REVOKE EXECUTE ON FUNCTION api.members_fn() FROM PUBLIC;
		GRANT EXECUTE ON FUNCTION api.members_fn() TO authenticated;`); err != nil {
		t.Fatal(err)
	}
	const call = `SELECT 1::bigint, -1::bigint, api.members_fn()::text, NULL::text, NULL::text`
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	for i := range 10 {
		if got := string(run(t, r, userEnv(userA), call).Body); got != "42" {
			t.Fatalf("round %d: member call returned %q", i, got)
		}
		if err := runErr(t, r, anonEnv(), call); err.Status != 401 || err.Code != "42501" {
			t.Fatalf("round %d: anonymous call: %+v, want 401 42501", i, err)
		}
	}
	checkCache(t, pool)
}

// TestPreparedStatementSurvivesAddColumn changes a table under a cached
// statement: PostgreSQL replans it and the new column shows.
func TestPreparedStatementSurvivesAddColumn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const rows = `SELECT count(*), -1::bigint, coalesce(json_agg(i.* ORDER BY i.label), '[]')::text,
		NULL::text, NULL::text FROM api.items i`
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	for range 7 {
		if body := string(run(t, r, userEnv(userA), rows).Body); strings.Contains(body, "extra") {
			t.Fatalf("column before it exists: %s", body)
		}
	}
	if _, err := e.admin.Exec(context.Background(),
		"ALTER TABLE api.items ADD COLUMN extra text NOT NULL DEFAULT 'added'"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if body := string(run(t, r, userEnv(userA), rows).Body); !strings.Contains(body, `"extra":"added"`) {
			t.Fatalf("new column missing after ALTER TABLE: %s", body)
		}
	}
	checkCache(t, pool)
}

// TestPreparedStatementResultTypeChange changes the type of a column a
// cached statement returns, which PostgreSQL refuses for a cached plan
// (0A000): the runner prepares the statement again and the request works.
func TestPreparedStatementResultTypeChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.admin.Exec(ctx, `
		CREATE TABLE api.kv AS SELECT 'v1'::text AS v;
		GRANT SELECT ON api.kv TO authenticated;`); err != nil {
		t.Fatal(err)
	}
	const kv = `SELECT 1::bigint, -1::bigint, k.v, NULL::text, NULL::text FROM api.kv k`
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	run(t, r, userEnv(userA), kv)
	before := namesOf(checkCache(t, pool), kv)

	if _, err := e.admin.Exec(ctx, "ALTER TABLE api.kv ALTER COLUMN v TYPE varchar(10)"); err != nil {
		t.Fatal(err)
	}
	if got := string(run(t, r, userEnv(userA), kv).Body); got != "v1" {
		t.Errorf("after ALTER COLUMN TYPE: body %q", got)
	}
	after := namesOf(checkCache(t, pool), kv)
	if len(before) != 1 || len(after) != 1 || after[0] == before[0] {
		t.Errorf("statement not prepared again: before %q, after %q", before, after)
	}
}

// TestPreparedStatementsDeallocatedBehindTheRunner drops the session's
// statements (as DISCARD ALL or a pooler would); the next request prepares
// them again.
func TestPreparedStatementsDeallocatedBehindTheRunner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	run(t, r, userEnv(userA), selectItems)

	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Conn().PgConn().Exec(ctx, "DEALLOCATE ALL").ReadAll(); err != nil {
		t.Fatal(err)
	}
	conn.Release()

	if got := labels(t, run(t, r, userEnv(userA), selectItems).Body); len(got) != 3 {
		t.Errorf("after DEALLOCATE ALL user A sees %v", got)
	}
	checkCache(t, pool)
}

// TestStatementNotCachedWhenParseIsSkipped fails a request before its main
// statement's Parse runs (the pre-request function raises); the statement
// must not count as prepared.
func TestStatementNotCachedWhenParseIsSkipped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	r.PreRequest = "api.pre_request"

	blocked := userEnv(userA)
	blocked.Headers = []byte(`{"x-block":"yes"}`)
	if err := runErr(t, r, blocked, selectItems); err.Status != 403 {
		t.Fatalf("blocked request: %+v", err)
	}
	if cached := checkCache(t, pool); len(namesOf(cached, selectItems)) != 0 {
		t.Errorf("main statement cached though its Parse never ran: %v", cached)
	}
	if got := labels(t, run(t, r, userEnv(userA), selectItems).Body); len(got) != 3 {
		t.Errorf("user A sees %v", got)
	}
	if cached := checkCache(t, pool); len(namesOf(cached, selectItems)) != 1 {
		t.Errorf("main statement not cached after it ran: %v", cached)
	}
}

func TestStatementCacheEvicts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	r.StatementCacheSize = 3
	stmts := []string{selectItems, updateAll, leakProbe,
		"SELECT 1::bigint, -1::bigint, 'x'::text, NULL::text, NULL::text",
		"SELECT 2::bigint, -1::bigint, 'y'::text, NULL::text, NULL::text"}
	for range 3 {
		for _, sql := range stmts {
			env := userEnv(userA)
			env.Rollback = true
			run(t, r, env, sql)
		}
	}
	if cached := checkCache(t, pool); len(cached) > 3 {
		t.Errorf("cache holds %d statements, want at most 3", len(cached))
	}
	// Evicted statements are closed at the start of the next exchange, so
	// the server holds at most the cache and the last evictions.
	run(t, r, userEnv(userA), selectItems)
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	_, closing := rls.CachedStatements(conn.Conn().PgConn())
	if n := len(serverStatements(t, conn)); n > 3+len(closing) || len(closing) > 2 {
		t.Errorf("server holds %d statements of the runner, %d about to close; want at most 3 kept", n, len(closing))
	}
}

func TestStatementCacheOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	r.StatementCacheSize = 0
	for range 3 {
		if got := labels(t, run(t, r, userEnv(userB), selectItems).Body); len(got) != 3 {
			t.Fatalf("user B sees %v", got)
		}
	}
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if got := serverStatements(t, conn); len(got) != 0 {
		t.Errorf("prepared statements with the cache off: %v", got)
	}
}

// TestNoLeakWithStatementChurn is TestNoLeak with a cache so small that
// statements are evicted and prepared again all the time.
func TestNoLeakWithStatementChurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 2, execModes[0])
	r := rls.NewRunner(pool)
	r.StatementCacheSize = 2

	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if err := leakRun(r, i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkCache(t, pool)
}

// TestClientGoneKeepsConnection cancels a request's context while its
// transaction runs: the transaction finishes and the pooled connection,
// with its prepared statements, stays.
func TestClientGoneKeepsConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, pgx.QueryExecModeCacheStatement)
	r := rls.NewRunner(pool)
	const slow = `SELECT 1::bigint, -1::bigint, pg_sleep(0.3)::text, NULL::text, NULL::text`
	run(t, r, userEnv(userA), slow)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, userEnv(userA), slow, nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("request whose client went away: %v", err)
	}
	run(t, r, userEnv(userA), slow)
	if n := pool.Stat().NewConnsCount(); n != 1 {
		t.Errorf("pool opened %d connections, want 1", n)
	}
	if cached := checkCache(t, pool); len(namesOf(cached, slow)) != 1 {
		t.Errorf("statement not cached on the one connection: %v", cached)
	}
}

// TestDeadlineStillBounds checks that a deadline on the request's context
// still ends a transaction that runs past it.
func TestDeadlineStillBounds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 1, pgx.QueryExecModeCacheStatement))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Run(ctx, userEnv(userA),
		`SELECT 1::bigint, -1::bigint, pg_sleep(5)::text, NULL::text, NULL::text`, nil)
	if err == nil {
		t.Fatal("a transaction past its deadline succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("deadline of 100ms ended the transaction after %v", d)
	}
}
