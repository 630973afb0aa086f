package rls_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rowgate/rowgate/rls"
)

// sleepy sleeps $1 seconds; its cost is measured on fast runs first.
const sleepy = `SELECT 1::bigint, -1::bigint, pg_sleep($1::float8)::text, NULL::text, NULL::text`

// warmQueue prepares sleepy (as anon) and selectItems for both users on
// the single connection of r's pool, and measures sleepy's cost.
func warmQueue(t *testing.T, r *rls.Runner) {
	t.Helper()
	for range 4 {
		run(t, r, anonEnv(), sleepy, 0)
		run(t, r, userEnv(userA), selectItems)
		run(t, r, userEnv(userB), selectItems)
	}
}

// A request whose context deadline passes before its results are read
// must not leave them on the connection for the next request (another
// user) to read as its own.
func TestQueueDeadlineLeavesNoResultsBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := queueingRunner(t, e, 1)
	warmQueue(t, r)

	ahead := runAhead(r, anonEnv(), sleepy, 0.5) // the sleeper holds the only connection

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.Run(ctx, userEnv(userA), selectItems, nil)
	t.Logf("user A with a deadline: %v", err)
	if err := <-ahead; err != nil {
		t.Fatalf("sleeper: %v", err)
	}
	t.Logf("queue stats %+v", r.QueueStats())

	res, err := r.Run(context.Background(), userEnv(userB), selectItems, nil)
	if err != nil {
		t.Fatalf("user B: %v", err)
	}
	got := labels(t, res.Body)
	for _, l := range got {
		if l == "a-private" {
			t.Fatalf("user B received user A's private row: %v", got)
		}
	}
	if want := []string{"a-public", "b-private", "b-public"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("user B got %v, want %v", got, want)
	}
}

// Nothing queues behind an Env.Rollback request (its cost would be the
// rollback statement's, shared by every such request).
func TestQueueNothingBehindRollback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := queueingRunner(t, e, 1)
	rb := anonEnv()
	rb.Rollback = true
	for range 4 {
		run(t, r, rb, sleepy, 0)
		run(t, r, userEnv(userA), selectItems)
	}
	ahead := runAhead(r, rb, sleepy, 0.3)
	run(t, r, userEnv(userA), selectItems)
	if err := <-ahead; err != nil {
		t.Fatalf("rollback request: %v", err)
	}
	if q := r.QueueStats(); q.Queued != 0 {
		t.Errorf("queue stats %+v: a request was queued behind an Env.Rollback request", q)
	}
}

// When an exchange's deadline passes, pgx closes its connection after
// asking the server to cancel; a write queued behind it could then be
// committed while its client hears of a failure. So nothing queues behind
// an exchange with a deadline.
func TestQueueNothingBehindADeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := queueingRunner(t, e, 1)
	post := userEnv(userA)
	post.Method = "POST"
	for i := range 4 {
		run(t, r, anonEnv(), sleepy, 0)
		run(t, r, post, insertItem, userA, "warm-"+string(rune('a'+i)), false)
	}
	ahead := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		_, err := r.Run(ctx, anonEnv(), sleepy, []any{2})
		ahead <- err
	}()
	time.Sleep(100 * time.Millisecond)
	_, err := r.Run(context.Background(), post, insertItem, []any{userA, "queued-write", false})
	t.Logf("sleeper: %v", <-ahead)
	t.Logf("queue stats %+v", r.QueueStats())
	time.Sleep(200 * time.Millisecond)
	n := e.count(t, "label = 'queued-write'")
	if err != nil && n != 0 {
		t.Errorf("write reported failed (%v) but committed", err)
	}
}

// A large request is not written ahead: written with one blocking write
// before anything is read, its echoed settings (set_config returns its
// value) could fill the socket the other way and deadlock. It waits its
// turn and runs as usual, as pgx reads while it writes.
func TestQueueLargeRequestRunsInTurn(t *testing.T) {
	for _, c := range []struct {
		name         string
		header, body int
	}{{"16MiB headers", 16 << 20, 16 << 20}} {
		t.Run(c.name, func(t *testing.T) { queuedLargeRequest(t, c.header, c.body) })
	}
}

func queuedLargeRequest(t *testing.T, header, body int) {
	e := newEnv(t)
	r := queueingRunner(t, e, 1)
	const echo = `SELECT 1::bigint, -1::bigint, length($1::text)::text, NULL::text, NULL::text`
	big := userEnv(userA)
	for range 4 {
		run(t, r, anonEnv(), sleepy, 0)
		run(t, r, big, echo, "x")
	}
	big.Headers, _ = json.Marshal(map[string]string{"x-big": strings.Repeat("h", header)})
	arg := strings.Repeat("b", body)

	// Not queued: fine.
	if res := run(t, r, big, echo, arg); string(res.Body) != fmt.Sprint(body) {
		t.Fatalf("unqueued: %s", res.Body)
	}

	ahead := runAhead(r, anonEnv(), sleepy, 0.3)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), big, echo, []any{arg})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("queued large request: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("queued large request still running after 15s (queue stats %+v)", r.QueueStats())
		// Unblock it: end this test database's own backends.
		if _, err := e.admin.Exec(context.Background(),
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			 WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		t.Logf("after terminating the backend: %v", <-done)
	}
	<-ahead
}

// terminateSleepers ends this test database's backends running pg_sleep.
func terminateSleepers(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.admin.Exec(context.Background(),
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		 WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'`); err != nil {
		t.Fatal(err)
	}
}

