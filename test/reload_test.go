package test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// reloadChannel is the db-channel of the reload test's own gateway, so
// that its listener is told apart from the other gateways' on the shared
// database (pg_stat_activity shows LISTEN as the backend's last query).
const reloadChannel = "rowgate_reload_test"

// adminExec runs SQL as the superuser on the shared database.
func adminExec(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.adminURI)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// createProbe creates a function the schema cache does not know yet and
// checks that calling it answers 404 PGRST202.
func createProbe(t *testing.T, g *gatewayProc, name string) {
	t.Helper()
	adminExec(t, fmt.Sprintf("CREATE FUNCTION %s() RETURNS text LANGUAGE sql AS $$SELECT '%s'$$", name, name))
	expectError(t, g.at(t, "GET", "/rpc/"+name, "", ""), http.StatusNotFound, "PGRST202")
}

// waitCallable polls /rpc/name until the reloaded cache knows it.
func waitCallable(t *testing.T, g *gatewayProc, name, why string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := g.at(t, "GET", "/rpc/"+name, "", "")
		if r.Status == http.StatusOK {
			expectBody(t, r, `"`+name+`"`)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /rpc/%s still answers %d %s\n%s", why, name, r.Status, r.Body, g.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listenerPIDs lists the backends listening on channel.
func listenerPIDs(t *testing.T, channel string) []int32 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.adminURI)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND query = $1`, `LISTEN "`+channel+`"`)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// waitListening waits until one backend listens on channel, and not one
// of old.
func waitListening(t *testing.T, channel string, old []int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		now := listenerPIDs(t, channel)
		if len(now) == 1 && !slices.Contains(old, now[0]) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("listeners on %s: %v (old %v)", channel, now, old)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSchemaReload(t *testing.T) {
	t.Parallel()
	g := sharedGateway(t, map[string]string{"PGRST_DB_CHANNEL": reloadChannel})
	// Probe names are new on every run (go test -count=N).
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	probe := func(what string) string { return "rpc_probe_" + what + "_" + run }

	// The gateway is ready before its listener has run LISTEN.
	waitListening(t, reloadChannel, nil)

	// NOTIFY with 'reload schema' and with an empty payload.
	createProbe(t, g, probe("notify"))
	adminExec(t, "SELECT pg_notify($1, 'reload schema')", reloadChannel)
	waitCallable(t, g, probe("notify"), "NOTIFY 'reload schema'")
	createProbe(t, g, probe("empty"))
	adminExec(t, "SELECT pg_notify($1, '')", reloadChannel)
	waitCallable(t, g, probe("empty"), "NOTIFY ''")

	// SIGUSR1.
	createProbe(t, g, probe("signal"))
	if err := g.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitCallable(t, g, probe("signal"), "SIGUSR1")

	// The listener's backend goes away, as in a database restart: the
	// listener reconnects and reloads, which picks up a function created
	// while nobody was listening, and then listens again.
	pids := listenerPIDs(t, reloadChannel)
	if len(pids) != 1 {
		t.Fatalf("%d backends listen on %s", len(pids), reloadChannel)
	}
	createProbe(t, g, probe("restart"))
	adminExec(t, "SELECT pg_terminate_backend($1)", pids[0])
	waitCallable(t, g, probe("restart"), "reconnect")
	waitListening(t, reloadChannel, pids)
	createProbe(t, g, probe("after"))
	adminExec(t, "SELECT pg_notify($1, 'reload schema')", reloadChannel)
	waitCallable(t, g, probe("after"), "NOTIFY after reconnect")
}

// TestReloadDoesNotBlockRequests keeps requests flowing while a burst of
// notifications reloads the schema cache: every request succeeds. The
// burst reloads at its start and once more after it has gone quiet (or
// has gone on for the listener's maximum wait), so the requests go on
// until the log shows both reloads.
func TestReloadDoesNotBlockRequests(t *testing.T) {
	t.Parallel()
	channel := reloadChannel + "_burst"
	g := sharedGateway(t, map[string]string{"PGRST_DB_CHANNEL": channel})
	waitListening(t, channel, nil)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	served := 0
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := doCall("GET", g.base+"/rpc/rpc_add?a=1", "", "")
				mu.Lock()
				served++
				if err != nil || r.Status != http.StatusOK {
					failures = append(failures, fmt.Sprint(err, r))
				}
				mu.Unlock()
			}
		})
	}
	for range 30 {
		adminExec(t, "SELECT pg_notify($1, 'reload schema')", channel)
		time.Sleep(20 * time.Millisecond)
	}
	// The load at start, then the burst's two.
	loads := func() int { return strings.Count(g.out.String(), "schema cache loaded") }
	deadline := time.Now().Add(15 * time.Second)
	for loads() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := loads(); n < 3 {
		t.Errorf("the schema cache loaded %d times; the burst did not reload it", n)
	}
	if len(failures) > 0 || served == 0 {
		t.Fatalf("%d of %d requests failed during reloads: %v", len(failures), served, failures[:min(3, len(failures))])
	}
}
