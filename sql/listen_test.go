package pgsql_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

// listenerRun is a running Listener whose reloads are counted.
type listenerRun struct {
	reloads atomic.Int64
	// last is when the latest reload started, in Unix nanoseconds.
	last atomic.Int64
	stop context.CancelFunc
	done chan error
}

// startListener runs a Listener with a 100 ms debounce and the given
// MaxWait (zero for the default) until t ends.
func startListener(t *testing.T, cfg *pgx.ConnConfig, channel string, maxWait time.Duration) *listenerRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run := &listenerRun{stop: cancel, done: make(chan error, 1)}
	l := &pgsql.Listener{
		Config:  cfg,
		Channel: channel,
		Reload: func(context.Context) error {
			run.last.Store(time.Now().UnixNano())
			run.reloads.Add(1)
			return nil
		},
		Debounce:   100 * time.Millisecond,
		MaxWait:    maxWait,
		MinBackoff: 50 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond,
	}
	go func() { run.done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-run.done:
		case <-time.After(5 * time.Second):
			t.Error("listener did not stop")
		}
	})
	return run
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// listenerPID returns the backend pid of the listener's connection to
// database db, or 0 while it is not listening.
func listenerPID(t *testing.T, conn *pgx.Conn, db string) int32 {
	t.Helper()
	var pid int32
	err := conn.QueryRow(context.Background(),
		`SELECT coalesce(max(pid), 0) FROM pg_stat_activity
		 WHERE datname = $1 AND application_name = $2 AND query LIKE 'LISTEN%'`,
		db, pgsql.ListenerAppName).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func notify(t *testing.T, conn *pgx.Conn, channel, payload string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		t.Fatal(err)
	}
}

func TestListener(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	admin := db.Admin(t)
	run := startListener(t, db.Config(""), "pgrst", 0)
	waitFor(t, "LISTEN", 5*time.Second, func() bool { return listenerPID(t, admin, db.Name) != 0 })

	// One notification, one reload.
	notify(t, admin, "pgrst", "reload schema")
	waitFor(t, "first reload", 5*time.Second, func() bool { return run.reloads.Load() == 1 })

	// Other payloads and other channels are ignored.
	notify(t, admin, "pgrst", "reload config")
	notify(t, admin, "other", "reload schema")
	time.Sleep(300 * time.Millisecond)
	if n := run.reloads.Load(); n != 1 {
		t.Fatalf("ignored notifications reloaded: %d reloads", n)
	}

	// A burst reloads twice: at its start and after it.
	for range 20 {
		notify(t, admin, "pgrst", "reload schema")
	}
	waitFor(t, "burst reloads", 5*time.Second, func() bool { return run.reloads.Load() >= 3 })
	time.Sleep(400 * time.Millisecond)
	if n := run.reloads.Load(); n != 3 {
		t.Fatalf("a burst of 20 caused %d reloads, want 2", n-1)
	}

	// An empty payload reloads too.
	notify(t, admin, "pgrst", "")
	waitFor(t, "empty payload reload", 5*time.Second, func() bool { return run.reloads.Load() == 4 })
}

// TestListenerMaxWait keeps notifications coming closer together than the
// debounce for five times MaxWait. The burst never goes quiet, yet the
// listener reloads for it while it lasts, at least every MaxWait, instead
// of holding every reload back until the notifications stop.
func TestListenerMaxWait(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	admin := db.Admin(t)
	const maxWait = 300 * time.Millisecond
	run := startListener(t, db.Config(""), "pgrst", maxWait)
	waitFor(t, "LISTEN", 5*time.Second, func() bool { return listenerPID(t, admin, db.Name) != 0 })

	start := time.Now()
	var lastSent time.Time
	for time.Since(start) < 5*maxWait {
		lastSent = time.Now()
		notify(t, admin, "pgrst", "reload schema")
		time.Sleep(20 * time.Millisecond)
	}
	// One reload at the start, then one at least every MaxWait: four
	// more if the notifications arrived on time, and surely two.
	if n := run.reloads.Load(); n < 3 {
		t.Fatalf("%d reloads during a steady stream of notifications lasting %v; want one at least every %v",
			n, time.Since(start), maxWait)
	}

	// Once the stream stops, its last notification is reloaded too.
	waitFor(t, "a reload after the last notification", 5*time.Second, func() bool {
		return run.last.Load() >= lastSent.UnixNano()
	})
}

// TestListenerReconnects kills the listener's backend, as a database
// restart would, and checks that it comes back, reloads, and listens.
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	admin := db.Admin(t)
	run := startListener(t, db.Config(""), "custom channel", 0)
	var pid int32
	waitFor(t, "LISTEN", 5*time.Second, func() bool {
		pid = listenerPID(t, admin, db.Name)
		return pid != 0
	})

	if _, err := admin.Exec(context.Background(), "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reload on reconnect", 5*time.Second, func() bool { return run.reloads.Load() == 1 })
	waitFor(t, "new listener backend", 5*time.Second, func() bool {
		p := listenerPID(t, admin, db.Name)
		return p != 0 && p != pid
	})

	notify(t, admin, "custom channel", "reload schema")
	waitFor(t, "reload after reconnect", 5*time.Second, func() bool { return run.reloads.Load() == 2 })
}

// TestListenerStopsWhileRetrying checks that a listener that cannot reach
// its database keeps retrying and still stops at once when told to.
func TestListenerStopsWhileRetrying(t *testing.T) {
	t.Parallel()
	cfg, err := pgx.ParseConfig("postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	l := &pgsql.Listener{Config: cfg, Channel: "pgrst", Reload: func(context.Context) error { return nil },
		MinBackoff: 10 * time.Millisecond}
	go func() { done <- l.Run(ctx) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("listener did not stop")
	}

	if err := (&pgsql.Listener{}).Run(context.Background()); err == nil {
		t.Error("a listener without configuration ran")
	}
}