// When the backend of the exchange ahead dies, no waiting request is
// queued on the dead connection: it gets a fresh one from the pool.
func TestQueueNothingOnADeadConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := queueingRunner(t, e, 1)
	warmQueue(t, r)

	ahead := runAhead(r, anonEnv(), sleepy, 3)
	queued := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), userEnv(userA), selectItems, nil)
		queued <- err
	}()
	time.Sleep(100 * time.Millisecond)
	waiting := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), userEnv(userB), selectItems, nil)
		waiting <- err
	}()
	time.Sleep(100 * time.Millisecond)
	terminateSleepers(t, e)
	t.Logf("ahead: %v", <-ahead)
	t.Logf("queued behind it: %v", <-queued)
	err := <-waiting
	t.Logf("queue stats %+v", r.QueueStats())
	if err != nil {
		t.Errorf("request that was waiting for a connection: %v", err)
	}
}

// Requests handed a connection in the runner's queue count as
// acquisitions too, so empty acquisitions never outnumber acquisitions.
func TestQueueMetricsCountHandedConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, execModes[0])
	r := rls.NewRunner(pool)
	r.PipelineWindow = time.Second
	check := anonEnv()
	check.Check = func(*rls.Result) error { return nil } // never queues behind
	ahead := runAhead(r, anonEnv(), sleepy, 0.3)
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := r.Run(context.Background(), check, selectItems, nil)
			errs <- err
		}()
	}
	for range 10 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	<-ahead
	got, _ := metricValues(t, rls.NewPoolCollector(pool, nil).WithRunner(r))
	t.Logf("acquires %v, empty acquires %v, queue %+v", got["rowgate_db_pool_acquires_total"],
		got["rowgate_db_pool_empty_acquires_total"], r.QueueStats())
	if got["rowgate_db_pool_empty_acquires_total"] > got["rowgate_db_pool_acquires_total"] {
		t.Errorf("empty acquisitions (%v) exceed acquisitions (%v)",
			got["rowgate_db_pool_empty_acquires_total"], got["rowgate_db_pool_acquires_total"])
	}
}

// A function that drops every prepared statement (DEALLOCATE ALL) runs
// as the exchange ahead; the request queued behind it binds statements
// that no longer exist, and must be retried, not fail, with its own
// identity.
func TestQueueBehindDeallocateAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	forget := addForget(t, e)
	r := queueingRunner(t, e, 1)
	for range 4 {
		run(t, r, anonEnv(), forget, 0)
		run(t, r, userEnv(userA), selectItems)
		run(t, r, userEnv(userB), selectItems)
	}
	for round := range 5 {
		// Let the cache settle: the request after DEALLOCATE ALL re-prepares.
		for range 3 {
			run(t, r, anonEnv(), forget, 0)
			run(t, r, userEnv(userA), selectItems)
		}
		if err := userBBehind(t, r, forget, 0.2); err != nil {
			t.Fatalf("round %d: ahead: %v", round, err)
		}
	}
	t.Logf("queue stats %+v", r.QueueStats())
	if r.QueueStats().Queued == 0 {
		t.Fatal("nothing queued")
	}
}

// The exchange ahead hits statement_timeout; the request queued behind
// runs alone and gets its own rows.
func TestQueueBehindStatementTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var db string
	_ = e.admin.QueryRow(context.Background(), `SELECT current_database()`).Scan(&db)
	if _, err := e.admin.Exec(context.Background(),
		`ALTER DATABASE "`+db+`" SET statement_timeout = '150ms'`); err != nil {
		t.Fatal(err)
	}
	r := queueingRunner(t, e, 1)
	warmQueue(t, r)
	for round := range 3 {
		rerr, _ := errors.AsType[*rls.Error](userBBehind(t, r, sleepy, 0.3))
		if rerr == nil || rerr.Code != "57014" {
			t.Fatalf("round %d: ahead: %v, want 57014", round, rerr)
		}
		run(t, r, anonEnv(), sleepy, 0)
	}
	t.Logf("queue stats %+v", r.QueueStats())
}

// addForget creates api.forget(s), which sleeps s seconds and then, when s
// is positive, drops every prepared statement of its connection, and
// returns a main statement calling it.
func addForget(t *testing.T, e *env) string {
	t.Helper()
	if _, err := e.admin.Exec(context.Background(), `
		CREATE FUNCTION api.forget(s float8) RETURNS text LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_sleep(s); IF s > 0 THEN EXECUTE 'DEALLOCATE ALL'; END IF; RETURN 'forgot'; END $$;
		GRANT EXECUTE ON FUNCTION api.forget(float8) TO anon`); err != nil {
		t.Fatal(err)
	}
	return `SELECT 1::bigint, -1::bigint, api.forget($1::float8), NULL::text, NULL::text`
}

// userBBehind runs ahead (anonymous, with argument arg) and, while it
// runs, user B's read of the items, which must see exactly B's rows; it
// returns the error of the request ahead.
func userBBehind(t *testing.T, r *rls.Runner, ahead string, arg float64) error {
	t.Helper()
	done := runAhead(r, anonEnv(), ahead, arg)
	res, err := r.Run(context.Background(), userEnv(userB), selectItems, nil)
	if err != nil {
		t.Fatalf("queued request: %v", err)
	}
	if got := strings.Join(labels(t, res.Body), ","); got != "a-public,b-private,b-public" {
		t.Fatalf("user B got %s", got)
	}
	return <-done
}

// runAhead starts a request of e running sql with argument arg and
// returns its error's channel once it has had time to take a connection.
func runAhead(r *rls.Runner, e *rls.Env, sql string, arg any) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), e, sql, []any{arg})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	return done
}
