package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestLimits runs a gateway of its own with one pooled connection, a
// one-second acquisition timeout, a small body limit, Server-Timing and
// JSON logs, and checks each; the steps share the gateway and run in
// order.
func TestLimits(t *testing.T) {
	t.Parallel()
	g, dbName := ownGateway(t, map[string]string{
		"PGRST_DB_POOL":                     "1",
		"PGRST_DB_POOL_ACQUISITION_TIMEOUT": "1",
		"PGRST_SERVER_TIMING_ENABLED":       "true",
		"ROWGATE_SERVER_MAX_BODY_BYTES":     "2000",
		"ROWGATE_LOG_FORMAT":                "json",
	})
	get := func(t *testing.T, path string, headers ...string) *reply {
		t.Helper()
		r, err := doCall(http.MethodGet, g.base+path, "", "", headers...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("server timing", func(t *testing.T) {
		r := get(t, "/writes")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d %s", r.Status, r.Body)
		}
		st := r.Header.Get("Server-Timing")
		for _, phase := range []string{"jwt", "parse", "plan", "transaction", "response"} {
			if !strings.Contains(st, phase+";dur=") {
				t.Errorf("Server-Timing %q lacks %s", st, phase)
			}
		}
		// A request that fails before the database still says where the
		// time went.
		r = get(t, "/no_such_table")
		if st := r.Header.Get("Server-Timing"); !strings.HasPrefix(st, "jwt;dur=") {
			t.Errorf("error response Server-Timing = %q", st)
		}
		if st := call(t, http.MethodGet, "/items", "", "").Header.Get("Server-Timing"); st != "" {
			t.Errorf("Server-Timing sent while disabled: %q", st)
		}
	})

	t.Run("rpc label", func(t *testing.T) {
		if r := get(t, "/rpc/ops_ping"); r.Status != http.StatusOK {
			t.Fatalf("GET /rpc/ops_ping: %d %s", r.Status, r.Body)
		}
		get(t, "/rpc/no_such_function")
		mfs := scrape(t, g)
		labels := map[string]string{"method": "GET", "status": "2xx", "resource": "rpc/ops_ping"}
		if v := value(mfs, "rowgate_http_requests_total", labels); v != 1 {
			t.Errorf("rowgate_http_requests_total%v = %v, want 1", labels, v)
		}
		if series(mfs, "rowgate_http_requests_total", map[string]string{"resource": "rpc/no_such_function"}) != nil {
			t.Error("an unknown function name became a label value")
		}
	})

	t.Run("json access log", func(t *testing.T) {
		const id = "limits-json-log-1"
		get(t, "/writes?tag=eq.hidden-value", "X-Request-Id: "+id)
		var entry map[string]any
		deadline := time.Now().Add(5 * time.Second)
		for entry == nil && time.Now().Before(deadline) {
			for line := range strings.SplitSeq(g.out.String(), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["request_id"] == id {
					entry = m
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		if entry == nil {
			t.Fatalf("no JSON access line with the request id in:\n%s", g.out.String())
		}
		if entry["msg"] != "request" || entry["method"] != "GET" || entry["path"] != "/writes" ||
			entry["status"] != float64(200) || entry["role"] != "anon" || entry["duration"] == nil {
			t.Errorf("access line = %v", entry)
		}
		if strings.Contains(g.out.String(), "hidden-value") {
			t.Error("a query value reached the log")
		}
	})

	t.Run("body limit", func(t *testing.T) {
		big := fmt.Sprintf(`{"tag":%q}`, strings.Repeat("x", 3000))
		r, err := doCall(http.MethodPost, g.base+"/writes", "", big)
		if err != nil {
			t.Fatal(err)
		}
		expectError(t, r, http.StatusRequestEntityTooLarge, "PGRST102")
		r, err = doCall(http.MethodPost, g.base+"/writes", "", `{"tag":"small"}`)
		if err != nil || r.Status != http.StatusCreated {
			t.Fatalf("small body: %v %v", err, r)
		}
	})

	t.Run("saturated pool", func(t *testing.T) {
		slow := make(chan *reply, 1)
		go func() {
			r, err := doCall(http.MethodGet, g.base+"/slow", "", "")
			if err != nil {
				r = &reply{Body: []byte(err.Error())}
			}
			slow <- r
		}()
		waitFor(t, "the slow request holds the only connection", func() bool {
			return value(scrape(t, g), "rowgate_db_pool_acquired_connections", nil) == 1
		})

		start := time.Now()
		r := get(t, "/writes")
		waited := time.Since(start)
		expectError(t, r, http.StatusServiceUnavailable, "PGRST003")
		if r.Header.Get("Retry-After") == "" {
			t.Error("503 PGRST003 without Retry-After")
		}
		if waited < 900*time.Millisecond || waited > 1900*time.Millisecond {
			t.Errorf("answered after %s, want about the 1 s acquisition timeout", waited)
		}
		if r := <-slow; r.Status != http.StatusOK {
			t.Errorf("slow request: %d %s", r.Status, r.Body)
		}

		mfs := scrape(t, g)
		if v := value(mfs, "pgrst_db_pool_timeouts_total", nil); v < 1 {
			t.Errorf("pgrst_db_pool_timeouts_total = %v", v)
		}
		labels := map[string]string{"method": "GET", "status": "5xx", "resource": "writes"}
		if v := value(mfs, "rowgate_http_requests_total", labels); v < 1 {
			t.Errorf("rowgate_http_requests_total%v = %v", labels, v)
		}
	})

	t.Run("health command", func(t *testing.T) {
		port := g.admin[strings.LastIndexByte(g.admin, ':')+1:]
		cmd := exec.Command(env.binary, "health", "--ready")
		cmd.Env = append(os.Environ(), "PGRST_ADMIN_SERVER_PORT="+port)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("health --ready: %v\n%s", err, out)
		}
		if out, err := exec.Command(env.binary, "health", "--url", g.base+"/nowhere").CombinedOutput(); err == nil {
			t.Errorf("health on a 404 succeeded: %s", out)
		}
	})

	t.Run("ready says what is missing", func(t *testing.T) {
		setConnections(t, dbName, false)
		restored := false
		defer func() {
			if !restored {
				setConnections(t, dbName, true)
			}
		}()

		resp, err := http.Get(g.admin + "/ready")
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Status  string
			Missing []string
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("/ready: %d %v", resp.StatusCode, err)
		}
		if len(body.Missing) != 1 || !strings.HasPrefix(body.Missing[0], "database unreachable") {
			t.Errorf("missing = %q, want only the database", body.Missing)
		}
		if out, err := exec.Command(env.binary, "health", "--url", g.admin+"/ready").CombinedOutput(); err == nil {
			t.Errorf("health on an unready gateway succeeded: %s", out)
		}
		if out, err := exec.Command(env.binary, "health", "--url", g.admin+"/live").CombinedOutput(); err != nil {
			t.Errorf("live while the database is away: %v %s", err, out)
		}

		setConnections(t, dbName, true)
		restored = true
		waitFor(t, "ready again", func() bool {
			resp, err := http.Get(g.admin + "/ready")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	})
}

// setConnections allows or forbids connections to the test's own
// database, and ends the open ones when it forbids them.
func setConnections(t *testing.T, dbName string, allow bool) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, baseURI())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{dbName}.Sanitize()
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", ident, allow)); err != nil {
		t.Fatal(err)
	}
	if !allow {
		const q = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
		if _, err := conn.Exec(ctx, q, dbName); err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting: %s", what)
}
